"""Typed results of solve, check, estimate and frontier: what the CLI prints, `--json` dumps and scripts read.

Numbering follows the build file and the reports: cards, PSUs and circuits count from 1.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.schema.build import Build
from planner.schema.common import Strict

Status = Literal["optimal", "feasible", "infeasible", "unknown"]
Tier = Literal["measured", "family", "prior"]


class PartLine(Strict):
    """One line of the parts list."""

    id: str = Field(description="Catalogue id.")
    kind: str = Field(description="Catalogue kind (gpu, cpu, board, psu, bridge ...).")
    name: str = Field(description="Product name.")
    count: int = Field(description="How many the build uses.")
    unit_price_usd: float | None = Field(description="Price of one, in the condition bought.")
    condition: str | None = Field(description="new or used (the market the price is from).")
    owned: int = Field(description="How many of these the request owns (cost nothing).")
    subtotal_usd: float = Field(description="What this line costs: unit price x the units not owned.")
    price_date: str | None = Field(description="Date of the price (YYYY-MM-DD).")
    stale: bool = Field(default=False, description="The price is older than the staleness limit.")
    price_basis: str | None = Field(default=None, description="Where the price comes from (its source).")
    notes: list[str] = Field(
        default=[], description="Compatibility notes: what the part needs or gives in this build."
    )


class CardLine(Strict):
    """Where one GPU card sits, the PCIe link it gets, the PSU that feeds it and its layers."""

    number: int = Field(description="Card number, from 1 in build order.")
    gpu: str = Field(description="GPU id.")
    mount: str | None = Field(description="direct, riser, bifurcated, port or bay.")
    slot: int | None = Field(description="Back-plate position of the slot (from 1), if in or from a slot.")
    port: str | None = Field(default=None, description="Board port (kind#index) for mount: port.")
    gen: int | None = Field(description="PCIe generation the link runs at: the lower of card and slot.")
    lanes: int | None = Field(description="PCIe lanes the link runs at: the fewer of card and slot.")
    slot_gen: int | None = Field(default=None, description="PCIe generation the slot or port offers.")
    slot_lanes: int | None = Field(default=None, description="Lanes the slot or port offers (per card).")
    via: str | None = Field(description="Where the lanes come from: cpu, chipset or switch.")
    links: int = Field(
        default=1, description="Links the card uses: a dual-GPU card without a switch splits its slot in two."
    )
    psu: int | None = Field(description="Number of the PSU feeding the card (from 1), none in servers.")
    layers: int | None = Field(description="Model layers placed on the card (layer split).")


class CardLink(Strict):
    """The link multi-GPU traffic crosses: the slowest one among the cards."""

    kind: Literal["pcie", "nvlink", "unified"] = Field(description="PCIe, an NVLink bridge, or on-package.")
    bridge: str | None = Field(default=None, description="The NVLink bridge part in the build.")
    gen: int | None = Field(default=None, description="PCIe generation of the slowest link.")
    lanes: int | None = Field(default=None, description="PCIe lanes of the slowest link.")
    via: str | None = Field(default=None, description="cpu, chipset or switch for the slowest PCIe link.")
    gbs: float = Field(description="Achieved bandwidth one way, GB/s.")
    latency_us: float = Field(description="Latency of one exchange, microseconds.")
    text: str = Field(description="The link in words, as reports print it.")


class CircuitLine(Strict):
    """One wall circuit and its continuous load."""

    number: int = Field(description="Circuit number, from 1.")
    label: str = Field(description="The circuit in words (volts, amps).")
    wall_w: int = Field(description="Watts drawn at the wall on this circuit.")
    limit_w: int = Field(description="Continuous watts the circuit allows (derated).")


class PsuLine(Strict):
    """One PSU: what it feeds and how loaded it is."""

    number: int = Field(description="PSU number, from 1 (number 1 powers the board).")
    id: str = Field(description="PSU id.")
    breakout: str | None = Field(description="Breakout board id, for server PSUs.")
    circuit: int = Field(description="Number of the circuit it plugs into (from 1).")
    feeds: list[int] = Field(description="Numbers of the cards it feeds.")
    board: bool = Field(description="It powers the board and CPU.")
    load_w: int = Field(description="Sustained load, W.")
    rating_w: int = Field(description="Rated output at this circuit's voltage, W.")


class PowerPlan(Strict):
    """Sustained, peak and wall power, per circuit and per PSU."""

    sustained_w: int = Field(description="Sustained DC load, W.")
    peak_w: int = Field(description="Peak DC load with GPU transients, W.")
    psu_capacity_w: int | None = Field(description="Sum of PSU ratings, W (none for whole systems).")
    wall_w: int = Field(description="Watts at the wall (after PSU efficiency).")
    heat_btu_h: int | None = Field(
        default=None, description="Heat the machine puts into the room, BTU/h (= wall watts x 3.412)."
    )
    circuits: list[CircuitLine] = Field(description="Load per wall circuit.")
    psus: list[PsuLine] = Field(description="Load per PSU (none for servers and whole systems).")


class PowerLimitLine(Strict):
    """A power limit set on one card, and the command that sets it."""

    gpu: str = Field(description="GPU id.")
    index: int = Field(description="Device index of the card among its vendor's cards (driver order).")
    limit_w: int = Field(description="Power limit, W.")
    default_w: float = Field(description="The card's default board power, W.")
    command: str = Field(description="What to run (as root) to set it; it must be run again at every boot.")


class MemoryLine(Strict):
    """How full one device's memory is at the requested context and batch."""

    device: str = Field(description="The device, labelled as what it is.")
    weights_gb: float = Field(description="Model weights held, GB.")
    kv_gb: float = Field(description="KV cache, GB.")
    overhead_gb: float = Field(description="Runtime buffers and context, GB.")
    margin_gb: float = Field(description="Memory kept free, GB.")
    total_gb: float = Field(description="Everything above, GB.")
    capacity_gb: float = Field(description="Memory the device has for the model, GB.")


class Band(Strict):
    """The range the measured runs put around an estimate, as fractions of it."""

    low: float = Field(description="Low edge of decode, as a fraction of the estimate.")
    high: float = Field(description="High edge of decode, as a fraction of the estimate.")
    basis: str = Field(description="Where the band comes from.")
    tier: Tier | None = Field(default=None, description="Evidence tier the band belongs to.")
    prompt_low: float | None = Field(default=None, description="Low edge of prompt speed, as a fraction.")
    prompt_high: float | None = Field(default=None, description="High edge of prompt speed, as a fraction.")


class Evidence(Strict):
    """How directly measured runs speak for one device under its runtime."""

    device: str = Field(description="The device.")
    runtime: str = Field(description="backend/runtime.")
    tier: Tier = Field(description="measured, family or prior.")


class MeasuredRun(Strict):
    """A measured run of the same hardware and model, beside the model's figure for the same test."""

    kind: Literal["decode", "prompt"] = Field(description="Decode (tgN) or prompt processing (ppN).")
    test: str = Field(description="llama-bench style test: tg128, pp512, tg128@d4096.")
    tokens_per_s: float = Field(description="Measured tokens/s.")
    model_tokens_per_s: float | None = Field(description="The throughput model's tokens/s for the same test.")
    difference_pct: float | None = Field(description="Measured minus model, percent of the model's figure.")
    exact: bool = Field(description="Same parts, model, quant, backend, runtime and test as the estimate.")
    differs: list[str] = Field(description="What differs from the estimate's configuration (near matches).")
    source: str = Field(description="Where the figure comes from ('your run' for the user's own file).")
    hardware: str = Field(description="The hardware as the source names it.")
    where: str = Field(description="File and line of the measured run.")
    user: bool = Field(description="From the user's own calibration file.")


class Verify(Strict):
    """How to check an estimate on the real machine."""

    command: str = Field(description="The benchmark command (llama-bench, vllm bench serve ...).")
    confirm: str = Field(description="The result range that would confirm the estimate.")
    record: str = Field(description="The `planner record` command that keeps the result.")


class Throughput(Strict):
    """What the throughput model says the hardware does with the workload. Speeds are None when it
    does not fit (shortfall_gb says by how much)."""

    fits: bool = Field(description="The model fits at the requested context and batch.")
    runnable: bool = Field(description="Some runtime runs it on these devices (errors say why not).")
    memory: list[MemoryLine] = Field(description="Memory per device.")
    shortfall_gb: float | None = Field(description="GB missing when it does not fit.")
    decode_tokens_per_s: float | None = Field(description="Batch-1 decode tokens/s.")
    prefill_tokens_per_s: float | None = Field(description="Prompt processing tokens/s.")
    ttft_s: float | None = Field(description="Time to the first token, s.")
    batch_tokens_per_s: float | None = Field(description="Tokens/s over all streams at the batch.")
    decode_tokens_per_s_conservative: float | None = Field(
        default=None, description="Decode at the low edge of the evidence's error band (what the solver plans on)."
    )
    prefill_tokens_per_s_conservative: float | None = Field(default=None, description="Prompt speed, low edge.")
    batch_tokens_per_s_conservative: float | None = Field(default=None, description="Batched speed, low edge.")
    ttft_s_conservative: float | None = Field(default=None, description="Time to first token, slow edge, s.")
    evidence: Tier | None = Field(
        default=None,
        description="Weakest evidence tier among the devices used; 'measured' when a run of exactly "
        "this configuration was measured.",
    )
    evidence_by_device: list[Evidence] = Field(default=[], description="Evidence tier per device.")
    max_batch: int = Field(description="Most concurrent streams that fit at the context.")
    max_context: int = Field(description="Longest context that fits at batch 1.")
    compute_bound_batch: int | None = Field(description="Batch where decode turns compute-bound.")
    bound: str = Field(description="What limits decode: memory or compute.")
    split: str = Field(description="single, layer or tensor.")
    offload: str = Field(description="none, layers or experts in system RAM.")
    backend: str = Field(description="Inference backend.")
    runtimes: list[str] = Field(description="backend/runtime per device share.")
    assumptions: list[str] = Field(description="What the figures assume (compact).")
    uncertainty: Band = Field(description="Likely range around the decode figure.")
    warnings: list[str] = Field(description="Things that make the figures less sure.")
    errors: list[str] = Field(description="Why no runtime runs it, if none does.")
    derivation: list[str] = Field(default=[], description="Per-device constants behind the figures.")
    measured: list[MeasuredRun] = Field(default=[], description="Measured runs: exact, else the nearest.")
    verify: Verify | None = Field(default=None, description="The command that checks the estimate.")


class RunningCost(Strict):
    """Energy and cost of ownership (given an electricity price)."""

    basis: str = Field(description="What the figures assume.")
    energy_kwh_per_day: float = Field(description="kWh a day at the duty cycle.")
    energy_usd_per_day: float = Field(description="USD of energy a day.")
    energy_usd_over_period: float = Field(description="USD of energy over the amortisation period.")
    cost_of_ownership_usd: float = Field(description="Purchase plus energy over the period.")
    usd_per_million_tokens: float | None = Field(description="Hardware and energy per million tokens.")
    tokens_per_joule: float | None = Field(description="Tokens per joule at the wall.")
    break_even_hours: float | None = Field(description="Hours of use until it beats the cloud price.")


class Limit(Strict):
    """One limit and how close the build comes to it."""

    name: str = Field(description="budget, slots, circuit, model fit, psu ...")
    used: float = Field(description="What the build uses.")
    limit: float = Field(description="What is allowed or available.")
    unit: str = Field(description="Unit of used and limit.")
    binds: bool = Field(description="Little or nothing is left: this limit shapes the build.")
    text: str = Field(description="The limit in words.")


class Why(Strict):
    """Why this build: the limits it meets (binding ones first) and what the next step would buy."""

    limits: list[Limit] = Field(description="Limits the build meets, binding ones first.")
    next_step: str | None = Field(default=None, description="What relaxing the binding limit would buy.")


class StackResult(Strict):
    """The one software stack a build runs: backend on one runtime, the releases that serve every card."""

    backend: str = Field(description="Inference backend (llama.cpp, vllm, exllamav2, mlx).")
    runtime: str | None = Field(description="Runtime every card runs on (cuda, rocm, vulkan ...); none if none.")
    runtime_name: str = Field(description="The runtime as people name it.")
    releases: str = Field(description="Releases that support every card (empty where releases do not apply).")
    driver: str = Field(description="Oldest driver those releases need.")
    build: str = Field(description="How to build the backend for this runtime (llama.cpp).")
    legacy: bool = Field(description="Only unmaintained releases or drivers support some card.")
    tensor_parallel: bool = Field(description="The runtime runs this backend tensor parallel.")
    setup: list[str] = Field(description="What to install or set for it to work.")
    problems: list[str] = Field(description="Stack rules the build breaks (empty when one runtime serves all).")
    launch: str = Field(description="The command that serves the model on this build.")


class BuildResult(Strict):
    """One build with every figure recomputed by the solver-free checker."""

    total_cost_usd: float = Field(description="What the build costs (owned parts free).")
    parts: list[PartLine] = Field(description="Parts list.")
    gpu_count: int = Field(description="GPU cards.")
    vram_gb: float = Field(description="GPU memory, GB (a system's GPU-usable memory).")
    aggregate_bandwidth_gbs: float = Field(description="Sum of the GPUs' memory bandwidth, GB/s.")
    cards: list[CardLine] = Field(description="Where each card sits.")
    card_link: CardLink | None = Field(description="The link between cards (none with one card).")
    power: PowerPlan = Field(description="Power plan.")
    throughput: Throughput | None = Field(description="The workload's estimate (none without one).")
    running_cost: RunningCost | None = Field(description="Running cost (with an electricity price).")
    split: str = Field(description="Multi-GPU split: layer or tensor.")
    passive_gpus: list[str] = Field(description="Passively cooled cards (need forced airflow).")
    power_limits: list[PowerLimitLine] = Field(
        default=[], description="Power limits the build sets, with the commands (reapply at every boot)."
    )
    warnings: list[str] = Field(
        default=[], description="Builder's warnings that break no rule (sandwiched cards, room heat)."
    )
    violations: list[str] = Field(description="Rules the build breaks (empty when it holds).")
    stack: StackResult | None = Field(default=None, description="The software stack and how to run it.")
    why: Why | None = Field(default=None, description="Why this build (solver results).")
    trade_off: str | None = Field(
        default=None, description="For an alternative: what it trades against the best build, in one line."
    )
    build: Build = Field(description="The build itself, in the build-file schema.")


class Explanation(Strict):
    """Why no build exists, and the smallest changes that would give one."""

    conflict: list[str] = Field(description="The rules that conflict, in words.")
    fixes: list[str] = Field(description="Changes that make it feasible (any one of them).")
    rules: list[str] = Field(description="Names of the conflicting rules.")


class Result(Strict):
    """The answer to a request: status, objective values and builds (best first), or an explanation."""

    status: Status = Field(
        description="optimal (proven best), feasible (best found, not proven), infeasible (no build "
        "exists; see explanation) or unknown (none found within the limit)."
    )
    proven: bool = Field(description="The best build is proven optimal.")
    interrupted: bool = Field(default=False, description="Stopped by the user; builds are the best so far.")
    limit_hit: Literal["deterministic", "wall"] | None = Field(
        default=None, description="Which search limit stopped the solve, if any."
    )
    objective: list[str] = Field(description="Objectives in priority order.")
    objective_values: dict[str, float] | None = Field(
        description="The best build's value per objective in user units: decode, prefill and "
        "batch_throughput in tokens/s, vram in GB, bandwidth in GB/s, cost and cost_of_ownership in USD."
    )
    solve_seconds: float = Field(description="Wall time of the solve.")
    effort: float = Field(
        default=0.0, description="Search work spent, in CP-SAT deterministic seconds (the same on any machine)."
    )
    gap: float | None = Field(description="Relative gap to the best bound when not proven.")
    builds: list[BuildResult] = Field(description="The best build, then alternatives.")
    notes: list[str] = Field(
        default=[], description="Why there are fewer alternatives than asked for, and the like."
    )
    explanation: Explanation | None = Field(default=None, description="Why no build exists.")
    message: str | None = Field(default=None, description="What happened when no build is given.")

    @property
    def best(self) -> BuildResult | None:
        """The best build, or None."""
        return self.builds[0] if self.builds else None


class DeviceLine(Strict):
    """A device an estimate runs on, labelled as what it is."""

    name: str = Field(description="Product name.")
    kind: Literal["gpu", "system", "cpu"] = Field(description="GPU chip, unified-memory system or CPU.")


class EstimateResult(Throughput):
    """`planner estimate`: the throughput figures for a model on given hardware."""

    model: str = Field(description="LLM id.")
    model_assumed: bool = Field(
        default=False, description="No model was named: this one was assumed (say which with --model)."
    )
    quant: str = Field(description="Quantisation id.")
    devices: list[DeviceLine] = Field(description="The hardware, each device labelled.")
    would_fit: list[str] = Field(default=[], description="When it does not fit: the nearest that would.")


class CheckResult(Strict):
    """`planner check`: the rules a build breaks and its figures."""

    ok: bool = Field(description="No rule broken.")
    violations: list[str] = Field(description="Rules broken.")
    build: BuildResult = Field(description="The build's figures.")


class FrontierPoint(Strict):
    """One Pareto-optimal build."""

    total_cost_usd: float = Field(description="Cost.")
    objective_value: float = Field(description="Decode tokens/s or VRAM GB.")
    proven: bool = Field(description="Proven optimal at this cost.")
    kind: Literal["gpus", "system", "cpu-only"] = Field(description="What sort of build.")
    build: BuildResult = Field(description="The build.")


class FrontierResult(Strict):
    """`planner frontier`: cost against decode tokens/s (or VRAM)."""

    objective: Literal["decode_tokens_per_s", "vram_gb"] = Field(description="The value axis.")
    points: list[FrontierPoint] = Field(description="Pareto-optimal builds by cost.")
    knees: list[int] = Field(description="Indexes of points after which gains per dollar drop.")
    solve_seconds: float = Field(description="Wall time.")
    effort: float = Field(default=0.0, description="Search work spent, in CP-SAT deterministic seconds.")
    interrupted: bool = Field(default=False, description="Stopped by the user; the points found so far.")
    limit_hit: Literal["deterministic", "wall"] | None = Field(
        default=None, description="Which search limit stopped the frontier, if any (points may be missing)."
    )


class FitRecord(Strict):
    """`planner fit`: one model and quant that fits the hardware, the longest context it allows and its speed.

    Speeds are llama-bench's standard test (512-token prompt, 128 tokens generated) at batch 1; the
    conservative figures are the low edge of the band the measured runs put around the likely ones.
    """

    model: str = Field(description="LLM id.")
    model_name: str = Field(description="The model as published.")
    family: str = Field(description="Model family (the --family filter).")
    params_b: float = Field(description="Total parameters, billions.")
    active_params_b: float = Field(description="Parameters used per token, billions.")
    quant: str = Field(description="Quantisation id.")
    bits_per_weight: float = Field(description="Average bits per weight of the file.")
    backend: str = Field(description="Inference backend the figures are for.")
    weights_gb: float = Field(description="Weights in memory, GB (all devices).")
    context: int = Field(description="Context the fit was checked at, tokens.")
    max_context: int = Field(description="Longest context that fits at batch 1 (at most the trained limit).")
    decode_tokens_per_s: float = Field(description="Likely batch-1 decode tokens/s.")
    decode_tokens_per_s_conservative: float = Field(description="Conservative decode: the band's low edge.")
    prefill_tokens_per_s: float | None = Field(description="Likely prompt processing tokens/s.")
    prefill_tokens_per_s_conservative: float | None = Field(description="Conservative prompt tokens/s.")
    usable: bool = Field(description="Conservative decode reaches the usable speed (see --min-tps).")
    evidence: Tier = Field(
        description="What the speed rests on: runs of this configuration, constants fitted on this device "
        "family, or a prior (vendor or global defaults); the weakest among the devices used."
    )
    evidence_basis: str = Field(description="The constants behind the figure and where they come from.")
    split: str = Field(description="single, layer or tensor.")
    offload: str = Field(description="none, layers or experts in system RAM.")
    runtime: str = Field(description="backend/runtime of the largest share.")
    launch: str = Field(description="The command that serves the model on this hardware.")
    warnings: list[str] = Field(default=[], description="What makes the figures less sure, or the stack harder.")


SCHEMAS: dict[str, type[Strict]] = {
    "result": Result,
    "estimate-result": EstimateResult,
    "check-result": CheckResult,
    "frontier-result": FrontierResult,
    "fit-record": FitRecord,
}
