"""Bad-input cases about files and commands: sizes, alias bombs, paths, contradictions, flags, outputs, signals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bad_cases import BUILD, REQUEST, Case, catalog, cli, constraints, request

SOLVE = ["solve", "{dir}/request.yaml", "--time-limit", "2"]
REQ = {"request.yaml": REQUEST.encode()}
# Long enough that a signal or a short limit lands mid-search (eight GPUs on two circuits).
SLOW = "budget_usd: 10000\nworkload: {model: llama-3-3-70b}\nsite: {circuits: [{volts: 120, amps: 20, count: 2}]}\n"
# A solve that searches well past the 25 s at which the Ctrl-C cases press it (about 2 minutes on 2 cores:
# the three best DeepSeek-R1 builds with layers offloaded over up to eight cards, no whole system), with a
# build found early on.
LONG_SOLVE = (
    "budget_usd: 10000\nworkload: {model: deepseek-r1, quant: ud-q2-k-xl, context: 8192, offload: true}\n"
    "objective: [decode, cost]\nrequire: {systems: false}\nsite: {circuits: [{volts: 120, amps: 15}]}\n"
)


def _write(name: str, text: Callable[[], str]) -> Callable[[Path], None]:
    return lambda d: (d / name).write_text(text())


def _big_folder(d: Path) -> None:
    (d / "parts").mkdir()
    chunk = "".join(f"- {{kind: quant, id: q{i}}}\n" for i in range(60_000))
    for k in range(12):
        (d / "parts" / f"p{k}.yaml").write_text(chunk)


# Files too big to keep in git: written by the runner (tests/make_bad_corpus.py) before the case runs.
GENERATED: dict[str, Callable[[Path], None]] = {
    "10mb-unknown-keys": _write("request.yaml", lambda: "".join(f"k{i:07d}: 1\n" for i in range(900_000))),
    "2mb-of-keys": _write(
        "request.yaml", lambda: "budget_usd: 3000\n" + "".join(f"k{i}: 1\n" for i in range(180_000))
    ),
    "20k-unknown-keys": _write(
        "request.yaml", lambda: "budget_usd: 3000\n" + "".join(f"k{i}: {i}\n" for i in range(20_000))
    ),
    "long-string": _write(
        "request.yaml", lambda: "budget_usd: 3000\nworkload: {model: " + "x" * 100_000 + "}\n"
    ),
    "long-key": _write("request.yaml", lambda: "budget_usd: 3000\n" + "k" * 50_000 + ": 1\n"),
    "many-owned": _write(
        "request.yaml", lambda: "budget_usd: 3000\nowned:\n" + "  - {id: rtx-3090}\n" * 5000
    ),
    "many-rules": _write(
        "rules.yaml",
        lambda: "rules:\n" + "  - {kind: at_most, name: x, select: {kind: gpu}, count: 2}\n" * 1500,
    ),
    "many-entries": _write(
        "parts.yaml", lambda: "".join(f"- {{kind: quant, id: q{i}}}\n" for i in range(20_000))
    ),
    "big-catalog-folder": _big_folder,
}


SIXTEEN = """board: h12ssl-i
cpu: epyc-7302p
memory: {id: samsung-32gb-ddr4-3200-rdimm, count: 8}
chassis: define-7-xl
gpus:
  - {id: a2, count: 16}
psus:
  - {id: rm850x-2021}
"""


def huge() -> list[Case]:
    build = {"build.yaml": BUILD.encode()}
    check = ["check", "{dir}/build.yaml", "--request", "{dir}/request.yaml"]
    with_rules = [*check, "--constraints", "{dir}/rules.yaml"]
    return [
        Case("huge", "10mb-unknown-keys", {}, ["solve", "{dir}/request.yaml"], setup="gen:10mb-unknown-keys"),
        Case("huge", "2mb-of-keys", {}, ["solve", "{dir}/request.yaml"], setup="gen:2mb-of-keys"),
        Case("huge", "20k-unknown-keys", build, check, place="k0", setup="gen:20k-unknown-keys"),
        Case("huge", "long-string", build, check, place="workload.model", setup="gen:long-string"),
        Case("huge", "long-key", build, check, setup="gen:long-key"),
        Case("huge", "many-owned", build, check, place="owned", setup="gen:many-owned"),
        Case(
            "huge",
            "many-rules",
            {"request.yaml": REQUEST.encode(), **build},
            with_rules,
            place="rules",
            setup="gen:many-rules",
        ),
        Case(
            "huge", "many-entries", {}, ["catalog", "validate", "{dir}/parts.yaml"], setup="gen:many-entries"
        ),
        Case(
            "huge",
            "catalog-folder-over-limit",
            {},
            ["catalog", "validate", "{dir}/parts"],
            setup="gen:big-catalog-folder",
        ),
        Case(
            "huge",
            "sixteen-cards-to-seat",
            {"build.yaml": SIXTEEN.encode()},
            ["check", "{dir}/build.yaml"],
            "infeasible",
            notes="the checker seats unplaced cards by search: it must not explode",
        ),
        request(
            "huge",
            "long-model-id",
            "budget_usd: 3000\nworkload: {model: " + "l" * 10_000 + "}\n",
            "workload.model",
        ),
        request("huge", "deep-nesting", "budget_usd: 3000\nx: " + "[" * 200 + "]" * 200 + "\n", "x"),
        request("huge", "libyaml-depth", "budget_usd: 3000\nx: " + "[" * 5000 + "]" * 5000 + "\n"),
        request(
            "huge",
            "many-vendors",
            "budget_usd: 3000\nrequire: {vendors: [" + ", ".join(["NVIDIA"] * 500) + "]}\n",
            "require.vendors",
        ),
        request(
            "huge",
            "many-circuits",
            "budget_usd: 3000\nsite: {circuits: [" + ", ".join(["{volts: 120, amps: 15}"] * 200) + "]}\n",
            "site.circuits",
        ),
    ]


def aliases() -> list[Case]:
    laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
    )
    return [
        request("alias-bombs", "billion-laughs", "budget_usd: 3000\n" + laughs),
        request(
            "alias-bombs", "billion-laughs-in-owned", laughs.replace("a9:", "owned:") + "budget_usd: 3000\n"
        ),
        request("alias-bombs", "recursive-alias", "budget_usd: 3000\nx: &a [*a]\n"),
        request("alias-bombs", "recursive-mapping", "budget_usd: 3000\nx: &a {y: *a}\n"),
        request(
            "alias-bombs",
            "merge-bomb",
            "b: &b {min_gpus: 1}\nbudget_usd: 3000\nrequire: {<<: [" + ", ".join(["*b"] * 2000) + "]}\n",
            "b",
        ),
        constraints("alias-bombs", "rules-bomb", laughs.replace("a9:", "rules:")),
        catalog(
            "alias-bombs", "catalog-bomb", laughs.replace("a0: &a0 [x", "- &a0 [x").replace("\na", "\n- a")
        ),
        request(
            "alias-bombs",
            "alias-reuse-valid",
            REQUEST + "site: {circuits: [&c {volts: 120, amps: 15}, *c]}\n",
            expect="valid",
        ),
    ]


def files() -> list[Case]:
    build = {"build.yaml": BUILD.encode()}
    return [
        cli("files", "missing-request", ["solve", "{dir}/nope.yaml"], expect="reject"),
        cli(
            "files",
            "missing-constraints",
            [*SOLVE, "--constraints", "{dir}/nope.yaml"],
            files=REQ,
            expect="reject",
        ),
        cli("files", "missing-catalog", ["catalog", "validate", "{dir}/nope"], expect="reject"),
        cli(
            "files", "missing-prices", ["catalog", "validate", "--prices", "{dir}/nope.yaml"], expect="reject"
        ),
        cli("files", "missing-build", ["check", "{dir}/nope.yaml"], expect="reject"),
        cli("files", "folder-as-request", ["solve", "{dir}"], expect="reject"),
        cli("files", "folder-as-constraints", [*SOLVE, "--constraints", "{dir}"], files=REQ, expect="reject"),
        cli("files", "folder-as-build", ["check", "{dir}"], expect="reject"),
        cli("files", "dev-zero-request", ["solve", "/dev/zero"], expect="reject"),
        cli("files", "dev-null-request", ["solve", "/dev/null"], expect="reject"),
        cli("files", "path-through-file", ["solve", "{dir}/request.yaml/x.yaml"], files=REQ, expect="reject"),
        cli("files", "name-too-long", ["solve", "{dir}/" + "n" * 5000 + ".yaml"], expect="reject"),
        cli(
            "files",
            "empty-request",
            ["solve", "{dir}/request.yaml"],
            files={"request.yaml": b""},
            expect="reject",
        ),
        cli(
            "files",
            "empty-catalog-file-valid",
            ["catalog", "validate", "{dir}/parts.yaml"],
            files={"parts.yaml": b""},
            expect="valid",
        ),
        cli(
            "files",
            "non-yaml-in-catalog-folder-valid",
            ["catalog", "validate", "{dir}/parts"],
            files={"parts/readme.txt": b"\x00\xff"},
            expect="valid",
        ),
        Case("files", "fifo-request", {}, ["solve", "{dir}/request.yaml"], setup="fifo"),
        Case(
            "files",
            "fifo-in-catalog-folder",
            {},
            ["catalog", "validate", "{dir}/parts"],
            setup="fifo-in-folder",
        ),
        Case("files", "broken-symlink", {}, ["solve", "{dir}/request.yaml"], setup="broken-symlink"),
        Case("files", "symlink-loop", {}, ["solve", "{dir}/request.yaml"], setup="symlink-loop"),
        Case("files", "unreadable-request", dict(REQ), ["solve", "{dir}/request.yaml"], setup="unreadable"),
        Case(
            "files",
            "newline-in-name",
            {"request.yaml": b"budget_usd: -1\n"},
            ["solve", "{dir}/request.yaml"],
            place="budget_usd",
            setup="rename:bad\nname.yaml",
        ),
        Case(
            "files",
            "control-char-in-name",
            {"request.yaml": b"budget_usd: lots\n", **build},
            ["check", "{dir}/build.yaml", "--request", "{dir}/request.yaml"],
            place="budget_usd",
            setup="rename:re\x1b[31mquest.yaml",
        ),
        Case(
            "files",
            "undecodable-name",
            {"request.yaml": b"budget_usd: -1\n"},
            ["solve", "{dir}/request.yaml"],
            place="budget_usd",
            setup="rename-bytes:request.yaml",
        ),
        Case(
            "files",
            "undecodable-name-valid",
            build,
            ["check", "{dir}/build.yaml"],
            expect="valid",
            setup="rename-bytes:build.yaml",
        ),
        Case(
            "files",
            "spaces-and-unicode-name-valid",
            {"my r\u00e9quest.yaml": REQUEST.encode(), **build},
            ["check", "{dir}/build.yaml", "--request", "{dir}/my r\u00e9quest.yaml"],
            expect="valid",
        ),
    ]


def contradictions() -> list[Case]:
    def req(name: str, text: str, place: str = "", expect: str = "infeasible") -> Case:
        return request("contradictions", name, text, place, expect=expect)

    out = [
        req(
            "min-above-max-gpus",
            "budget_usd: 3000\nrequire: {min_gpus: 3, max_gpus: 2}\n",
            "require",
            "reject",
        ),
        req("throughput-without-workload", "budget_usd: 3000\nobjective: decode\n", "", "reject"),
        req("ownership-without-price", "budget_usd: 3000\nobjective: cost_of_ownership\n", "", "reject"),
        req(
            "vendor-not-a-gpu-vendor",
            "budget_usd: 3000\nrequire: {vendors: [Apple]}\n",
            "require.vendors[0]",
            "reject",
        ),
        req("vram-beyond-budget", "budget_usd: 300\nobjective: cost\nrequire: {min_vram_gb: 2000}\n"),
        req(
            "no-gpus-but-vram",
            "budget_usd: 3000\nobjective: cost\nrequire: {max_gpus: 0, min_vram_gb: 24, systems: false}\n",
        ),
        req("budget-too-small", "budget_usd: 1\nobjective: cost\n"),
    ]
    rules_text = {
        "forbid-all-gpus-need-one": "rules:\n  - {kind: forbid, name: no gpus, select: {kind: gpu}}\n  - {kind: at_least, name: one gpu, select: {kind: gpu}, count: 1}\n",
        "at-least-and-at-most": "rules:\n  - {kind: at_least, name: three, select: {kind: gpu}, count: 3}\n  - {kind: at_most, name: two, select: {kind: gpu}, count: 2}\n",
        "limit-cost-zero": "rules:\n  - {kind: limit, name: free, attribute: total_cost_usd, max: 0}\n",
    }
    for name, text in rules_text.items():
        files = {"request.yaml": b"budget_usd: 3000\nobjective: cost\n", "rules.yaml": text.encode()}
        out.append(
            Case(
                "contradictions",
                name,
                files,
                [*SOLVE, "--constraints", "{dir}/rules.yaml"],
                "infeasible",
                slow=True,
            )
        )
    return out


def flags() -> list[Case]:
    est = ["estimate", "--gpu", "rtx-3090"]
    cases = {
        "seed-negative": [*SOLVE, "--seed", "-1"],
        "seed-beyond-32-bits": [*SOLVE, "--seed", str(2**40)],
        "time-limit-nan": [*SOLVE[:2], "--time-limit", "nan"],
        "time-limit-inf": [*SOLVE[:2], "--time-limit", "inf"],
        "time-limit-zero": [*SOLVE[:2], "--time-limit", "0"],
        "time-limit-huge": [*SOLVE[:2], "--time-limit", "1e10"],
        "top-zero": [*SOLVE, "--top", "0"],
        "top-text": [*SOLVE, "--top", "many"],
        "workers-negative": [*SOLVE, "--workers", "-1"],
        "workers-huge": [*SOLVE, "--workers", "100000"],
        "points-one": ["frontier", "{dir}/request.yaml", "--points", "1"],
        "frontier-time-nan": ["frontier", "{dir}/request.yaml", "--time-limit", "nan"],
        "unknown-option": [*SOLVE, "--budget", "5"],
        "missing-argument": ["solve"],
        "unknown-command": ["slove", "{dir}/request.yaml"],
    }
    out = [cli("cli-misuse", k, v, files=REQ) for k, v in cases.items()]
    reject = {
        "ram-gb-inf": [*est[:1], "--cpu", "epyc-7763", "--ram-gb", "inf"],
        "ram-gb-nan": [*est[:1], "--cpu", "epyc-7763", "--ram-gb", "nan"],
        "ram-gb-negative": [*est[:1], "--cpu", "epyc-7763", "--ram-gb", "-1"],
        "ram-gb-huge": [*est[:1], "--cpu", "epyc-7763", "--ram-gb", "1e12"],
        "prompt-negative": [*est, "--prompt", "-5"],
        "prompt-huge": [*est, "--prompt", str(10**30)],
        "batch-huge": [*est, "--batch", str(10**9)],
        "context-zero": [*est, "--context", "0"],
        "gpu-count-zero": ["estimate", "--gpu", "rtx-3090:0"],
        "gpu-count-text": ["estimate", "--gpu", "rtx-3090:two"],
        "gpu-count-huge": ["estimate", "--gpu", "rtx-3090:99"],
        "gpu-unknown": ["estimate", "--gpu", "rtx-3900"],
        "gpu-long-id": ["estimate", "--gpu", "r" * 5000],
        "model-unknown": [*est, "--model", "llama-9"],
        "quant-unknown": [*est, "--quant", "q99"],
        "split-typo": [*est, "--split", "tensors"],
        "backend-typo": [*est, "--backend", "llamacpp"],
        "offload-typo": [*est, "--offload", "everything"],
        "system-and-gpu": [*est, "--system", "mac-studio-m2-ultra-192gb"],
        "no-hardware": ["estimate"],
        "kind-typo": ["catalog", "list", "--kind", "gpuu"],
        "show-unknown-id": ["catalog", "show", "rtx-3900"],
        "schema-kind-typo": ["schema", "requests"],
    }
    places = {k: "--" + k.split("-")[0] for k in reject}
    places.update(
        {
            "gpu-count-zero": "--gpu",
            "no-hardware": "--gpu",
            "kind-typo": "--kind",
            "system-and-gpu": "--system",
        }
    )
    places.update({"show-unknown-id": "rtx-3900", "schema-kind-typo": "kind", "ram-gb-inf": "--ram-gb"})
    places.update({"ram-gb-nan": "--ram-gb", "ram-gb-negative": "--ram-gb", "ram-gb-huge": "--ram-gb"})
    out += [
        cli("cli-misuse", k, v, places[k], expect="reject") for k, v in reject.items() if k != "no-hardware"
    ]
    # Without hardware flags the estimate looks at this machine: any answer but a crash will do.
    out.append(cli("cli-misuse", "no-hardware", reject["no-hardware"], expect="any-answer"))
    return out


def outputs() -> list[Case]:
    png = b"\x89PNG\r\n\x1a\n user's own picture"
    files = {**REQ, "mine.png": png, "notes.md": b"# my notes\n"}
    return [
        cli(
            "outputs",
            "sheet-missing-folder",
            [*SOLVE, "--sheet", "{dir}/no/such/sheet.md"],
            files=REQ,
            expect="reject",
        ),
        cli(
            "outputs",
            "sheet-onto-folder",
            [*SOLVE, "--sheet", "{dir}"],
            files=REQ,
            expect="reject",
        ),
        cli(
            "outputs",
            "sheet-wrong-extension",
            [*SOLVE, "--sheet", "{dir}/sheet.txt"],
            files=REQ,
            expect="reject",
        ),
        cli(
            "outputs",
            "sheet-onto-user-file",
            [*SOLVE, "--sheet", "{dir}/notes.md"],
            files=files,
            expect="reject",
        ),
        cli(
            "outputs",
            "plot-onto-user-image",
            ["frontier", "{dir}/request.yaml", "--points", "2", "--plot", "{dir}/mine.png"],
            files=files,
            expect="reject",
        ),
        cli(
            "outputs",
            "plot-missing-folder",
            ["frontier", "{dir}/request.yaml", "--points", "2", "--plot", "{dir}/no/plot.png"],
            files=REQ,
            expect="reject",
        ),
        cli(
            "outputs",
            "plot-wrong-extension",
            ["frontier", "{dir}/request.yaml", "--plot", "{dir}/plot.gif"],
            files=REQ,
            expect="reject",
        ),
    ]


def signals_and_limits() -> list[Case]:
    slow = {"request.yaml": SLOW.encode()}
    long = {"request.yaml": LONG_SOLVE.encode()}
    solve = ["solve", "{dir}/request.yaml", "--top", "3", "--time-limit", "300"]
    return [
        Case(
            "signals",
            "ctrl-c-during-solve",
            long,
            solve,
            "interrupted",
            setup="sigint",
            timing=True,
        ),
        Case(
            "signals",
            "ctrl-c-twice",
            long,
            solve,
            "interrupted",
            setup="sigint-twice",
            timing=True,
        ),
        Case(
            "signals",
            "ctrl-c-during-frontier",
            long,
            ["frontier", "{dir}/request.yaml", "--time-limit", "90"],
            "interrupted",
            setup="sigint",
            timing=True,
        ),
        Case(
            "limits",
            "unknown-status-says-so",
            slow,
            ["solve", "{dir}/request.yaml", "--time-limit", "0.1"],
            "not-silent",
            timing=True,
        ),
        Case(
            "limits",
            "explain-within-limit",
            {"request.yaml": b"budget_usd: 300\nrequire: {min_gpus: 1}\n"},
            ["solve", "{dir}/request.yaml", "--time-limit", "0.5"],
            "within-limit",
            timing=True,
        ),
    ]
