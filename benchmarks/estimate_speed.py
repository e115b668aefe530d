"""Time one perf.estimate call (fit, decode, prompt, batch, limits, evidence) on representative setups.

Prints the median and worst wall time of repeated calls per setup; issue 9 asks for <= 20 ms per call.
Run: .venv/bin/python benchmarks/estimate_speed.py [--repeat N]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner import perf
from planner.data.catalog import load_catalog

SETUPS = (
    ("1x RTX 3090, Llama 3.1 8B Q4_K_M", ["rtx-3090"], None, None, "llama-3-1-8b", "q4-k-m", {}),
    ("2x RTX 3090, Llama 3.3 70B Q4_K_M 8k", ["rtx-3090"] * 2, None, None, "llama-3-3-70b", "q4-k-m", {"context": 8192}),
    ("8x RTX 3090, DeepSeek V3 IQ2_XXS", ["rtx-3090"] * 8, None, None, "deepseek-v3", "iq2-xxs", {}),
    ("4x RTX 3090 vLLM TP, Llama 3.3 70B AWQ", ["rtx-3090"] * 4, None, None, "llama-3-3-70b", "awq-4bit-g128", {"backend": "vllm"}),
    ("EPYC 9355 CPU-only, Qwen3 235B Q4_K_M", [], "epyc-9355", None, "qwen3-235b-a22b", "q4-k-m", {}),
    ("RTX 3090 + EPYC 9355, experts in RAM", ["rtx-3090"], "epyc-9355", None, "qwen3-235b-a22b", "q4-k-m", {}),
    ("Mac Studio M3 Ultra, gpt-oss-120b", [], None, "mac-studio-m3-ultra-80c-512gb", "gpt-oss-120b", "mxfp4", {}),
)


def main() -> int:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 30
    cat = load_catalog()
    quants = {q.id: q for q in cat.of_kind("quant")}
    print(f"{'setup':44} {'median ms':>10} {'worst ms':>9}   decode likely / conservative (tier)")
    worst_all = 0.0
    for label, gpus, cpu, system, model, quant, extra in SETUPS:
        devices = [d for g in gpus for d in perf.device_from_gpu(cat.get(g, "gpu"))]
        if system:
            devices = [perf.device_from_system(cat.get(system, "system"))]
        host = perf.device_from_cpu(cat.get(cpu, "cpu"), 512) if cpu else None
        wl = perf.Workload(model=cat.get(model, "llm"), quant=perf.resolve_quant(quant, quants), **extra)
        est = perf.estimate(devices, wl, host)  # warm the constants and caches once
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            perf.estimate(devices, wl, host)
            times.append((time.perf_counter() - t0) * 1000)
        worst_all = max(worst_all, max(times))
        print(
            f"{label:44} {statistics.median(times):10.2f} {max(times):9.2f}   "
            f"{est.decode_tokens_per_s or 0:.1f} / {est.decode_conservative or 0:.1f} ({est.evidence})"
        )
    print(f"\nworst single call {worst_all:.1f} ms (target <= 20 ms; wall time on a shared machine varies)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
