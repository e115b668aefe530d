"""Throughput of a GPU held to a power limit: a Device whose compute and achieved bandwidth are scaled.

Basis. The firmware meets a power limit by lowering core clock and voltage. Dynamic power goes as
f x V^2 and, over a GPU's boost range, voltage rises with clock, so power falls much faster than
clock: between ~60 % and 100 % of default board power, clock ~ power^(1/2.5) (exponent 3 where voltage
tracks clock, 1 once it sits at its floor; vendor voltage-frequency curves put GeForce and datacentre
boards between the two). Prompt processing and batched decode are compute-bound and scale with clock.
Decode at batch 1 is bandwidth-bound: the memory clock is not lowered by the limit, and decode keeps its
speed until the cores can no longer issue loads fast enough. Owners of power-limited rigs report little
or no decode loss down to 70-80 % of default power and a clear loss below (r/LocalLLaMA power-limit
threads on RTX 3090 / 4090 and Tesla P40; club-3090 runs its 3090s at 230 W; the 3090 at 250 W in
calibration/measured-extra.csv decodes a 27B Q4_K_M at 31.9 tokens/s, in line with stock cards of the
same bandwidth such as the V100 at 33.3). We model the knee at 70 % of default power and a small
clock-bound share of each decode step (kernel launches, dequantisation) below 1. These constants rest on
that physics and those reports, not on a fitted sweep: no power sweep is in this repository.
`python benchmarks/rigs.py` prints the curve.
"""

from __future__ import annotations

from dataclasses import replace

from planner.perf.device import Device

CLOCK_EXPONENT = 2.5  # power ~ clock^2.5 over 60-100 % of default power (see above)
DECODE_KNEE = 0.7  # share of default power down to which batch-1 decode holds its bandwidth
DECODE_CLOCK_SHARE = 0.1  # share of a batch-1 decode step that scales with core clock


def clock_fraction(share: float) -> float:
    """Core clock at a power limit, as a fraction of the default (share = limit / default power).

    Raising the limit above default is assumed to gain nothing (boost is already at its table top)."""
    return 1.0 if share >= 1 else max(share, 0.0) ** (1 / CLOCK_EXPONENT)


def decode_fraction(share: float) -> float:
    """Batch-1 decode speed at a power limit, as a fraction of the default-power speed."""
    clock = clock_fraction(share)
    bandwidth = min(1.0, clock / clock_fraction(DECODE_KNEE))
    return bandwidth * (1 - DECODE_CLOCK_SHARE * (1 - clock))


def limited(device: Device, share: float) -> Device:
    """The device at a power limit of `share` x its default power (share >= 1: unchanged)."""
    if share >= 1:
        return device
    clock = clock_fraction(share)
    return replace(
        device,
        bandwidth_gbs=device.bandwidth_gbs * decode_fraction(share),
        fp16_tflops=device.fp16_tflops * clock,
        fp32_tflops=device.fp32_tflops * clock,
        power_share=share,
    )
