"""What a CPU host can actually read from its memory: channels, core dies and sockets.

AMD parts since Zen 2 reach memory through one Infinity Fabric link per core die (CCD), so a part with
few CCDs cannot fill all its channels whatever the DIMMs; Intel's mesh parts have no such cap. A
second socket adds bandwidth only as far as the runtime keeps threads on their own node (the fitted
`numa` parameter). Thread synchronisation per layer grows with the cores taking part.
"""

from __future__ import annotations

from planner.perf.constants import section
from planner.perf.device import Device


def ccd_cap_gbs(device: Device) -> float | None:
    """Read bandwidth all core dies of one socket can pull through their links, GB/s (None: no cap known)."""
    if device.kind != "cpu" or not device.ccds:
        return None
    per_ccd = (section("cpu").get("ccd_read_gbs") or {}).get(device.architecture.lower())
    return None if per_ccd is None else device.ccds * float(per_ccd)


def socket_bandwidth_gbs(device: Device) -> float:
    """Memory bandwidth one socket's cores can use: its channels, capped by its core-die links."""
    per_socket = device.bandwidth_gbs / max(1, device.sockets)
    cap = ccd_cap_gbs(device)
    return per_socket if cap is None else min(per_socket, cap)


def stream_bandwidth_gbs(device: Device) -> float:
    """The bandwidth the bandwidth-share parameter applies to (one socket for a CPU host)."""
    return socket_bandwidth_gbs(device) if device.kind == "cpu" else device.bandwidth_gbs


def sync_width(device: Device) -> float:
    """Relative cost of one barrier across the threads: cores / 16 on a CPU host, 1 on a GPU."""
    if device.kind != "cpu":
        return 1.0
    return max(1, device.cores) / 16


def limited_by_ccds(device: Device) -> bool:
    """Whether the core dies, not the channels, limit this CPU's bandwidth."""
    cap = ccd_cap_gbs(device)
    return cap is not None and cap < device.bandwidth_gbs / max(1, device.sockets)
