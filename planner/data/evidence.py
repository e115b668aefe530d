"""What a throughput report adds beside the model's figures: the measured runs of the same configuration
(with the model's figure for the same test and the difference), and the command that checks it on the
real machine with the result that would confirm it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from planner import perf
from planner.data.catalog import Catalog
from planner.data.measured import Match, Run, Wanted, all_runs, find, parse_test, quant_id, test_name
from planner.schema.result import MeasuredRun, Verify

Predict = Callable[[perf.Workload], perf.Estimate]
MAX_EXACT = 4
MAX_NEAR = 3


def wanted(hardware: Sequence[tuple[str, int]], workload: perf.Workload, est: perf.Estimate) -> Wanted:
    """The configuration of an estimate, in the terms measured runs are filed under."""
    runtime = est.runtimes[0].split("/")[-1] if est.runtimes else None
    return Wanted(
        hardware=tuple(hardware),
        model=workload.model.id,
        quant=workload.quant.id,
        backend=workload.backend,
        runtime=runtime if "/" in (est.runtimes[0] if est.runtimes else "") else None,
        tests={"decode": (workload.generate, workload.depth), "prompt": (workload.prompt, workload.depth)},
    )


def _for_test(
    workload: perf.Workload, kind: str, tokens: int, depth: int, quant: Any = None
) -> perf.Workload:
    """The workload llama-bench runs for one test: a prompt of N tokens, or N tokens generated, after depth."""
    return dataclasses.replace(
        workload,
        quant=quant or workload.quant,
        prompt=tokens if kind == "prompt" else 0,
        generate=tokens if kind == "decode" else 1,
        depth=depth,
        batch=1,
        context=None,
    )


def model_figure(
    predict: Predict, workload: perf.Workload, kind: str, tokens: int, depth: int
) -> float | None:
    """The model's tokens/s for one llama-bench test."""
    try:
        est = predict(_for_test(workload, kind, tokens, depth))
    except (ValueError, KeyError):
        return None
    return est.prefill_tokens_per_s if kind == "prompt" else est.decode_tokens_per_s


def _entry(match: Match, catalog: Catalog, workload: perf.Workload, predict: Predict) -> MeasuredRun:
    run: Run = match.run
    _, tokens, depth = parse_test(run.test) or ("decode", None, 0)
    figure = None
    qid = quant_id(run.quant, catalog)
    if tokens is not None and qid is not None:
        quant: Any = catalog.entries[qid]
        try:
            perf.check_quant_backend(quant, workload.backend)
            figure = model_figure(
                predict, dataclasses.replace(workload, quant=quant), match.kind, tokens, depth
            )
        except perf.QuantError:
            figure = None
    return MeasuredRun(
        kind=match.kind,  # type: ignore[arg-type]
        test=run.test,
        tokens_per_s=run.tokens_per_s,
        model_tokens_per_s=None if figure is None else round(figure, 1),
        difference_pct=None if not figure else round((run.tokens_per_s - figure) / figure * 100, 1),
        exact=match.exact,
        differs=list(match.differs),
        source=run.source_label,
        hardware=run.hardware,
        where=run.where,
        user=run.user,
    )


def measured(
    catalog: Catalog,
    hardware: Sequence[tuple[str, int]],
    workload: perf.Workload,
    est: perf.Estimate,
    predict: Predict,
    user_file: Path | None = None,
) -> list[MeasuredRun]:
    """Measured runs of this configuration: the exact ones, and the nearest for a test with none exact."""
    matches = find(wanted(hardware, workload, est), catalog, all_runs(user_file))
    exact = [m for m in matches if m.exact][:MAX_EXACT]
    covered = {m.kind for m in exact}
    near = [m for m in matches if not m.exact and m.kind not in covered][:MAX_NEAR]
    return [_entry(m, catalog, workload, predict) for m in [*exact, *near]]


def _band(est: perf.Estimate, kind: str) -> tuple[float, float]:
    band = est.uncertainty  # the evidence tier's band: decode edges, and prompt edges beside them
    if kind == "decode":
        return float(band.get("low", 0.5)), float(band.get("high", 1.5))
    return float(band.get("prompt_low", 0.5)), float(band.get("prompt_high", 1.5))


def _llama_bench(workload: perf.Workload, est: perf.Estimate, layers: Sequence[int] | None) -> str:
    quant = workload.quant.name.replace(" ", "_")
    parts = [f"llama-bench -m {workload.model.id}-{quant}.gguf -p {workload.prompt} -n {workload.generate}"]
    if workload.depth:
        parts.append(f"-d {workload.depth}")
    on_cpu = [r.endswith("/cpu") for r in est.runtimes]
    if all(on_cpu):
        parts.append("-ngl 0")
    elif est.offload == "layers" and len(est.memory) == len(on_cpu):
        weights = [m.weights_gb for m in est.memory]
        gpu = sum(w for w, c in zip(weights, on_cpu, strict=True) if not c) / (sum(weights) or 1)
        parts.append(f"-ngl {round(workload.model.layers * gpu)}")
    else:
        parts.append("-ngl 99")
    if est.offload == "experts":
        parts.append('-ot "exps=CPU"')
    if est.split == "tensor":
        parts.append("-sm row")
    if layers and len(layers) > 1:
        parts.append("-ts " + "/".join(str(n) for n in layers))  # llama-bench separates shares with "/"
    return " ".join(parts)


def _vllm(workload: perf.Workload, gpus: int, est: perf.Estimate) -> str:
    parallel = (
        f" --tensor-parallel-size {gpus}" if est.split == "tensor" else f" --pipeline-parallel-size {gpus}"
    )
    return (
        f"vllm serve MODEL{parallel if gpus > 1 else ''} --max-model-len {workload.context_tokens}; then "
        f"vllm bench serve --model MODEL --dataset-name random --random-input-len {workload.prompt} "
        f"--random-output-len {workload.generate} --num-prompts 20 --max-concurrency 1 --ignore-eos "
        "--save-result --result-filename rig.json"
    )


def verify(
    workload: perf.Workload,
    est: perf.Estimate,
    predict: Predict,
    gpus: int,
    layers: Sequence[int] | None = None,
    hardware: str = "...",
) -> Verify:
    """The benchmark command for this configuration and the result range that would confirm the estimate."""
    confirm = []
    for kind, tokens in (("decode", workload.generate), ("prompt", workload.prompt)):
        figure = model_figure(predict, workload, kind, tokens, workload.depth) if tokens else None
        if figure:
            low, high = _band(est, kind)
            name = test_name(kind, tokens, workload.depth)
            confirm.append(f"{name} {figure * low:,.0f}-{figure * high:,.0f} tok/s")
    backend = workload.backend
    if backend in ("llama.cpp", "ik_llama.cpp"):
        command, output = _llama_bench(workload, est, layers) + " -o json > run.json", "run.json"
    elif backend == "vllm":
        command, output = _vllm(workload, gpus, est), "rig.json"
        confirm = [c.replace("tg", "decode per stream (1000 / median TPOT ms) tg") for c in confirm]
    elif backend == "exllamav2":
        command, output = "python test_inference.py -m MODEL_DIR -gs auto -s", ""
    else:
        command, output = (
            f"mlx_lm.generate --model MODEL --prompt PROMPT --max-tokens {workload.generate}",
            "",
        )
    record = (
        f"planner record {output} --hardware '{hardware}' --model {workload.model.id} --quant {workload.quant.id}"
        if output
        else ""
    )
    said = " and ".join(confirm)
    if said and backend in ("llama.cpp", "ik_llama.cpp"):
        said += f" (llama-bench's tests start at depth {workload.depth}, not after the prompt)"
    return Verify(command=command, confirm=said, record=record)


def extras(
    catalog: Catalog,
    hardware: Sequence[tuple[str, int]],
    workload: perf.Workload,
    est: perf.Estimate,
    predict: Predict,
    gpus: int,
    layers: Sequence[int] | None = None,
    user_file: Path | None = None,
) -> dict[str, Any]:
    """What a throughput report adds (fields of the typed Throughput): the evidence a measured run of
    exactly this configuration gives, the runs, and the verify line (none for a model that does not fit)."""
    runs = measured(catalog, hardware, workload, est, predict, user_file)
    out: dict[str, Any] = {
        "measured": runs,
        "verify": verify(workload, est, predict, gpus, layers, _label(hardware)) if est.fits else None,
    }
    # A run of exactly this configuration makes the evidence "measured"; otherwise the model's own
    # tier (family or prior) stands.
    if any(r.exact for r in runs):
        out["evidence"] = "measured"
    return out


def _label(hardware: Sequence[tuple[str, int]]) -> str:
    return " + ".join(f"{n}x {i}" if n > 1 else i for i, n in hardware)
