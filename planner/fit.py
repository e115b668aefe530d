"""`planner fit`: every catalogue model and quant that fits given hardware, the longest context each allows,
its likely and conservative speed, the evidence behind it and the line that launches it.

The reverse of `solve`: the hardware is fixed and the catalogue's models are the unknowns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from planner import perf
from planner.perf.memory import usable_capacity_gb, weight_bytes
from planner.schema import Cpu, Gpu, Llm, Quant, System
from planner.schema.result import FitRecord

USABLE_TPS = 5.0  # conservative decode below this is slower than reading speed: listed after the rest
DEFAULT_CONTEXT = 4096  # a model that fits only a few hundred tokens of context is of no use
QUALITY_BITS = 8.5  # above Q8_0 quality hardly improves while speed halves: prefer the best quant up to here
GOOD_BITS = 4.0  # 4-bit class and up: below it, a model in RAM at a good quant is the better offer
# llama.cpp's legacy GGUF types: k-quants of the same size lose less quality (the catalogue's notes say so of
# Q4_0 and Q4_1), so a row shows one of these only when no k- or i-quant would do.
LEGACY = frozenset({"q4-0", "q4-1", "q5-0", "q5-1"})
TEST_PROMPT, TEST_GENERATE = 512, 128  # llama-bench's pp512 / tg128, the figures people compare


@dataclass
class Hardware:
    """What the models must run on: GPU or system devices (with the links a build gives them) and the host
    CPU with its RAM, for CPU-only runs or offload; the catalogue parts, for the software stack."""

    devices: list[perf.Device] = field(default_factory=list)
    host: perf.Device | None = None
    gpus: list[Gpu] = field(default_factory=list)
    system: System | None = None
    cpu: Cpu | None = None

    def memory_gb(self, backend: str) -> float:
        """Memory the weights could use at most: the devices' usable memory, plus the host's RAM."""
        total = sum(usable_capacity_gb(d, backend) for d in self.devices)
        return total + (self.host.memory_gb if self.host is not None else 0.0)


@dataclass(frozen=True)
class Options:
    """What `fit` evaluates and keeps."""

    backend: str = "llama.cpp"
    context: int | None = None  # None: DEFAULT_CONTEXT, or the model's trained limit when shorter
    min_tps: float = 0.0  # keep only conservative decode at least this
    families: tuple[str, ...] = ()
    all_quants: bool = False  # every fitting quant, not only the best per model


def in_families(model: Llm, families: Sequence[str]) -> bool:
    """The model's family is one given, or within one ("llama" holds llama-2, llama-3 and llama-4)."""
    return any(model.family == f or model.family.startswith(f"{f}-") for f in families)


def quants_for(model: Llm, quants: Sequence[Quant], backend: str) -> list[Quant]:
    """Quants this backend loads that exist for this model (a model-specific mix only for its models),
    best quality first."""
    out = [
        q
        for q in quants
        if _loads(q, backend)
        and (not q.models or model.id in q.models)
        and (not model.quants or q.id in model.quants)
    ]
    return sorted(out, key=lambda q: -q.bits_per_weight)


def _loads(quant: Quant, backend: str) -> bool:
    try:
        perf.check_quant_backend(quant, backend)
    except perf.QuantError:
        return False
    return True


def _context(model: Llm, options: Options) -> int:
    return options.context if options.context is not None else min(DEFAULT_CONTEXT, model.max_context)


def record(hw: Hardware, model: Llm, quant: Quant, options: Options, stack: Any = None) -> FitRecord | None:
    """The fit record of one model and quant, or None when it does not fit (or no runtime runs it)."""
    context = _context(model, options)
    if context > model.max_context:
        return None
    # The cards run the stack's one runtime (Vulkan for mixed vendors, say), as a build's check does.
    runtime = stack.runtime if stack is not None and hw.gpus and stack.runtime not in (None, "cpu") else None
    wl = perf.Workload(
        model=model,
        quant=quant,
        prompt=TEST_PROMPT,
        generate=TEST_GENERATE,
        context=max(context, TEST_PROMPT + TEST_GENERATE),
        backend=options.backend,
        runtime=runtime,
    )
    try:
        layout = perf.choose_layout(hw.devices, wl, hw.host)
        est = perf.estimate_placement(layout.placement, wl, layout.warnings, layout.errors, limits=False)
    except (perf.QuantError, ValueError):
        return None
    if not est.fits or est.errors or est.decode_tokens_per_s is None:
        return None
    main = max(layout.placement.shares, key=lambda share: share.layers_share)
    decode_low = est.decode_conservative if est.decode_conservative is not None else est.decode_tokens_per_s
    prefill, prefill_low = est.prefill_tokens_per_s, est.prefill_conservative
    basis = "; ".join(f"{name} on {runtime}: {tier}" for name, runtime, tier in est.evidence_by_device)
    return FitRecord(
        model=model.id,
        model_name=model.name,
        family=model.family,
        params_b=model.params_b,
        active_params_b=model.active_params_b,
        quant=quant.id,
        bits_per_weight=quant.bits_per_weight,
        backend=options.backend,
        weights_gb=round(weight_bytes(model, quant) / 1e9, 1),
        context=wl.context_tokens,
        max_context=est.max_context,
        decode_tokens_per_s=round(est.decode_tokens_per_s, 1),
        decode_tokens_per_s_conservative=round(decode_low, 1),
        prefill_tokens_per_s=None if prefill is None else round(prefill, 1),
        prefill_tokens_per_s_conservative=None if prefill_low is None else round(prefill_low, 1),
        usable=decode_low >= max(options.min_tps, USABLE_TPS),
        evidence=est.evidence,
        evidence_basis=basis,
        split=est.split,
        offload=est.offload,
        runtime=main.runtime.key,
        launch=launch(hw, model, quant, wl, layout.placement, stack),
        warnings=[w for w in est.warnings if not w.startswith("does not fit")],
    )


def launch(hw: Hardware, model: Llm, quant: Quant, wl: perf.Workload, placement: Any, stack: Any) -> str:
    """The launch line from the software stack (planner.data.stack) for this placement."""
    from planner.data.stack import Launch, launch_line

    if stack is None:
        return ""
    # A CPU-only run places the CPU as the one device (role "gpu", kind "cpu"): no layers on a GPU then.
    gpu_shares = [s for s in placement.shares if s.role == "gpu" and s.device.kind != "cpu"]
    gpu_layers = round(model.layers * sum(s.layers_share for s in gpu_shares))
    cpu = hw.host or next((s.device for s in placement.shares if s.device.kind == "cpu"), None)
    return launch_line(
        stack,
        Launch(
            model=model.id,
            quant=quant.id,
            context=wl.context_tokens,
            layers=gpu_layers,
            cpu_layers=model.layers - gpu_layers if placement.offload == "layers" else 0,
            devices=len(gpu_shares),
            split=placement.mode,
            threads=cpu.cores if cpu is not None and cpu.cores else 0,
            sockets=cpu.sockets if cpu is not None else 1,
            experts_on_cpu=placement.offload == "experts",
        ),
    )


def stack_for(catalog: Any, hw: Hardware, backend: str, models: Sequence[Llm]) -> Any:
    """The software stack of this hardware (one per fit: it depends on the devices, not on the model)."""
    from planner.data.stack import choose_stack
    from planner.schema.request import Request, Software
    from planner.schema.request import Workload as RequestWorkload

    if not models:
        return None
    # The user owns this hardware: legacy and mixed-vendor stacks are what it takes, not a reason to refuse.
    request = Request(
        budget_usd=1,
        workload=RequestWorkload(model=models[0].id, backend=backend),  # type: ignore[arg-type]
        software=Software(legacy=True, mixed_vendors=True),
    )
    return choose_stack(catalog, request, hw.gpus, system=hw.system)


def fit(catalog: Any, hw: Hardware, options: Options, stack: Any = None) -> list[FitRecord]:
    """Every model x quant that fits (or the best quant per model), sorted: usable speed first, then the
    largest model, then the best quant. `stack` defaults to stack_for(...)."""
    models = [m for m in catalog.of_kind("llm") if not options.families or in_families(m, options.families)]
    quants = catalog.of_kind("quant")
    stack = stack if stack is not None else stack_for(catalog, hw, options.backend, models)
    budget_gb = hw.memory_gb(options.backend)
    out: list[FitRecord] = []
    for model in models:
        found: list[FitRecord] = []
        for quant in quants_for(model, quants, options.backend):
            if weight_bytes(model, quant) / 1e9 > budget_gb:
                continue  # the weights alone exceed every byte there is: no estimate needed
            rec = record(hw, model, quant, options, stack)
            if rec is None or rec.decode_tokens_per_s_conservative < options.min_tps:
                continue
            found.append(rec)
            if (
                not options.all_quants
                and rec.usable
                and rec.offload == "none"
                and GOOD_BITS <= rec.bits_per_weight <= QUALITY_BITS
                and rec.quant not in LEGACY
            ):
                break  # the pick (see best()): lower quants fit too and would not be shown
        out.extend(found if options.all_quants else best(found))
    return sorted(out, key=lambda r: (not r.usable, -r.params_b, -r.bits_per_weight, r.model))


def best(found: list[FitRecord]) -> list[FitRecord]:
    """The quant to show for one model: the best quality (k- and i-quants before legacy types, then the most
    bits) up to Q8-class that runs at a usable speed, at
    4-bit class or better on the GPUs alone, else with offload to RAM; then any usable one on the GPUs, any
    usable one at all; else the fastest that fits."""
    usable = [r for r in found if r.usable]
    good = [r for r in usable if r.bits_per_weight >= GOOD_BITS]
    for group in (
        [r for r in good if r.offload == "none"],
        good,
        [r for r in usable if r.offload == "none"],
        usable,
    ):
        capped = [r for r in group if r.bits_per_weight <= QUALITY_BITS]
        if group:
            return [max(capped or group, key=lambda r: (r.quant not in LEGACY, r.bits_per_weight))]
    return [max(found, key=lambda r: r.decode_tokens_per_s)] if found else []
