"""One software stack per build: which runtime serves every device, its release range and driver floor,
and the launch line. Pure functions of catalogue runtime facts, the devices and the request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.perf.device import arch_family
from planner.schema import Gpu, Runtime, System
from planner.schema.request import Request
from planner.schema.software import API_NAMES, Support, version_key

# Each vendor's own runtimes, in order of preference. Vulkan is every GPU vendor's fallback: it is
# offered where it is needed (mixed vendors, or a card nothing else maintained serves) unless the
# request lists runtimes itself. Intel defaults to Vulkan, which the throughput model is calibrated on.
NATIVE: dict[str, tuple[str, ...]] = {"nvidia": ("cuda",), "amd": ("rocm",), "intel": (), "apple": ("metal",)}
FALLBACK = "vulkan"


@dataclass(frozen=True)
class Serve:
    """How one runtime serves one device: the support row that covers it."""

    api: str
    maintained: bool
    official: bool
    first: str | None
    last: str | None
    setup: str = ""


@dataclass(frozen=True)
class Stack:
    """The software a build runs: backend on one runtime, the releases that serve every card, how to launch."""

    backend: str
    runtime: str | None
    releases: str = ""
    driver: str = ""
    build: str = ""
    legacy: bool = False
    tensor_parallel: bool = False
    setup: tuple[str, ...] = field(default=())
    problems: tuple[str, ...] = field(default=())
    launch: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "runtime": self.runtime,
            "runtime_name": API_NAMES.get(self.runtime or "", ""),
            "releases": self.releases,
            "driver": self.driver,
            "build": self.build,
            "legacy": self.legacy,
            "tensor_parallel": self.tensor_parallel,
            "setup": list(self.setup),
            "problems": list(self.problems),
            "launch": self.launch,
        }


MIXING_BACKENDS = ("llama.cpp",)


def request_problems(request: Request) -> list[tuple[tuple[str, ...], str, str]]:
    """What a request asks of the stack that no stack can give: (place, message, hint)."""
    backend = request.workload.backend if request.workload else "llama.cpp"
    out: list[tuple[tuple[str, ...], str, str]] = []
    if request.software.mixed_vendors and backend not in MIXING_BACKENDS:
        out.append(
            (
                ("software", "mixed_vendors"),
                f"{backend} cannot run cards of different vendors in one process",
                f"use backend {' or '.join(MIXING_BACKENDS)} (Vulkan or RPC), or drop mixed_vendors",
            )
        )
    return out


def vendor_of(gpu: Gpu) -> str:
    """Lower-case vendor key of a card ("nvidia", "amd", "intel")."""
    return gpu.vendor.strip().lower().split()[0]


def runtimes(catalog: Any) -> dict[str, Runtime]:
    """The catalogue's runtime entries by API."""
    return {r.api: r for r in catalog.of_kind("runtime")}


def _covers(row: Support, gpu: Gpu) -> bool:
    sw = gpu.software
    if row.vendor != vendor_of(gpu):
        return False
    if row.cuda_cc is not None:
        if sw.cuda_cc is None:
            return False
        lo, hi = (version_key(c) for c in row.cuda_cc)
        if not lo <= version_key(sw.cuda_cc) <= hi:
            return False
    if row.gfx and sw.gfx_target not in row.gfx:
        return False
    return not (row.architectures and arch_family(gpu.architecture) not in row.architectures)


def serve(runtime: Runtime, gpu: Gpu, backend: str) -> Serve | None:
    """How `runtime` serves the card for `backend`, or None when it does not."""
    sw = gpu.software
    if runtime.api == "rocm" and sw.rocm == "none":
        return None
    if runtime.api == "vulkan" and not sw.vulkan:
        return None
    on = next((b for b in runtime.backends if b.backend == backend), None)
    if on is None:
        return None
    if on.cuda_cc_min and (sw.cuda_cc is None or version_key(sw.cuda_cc) < version_key(on.cuda_cc_min)):
        return None
    if on.gfx and sw.gfx_target not in on.gfx:
        return None
    row = next((r for r in runtime.support if _covers(r, gpu)), None)
    if row is None:
        return None
    official = row.official and sw.rocm != "unofficial" if runtime.api == "rocm" else row.official
    return Serve(runtime.api, row.maintained, official, row.first, row.last, row.setup)


def allowed_apis(request: Request) -> tuple[str, ...] | None:
    """The runtimes the request lists, or None for the default (each vendor's own, Vulkan where needed)."""
    return tuple(request.software.runtimes) or None


def card_serves(catalog: Any, request: Request, gpu: Gpu) -> dict[str, Serve]:
    """Every runtime that may serve this card under the request, by API (legacy ones included)."""
    listed = allowed_apis(request)
    vendor = vendor_of(gpu)
    wanted = listed if listed is not None else (*NATIVE.get(vendor, ()), FALLBACK)
    backend = request.workload.backend if request.workload else "llama.cpp"
    out: dict[str, Serve] = {}
    for api, rt in runtimes(catalog).items():
        if api in wanted:
            s = serve(rt, gpu, backend)
            if s is not None:
                out[api] = s
    return out


def needs_fallback(serves: dict[str, Serve]) -> bool:
    """A card that no maintained runtime other than Vulkan serves: Vulkan is its own runtime."""
    return not any(s.maintained for api, s in serves.items() if api != FALLBACK)


def tensor_parallel(catalog: Any, api: str, backend: str) -> bool:
    rt = runtimes(catalog).get(api)
    on = next((b for b in rt.backends if b.backend == backend), None) if rt else None
    return bool(on and on.tensor_parallel)


def preferred(catalog: Any, request: Request, gpus: Sequence[Gpu]) -> str | None:
    """The runtime a builder would pick for these cards: the vendor's own maintained one, else Vulkan,
    else a legacy one; None when no runtime serves them all."""
    per_card = [card_serves(catalog, request, g) for g in gpus]
    common = set.intersection(*(set(s) for s in per_card)) if per_card else set()
    order = [*NATIVE.get(vendor_of(gpus[0]), ()), FALLBACK] if gpus else []
    order += [a for a in sorted(common) if a not in order]
    for want_maintained in (True, False):
        for api in order:
            if api in common and all(s[api].maintained or not want_maintained for s in per_card):
                return api
    return None


def _release_range(rt: Runtime, rows: list[Serve]) -> tuple[str, str, str | None]:
    """(range text, driver floor text, problem) for the releases that serve every row."""
    name = API_NAMES[rt.api]
    if not rt.releases:
        return "", "", None
    versions = [r.version for r in rt.releases]
    firsts = [version_key(s.first) for s in rows if s.first]
    lasts = [version_key(s.last) for s in rows if s.last]
    lo = next((v for v in versions if not firsts or version_key(v) >= max(firsts)), None)
    hi = next((v for v in reversed(versions) if not lasts or version_key(v) <= min(lasts)), None)
    if lo is None or hi is None or version_key(lo) > version_key(hi):
        return "", "", f"no single {name} release supports every card"
    text = f"{name} {lo} or newer" if hi == versions[-1] else f"{name} {lo} to {hi}"
    release = next(r for r in rt.releases if r.version == lo)
    driver = f"driver {release.driver_min} or newer" if release.driver_min else ""
    if rt.api == "rocm":
        driver = f"amdgpu driver of ROCm {lo} or newer"
    return text, driver, None


BUILD_FLAGS = {
    "cuda": "cmake -B build -DGGML_CUDA=ON",
    "rocm": "cmake -B build -DGGML_HIP=ON -DAMDGPU_TARGETS={gfx}",
    "vulkan": "cmake -B build -DGGML_VULKAN=ON",
    "sycl": "cmake -B build -DGGML_SYCL=ON -DCMAKE_C_COMPILER=icx -DCMAKE_CXX_COMPILER=icpx",
    "metal": "cmake -B build (Metal is on by default)",
    "cpu": "cmake -B build",
}


def choose_stack(
    catalog: Any,
    request: Request,
    gpus: Sequence[Gpu],
    runtime: str | None = None,
    split: str = "layer",
    system: System | None = None,
) -> Stack:
    """The stack for these cards (or this system, or CPU only); `runtime` is the build's own choice, if any.

    Problems name the rule a stack breaks: no runtime serves every card, mixed vendors not allowed,
    legacy support not allowed, tensor parallel unsupported.
    """
    backend = request.workload.backend if request.workload else "llama.cpp"
    if system is not None:
        return Stack(
            backend, system.runtime, releases="as the system ships", build=_build(system.runtime, [])
        )
    if not gpus:
        return Stack(backend, "cpu", build=BUILD_FLAGS["cpu"] if backend == "llama.cpp" else "")
    if not runtimes(catalog):
        return Stack(backend, runtime)  # a hand-made catalogue without runtime facts: nothing to judge
    problems: list[str] = []
    vendors = sorted({vendor_of(g) for g in gpus})
    if len(vendors) > 1 and not request.software.mixed_vendors:
        problems.append(f"mixed vendors ({', '.join(vendors)}) need software.mixed_vendors: true")
    api = runtime or preferred(catalog, request, gpus)
    if api is None:
        return Stack(backend, None, problems=(*problems, "no runtime serves every card"))
    rt = runtimes(catalog).get(api)
    serves = [card_serves(catalog, request, g).get(api) for g in gpus]
    missing = sorted({g.id for g, s in zip(gpus, serves, strict=True) if s is None})
    if rt is None or missing:
        problems.append(f"{API_NAMES.get(api, api)} does not serve {', '.join(missing) or 'these cards'}")
        return Stack(backend, api, problems=tuple(problems))
    rows = [s for s in serves if s is not None]
    if len(vendors) > 1 and not rt.mixes_vendors:
        problems.append(f"{API_NAMES[api]} cannot drive {' and '.join(vendors)} cards in one process")
    legacy = not all(s.maintained for s in rows)
    if legacy and not request.software.legacy:
        old = sorted({g.id for g, s in zip(gpus, rows, strict=True) if not s.maintained})
        problems.append(f"{', '.join(old)} on {API_NAMES[api]} is legacy: needs software.legacy: true")
    tp = tensor_parallel(catalog, api, backend)
    if split == "tensor" and len(gpus) > 1 and not tp:
        problems.append(f"{backend} has no tensor parallel on {API_NAMES[api]}")
    releases, driver, problem = _release_range(rt, rows)
    if problem:
        problems.append(problem)
    setup = tuple(sorted({s.setup for s in rows if s.setup}))
    unofficial = sorted({g.id for g, s in zip(gpus, rows, strict=True) if not s.official})
    if unofficial:
        setup += (f"not on the official support list: {', '.join(unofficial)}",)
    return Stack(
        backend,
        api,
        releases=releases,
        driver=driver,
        build=_build(api, gpus) if backend == "llama.cpp" else "",
        legacy=legacy,
        tensor_parallel=tp,
        setup=setup,
        problems=tuple(problems),
    )


def _build(api: str, gpus: Sequence[Gpu]) -> str:
    gfx = sorted({g.software.gfx_target for g in gpus if g.software.gfx_target})
    return BUILD_FLAGS.get(api, "").replace("{gfx}", ";".join(gfx) or "native")


@dataclass(frozen=True)
class Launch:
    """What the launch line needs from a build."""

    model: str
    quant: str
    context: int
    layers: int
    device_layers: tuple[int, ...] = ()  # per GPU device, in order; empty when left to the runtime
    cpu_layers: int = 0
    devices: int = 0
    split: str = "layer"
    threads: int = 0
    sockets: int = 1
    experts_on_cpu: bool = False


def launch_line(stack: Stack, launch: Launch) -> str:
    """The command the user types to serve the model on this build."""
    model = f"{launch.model}-{launch.quant}" if launch.quant else launch.model
    if stack.backend == "mlx":
        return f"mlx_lm.server --model {model}"
    if stack.backend == "vllm":
        flag = "--tensor-parallel-size" if launch.split == "tensor" else "--pipeline-parallel-size"
        many = f" {flag} {launch.devices}" if launch.devices > 1 else ""
        return f"vllm serve {model} --max-model-len {launch.context}{many}"
    if stack.backend == "exllamav2":
        if launch.devices > 1 and launch.split == "tensor":
            many = " -tp"
        elif len(launch.device_layers) > 1:
            many = " -gs auto"
        else:
            many = ""
        return f"python test_inference.py -m {model} -l {launch.context}{many}"
    env = " ".join(s.split(" ")[0] for s in stack.setup if s.startswith("HSA_OVERRIDE"))
    line = f"llama-server -m {model}.gguf -c {launch.context}"
    if launch.devices == 0:
        line += f" -ngl 0 -t {launch.threads}" if launch.threads else " -ngl 0"
        if launch.sockets > 1:
            return f"numactl --interleave=all {line} --numa distribute"
        return line
    gpu_layers = sum(launch.device_layers) if launch.device_layers else launch.layers
    line += f" -ngl {gpu_layers if launch.cpu_layers else 99}"
    if launch.split == "tensor" and launch.devices > 1:
        line += " -sm row"
    elif len(launch.device_layers) > 1:
        line += " -ts " + ",".join(str(n) for n in launch.device_layers)
    if launch.experts_on_cpu:
        line += ' -ot "exps=CPU"'
    return f"{env} {line}" if env else line
