"""What a builder must know about a build, in sentences: transients, risers, BIOS settings, breakout
boards, airflow, chipset lanes, NVLink, plus the throughput model's own warnings."""

from __future__ import annotations

from planner.schema.result import BuildResult


def warnings(build: BuildResult) -> list[str]:
    """What a builder must know: transients, risers, airflow, BIOS, breakouts, plus the throughput model's."""
    out: list[str] = []
    kinds = {p.kind for p in build.parts}
    rows = build.cards
    pw = build.power
    if pw.peak_w and pw.psu_capacity_w and pw.peak_w > pw.psu_capacity_w:
        out.append(
            f"Transients: GPUs spike to {pw.peak_w} W for milliseconds against {pw.psu_capacity_w} W of "
            "PSU rating; the plan relies on the PSUs' transient tolerance (ATX 3.x rides 200 %)."
        )
    if any(r.mount in ("riser", "bifurcated", "port") for r in rows):
        out.append(
            "Risers: if a card drops off the bus or logs PCIe errors, set that slot to a lower PCIe "
            "generation in the BIOS (Gen3 is enough for layer-split inference)."
        )
    if any(r.mount == "bifurcated" for r in rows):
        out.append("Bifurcation: set the slot to x8x8 in the BIOS before fitting the bifurcation card.")
    if len(rows) > 1 or "server" in kinds:
        out.append(
            "BIOS: enable Above 4G decoding (and Resizable BAR where offered): large-BAR and multi-GPU "
            "systems do not boot or see all cards without it."
        )
    if "breakout" in kinds:
        out.append(
            "Server PSUs on breakout boards: a card they power still draws slot power from the main PSU, so "
            "keep the supplies' grounds common and switch the server PSUs on before the main PSU."
        )
    if build.passive_gpus:
        out.append(
            f"Passive cards ({', '.join(build.passive_gpus)}): they have no fans; the chassis fans must push "
            "air straight through them at full speed, or fit blower shrouds, or they throttle within minutes."
        )
    if any(r.via == "chipset" for r in rows):
        out.append(
            "Chipset lanes: cards behind the chipset share its uplink; fine for layer split, slow for tensor "
            "parallel."
        )
    link = build.card_link
    if link is not None and link.kind == "nvlink":
        slots = " and ".join(str(c.slot) for c in rows if c.mount == "direct")
        out.append(
            f"NVLink: fit the {link.bridge} across the cards in slots {slots} after both are seated; "
            f"the cards then exchange tensor-parallel traffic at {link.gbs:g} GB/s each way."
        )
    out.extend(build.warnings)
    if build.power_limits:
        out.append(
            "Power limits: " + "; ".join(f"`{row.command}`" for row in build.power_limits) + " (as root, at every boot)."
        )
    if build.throughput is not None:
        out.extend(build.throughput.warnings)
    return out
