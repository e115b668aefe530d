"""Bad-input cases about what a file says: YAML syntax, types, numbers, dates, encodings, ids, duplicates."""

from __future__ import annotations

from bad_cases import (
    BUILD,
    GPU,
    PRICES,
    REQUEST,
    RULE,
    Case,
    build,
    catalog,
    constraints,
    gpu_with,
    prices,
    request,
)

POWER = """power:
  psu_load_headroom: 0.2
  continuous_derating: 0.8
  platform_base_w: 60
  per_dimm_w: 5
  transient_factor: {default: 1.5, ampere: 2.0}
  psu_transient_tolerance: {atx3: 2.0, atx2: 1.3, server: 1.2}
  efficiency: {80plus: 0.8, bronze: 0.85, silver: 0.87, gold: 0.9, platinum: 0.92, titanium: 0.94, unrated: 0.8}
  eps_per_socket: 1
  adapter_8pin_per_w: 150
  max_psus: 4
"""


def power_with(key: str, value: str) -> str:
    lines = [f"  {key}: {value}" if line.startswith(f"  {key}:") else line for line in POWER.splitlines()]
    return "\n".join(lines) + "\n"


LIMITS = "power_limits: {{levels: {levels}, default_min_fraction: 0.9, default_max_fraction: 1.0}}\n"
COOLING = (
    "cooling: {{open_air_gap_slots: 0, passive_needs_airflow: true, case_air_rise_c: {rise}, {extra}}}\n"
)


def newer_rules() -> list[Case]:
    """Rule parameters added by the rigs work (power limits, adapter leads, case air): bounded like the rest."""
    levels = "[" + ", ".join(["0.9"] * 50) + "]"
    return [
        constraints("extreme-numbers", "limit-levels-many", LIMITS.format(levels=levels), "power_limits"),
        constraints(
            "extreme-numbers", "limit-level-above-one", LIMITS.format(levels="[2.0]"), "power_limits"
        ),
        constraints(
            "extreme-numbers", "limit-level-nan", LIMITS.format(levels="[.nan]"), "power_limits.levels[0]"
        ),
        constraints(
            "extreme-numbers", "limit-levels-empty", LIMITS.format(levels="[]"), "power_limits.levels"
        ),
        constraints(
            "extreme-numbers",
            "adapter-leads-huge",
            power_with("adapter_8pin_per_w", "150\n  adapter_leads: {ampere: 99}"),
            "power",
        ),
        constraints(
            "unknown-ids",
            "adapter-leads-arch-typo",
            power_with("adapter_8pin_per_w", "150\n  adapter_leads: {amprere: 2}"),
            "power.adapter_leads.amprere",
        ),
        constraints(
            "extreme-numbers",
            "case-air-rise-inf",
            COOLING.format(rise=".inf", extra="blower_exhaust_share: 0.8"),
            "cooling.case_air_rise_c",
        ),
        constraints(
            "extreme-numbers",
            "case-air-rise-huge",
            COOLING.format(rise="400", extra="blower_exhaust_share: 0.8"),
            "cooling.case_air_rise_c",
        ),
        constraints(
            "extreme-numbers",
            "sandwiched-huge",
            COOLING.format(rise="15", extra="max_sandwiched_open_air: 99"),
            "cooling.max_sandwiched_open_air",
        ),
        constraints(
            "extreme-numbers",
            "blower-share-negative",
            COOLING.format(rise="15", extra="blower_exhaust_share: -1"),
            "cooling.blower_exhaust_share",
        ),
    ]


def malformed() -> list[Case]:
    texts = {
        "unclosed-quote": 'budget_usd: "3000\n',
        "bad-indent": "budget_usd: 3000\nrequire:\n  min_gpus: 1\n   max_gpus: 2\n",
        "tab-indent": "budget_usd: 3000\nrequire:\n\tmin_gpus: 1\n",
        "unclosed-bracket": "budget_usd: 3000\nowned: [{id: rtx-3090}\n",
        "stray-colon": "budget_usd: 3000: 4000\n",
        "two-documents": "budget_usd: 3000\n---\nbudget_usd: 4000\n",
        "bad-directive": "%YAML 9.9\n---\nbudget_usd: 3000\n",
        "bad-escape": 'budget_usd: 3000\nworkload: {model: "llama\\q"}\n',
        "stray-bracket": "budget_usd: 3000]\n",
        "scalar-document": "hello\n",
        "list-document": "- budget_usd: 3000\n",
        "empty": "",
        "only-comments": "# nothing here\n",
        "null-budget": "budget_usd:\n",
        "complex-key": "? [a, b]\n: 1\nbudget_usd: 3000\n",
        "unknown-tag": "budget_usd: !money 3000\n",
        "python-tag": "budget_usd: !!python/object:os.system 3000\n",
        "float-tag-on-text": "budget_usd: !!float lots\n",
        "int-tag-on-text": "budget_usd: !!int 3e3x\n",
        "binary-tag": "budget_usd: !!binary '%%%'\n",
        "undefined-alias": "budget_usd: *price\n",
    }
    places = {"null-budget": "budget_usd", "list-document": "", "float-tag-on-text": ""}
    out = [request("malformed-yaml", k, v, places.get(k, "")) for k, v in texts.items()]
    out += [
        constraints("malformed-yaml", "rules-unclosed", "rules: [\n"),
        constraints("malformed-yaml", "rules-list-document", "- kind: forbid\n"),
        catalog(
            "malformed-yaml", "catalog-mapping-document", GPU.replace("- kind", "kind").replace("\n  ", "\n")
        ),
        catalog("malformed-yaml", "catalog-bad-indent", GPU.replace("  name:", " name:")),
        catalog("malformed-yaml", "catalog-entry-is-text", "- a gpu\n", "[0]"),
        prices("malformed-yaml", "prices-mapping", "rtx-3090: 650\n"),
        build("malformed-yaml", "build-unclosed", "board: [\n"),
        build("malformed-yaml", "build-list", "- board: x\n"),
    ]
    return out


def wrong_types() -> list[Case]:
    req = {
        "budget-text": ("budget_usd: lots\n", "budget_usd"),
        "budget-units": ("budget_usd: 3000 USD\n", "budget_usd"),
        "budget-list": ("budget_usd: [3000]\n", "budget_usd"),
        "budget-map": ("budget_usd: {usd: 3000}\n", "budget_usd"),
        "budget-bool": ("budget_usd: true\n", "budget_usd"),
        "workload-list": ("budget_usd: 3000\nworkload: [llama-3-1-8b]\n", "workload"),
        "workload-text": ("budget_usd: 3000\nworkload: llama-3-1-8b\n", "workload"),
        "objective-number": ("budget_usd: 3000\nobjective: 5\n", "objective"),
        "objective-empty-list": ("budget_usd: 3000\nobjective: []\n", "objective"),
        "owned-mapping": ("budget_usd: 3000\nowned: {id: rtx-3090}\n", "owned"),
        "owned-number": ("budget_usd: 3000\nowned: [3090]\n", "owned[0]"),
        "vendors-text": ("budget_usd: 3000\nrequire: {vendors: nvidia}\n", "require.vendors"),
        "circuits-number": ("budget_usd: 3000\nsite: {circuits: 2}\n", "site.circuits"),
        "site-list": ("budget_usd: 3000\nsite: [120]\n", "site"),
        "count-fraction": ("budget_usd: 3000\nowned: [{id: rtx-3090, count: 1.5}]\n", "owned[0].count"),
        "count-bool": ("budget_usd: 3000\nowned: [{id: rtx-3090, count: true}]\n", "owned[0].count"),
        "flag-text": ("budget_usd: 3000\nallow_unused_owned: yes please\n", "allow_unused_owned"),
        "min-gpus-bool": ("budget_usd: 3000\nrequire: {min_gpus: true}\n", "require.min_gpus"),
        "int-key": ("budget_usd: 3000\n1: 2\n", "1"),
        "null-key": ("budget_usd: 3000\n~: 2\n", ""),
        "date-for-number": ("budget_usd: 2025-01-01\n", "budget_usd"),
        "context-text": (
            "budget_usd: 3000\nworkload: {model: llama-3-1-8b, context: long}\n",
            "workload.context",
        ),
        "quant-number": ("budget_usd: 3000\nworkload: {model: llama-3-1-8b, quant: 4}\n", "workload.quant"),
    }
    out = [request("wrong-types", k, t, p) for k, (t, p) in req.items()]
    out += [
        constraints("wrong-types", "rules-mapping", "rules: {kind: forbid}\n", "rules"),
        constraints(
            "wrong-types",
            "select-list",
            "rules:\n  - {kind: forbid, name: x, select: [gpu]}\n",
            "rules[0].select",
        ),
        constraints("wrong-types", "count-text", RULE.replace("count: 2", "count: two"), "rules[0].count"),
        constraints(
            "wrong-types",
            "limit-max-bool",
            "rules:\n  - {kind: limit, name: x, attribute: gpu_count, max: true}\n",
            "rules[0].max",
        ),
        constraints(
            "wrong-types",
            "headroom-text",
            power_with("psu_load_headroom", "twenty percent"),
            "power.psu_load_headroom",
        ),
        constraints(
            "wrong-types",
            "factor-bool",
            power_with("transient_factor", "{default: true}"),
            "power.transient_factor.default",
        ),
        constraints("wrong-types", "section-list", "memory: [32]\n", "memory"),
        catalog("wrong-types", "memory-text", gpu_with(memory_gb="lots"), "my-gpu.memory_gb"),
        catalog(
            "wrong-types",
            "price-dollar-text",
            gpu_with(prices=[{"usd": "$700", "date": "2025-01-01", "condition": "used"}]),
            "my-gpu.prices[0].usd",
        ),
        catalog(
            "wrong-types",
            "price-bool",
            gpu_with(prices=[{"usd": True, "date": "2025-01-01", "condition": "used"}]),
            "my-gpu.prices[0].usd",
        ),
        catalog("wrong-types", "lanes-bool", gpu_with(pcie_lanes=True), "my-gpu.pcie_lanes"),
        catalog("wrong-types", "id-number", gpu_with(id=3090), "[0].id"),
        catalog("wrong-types", "power-list", gpu_with(power=[2]), "my-gpu.power"),
        prices("wrong-types", "usd-text", PRICES.replace("650", "cheap"), "[0].usd"),
        prices("wrong-types", "usd-bool", PRICES.replace("650", "true"), "[0].usd"),
        build(
            "wrong-types",
            "gpus-text",
            BUILD.replace("gpus:\n  - {id: gtx-1070, slot: 6, mount: direct, psu: 1}", "gpus: gtx-1070"),
            "gpus",
        ),
        build("wrong-types", "slot-text", BUILD.replace("slot: 6", "slot: sixth"), "gpus[0].slot"),
        build("wrong-types", "cpu-count-bool", BUILD + "cpu_count: true\n", "cpu_count"),
    ]
    return out


def numbers() -> list[Case]:
    out = []
    for label, value in (
        ("inf", ".inf"),
        ("minus-inf", "-.inf"),
        ("nan", ".nan"),
        ("huge", "1e308"),
        ("negative", "-5"),
    ):
        out += [
            request("extreme-numbers", f"budget-{label}", f"budget_usd: {value}\n", "budget_usd"),
            request(
                "extreme-numbers",
                f"min-vram-{label}",
                f"budget_usd: 3000\nrequire: {{min_vram_gb: {value}}}\n",
                "require.min_vram_gb",
            ),
            request(
                "extreme-numbers",
                f"min-decode-{label}",
                f"budget_usd: 3000\nworkload: {{model: llama-3-1-8b}}\nrequire: {{min_decode_tokens_per_s: {value}}}\n",
                "require.min_decode_tokens_per_s",
            ),
            constraints(
                "extreme-numbers",
                f"transient-{label}",
                power_with("transient_factor", f"{{default: {value}}}"),
                "power.transient_factor.default",
            ),
            constraints(
                "extreme-numbers",
                f"efficiency-{label}",
                power_with(
                    "efficiency",
                    f"{{80plus: {value}, bronze: 0.85, silver: 0.87, gold: 0.9, platinum: 0.92, titanium: 0.94, unrated: 0.8}}",
                ),
                "power.efficiency.80plus",
            ),
            constraints(
                "extreme-numbers",
                f"platform-w-{label}",
                power_with("platform_base_w", value),
                "power.platform_base_w",
            ),
            constraints(
                "extreme-numbers",
                f"limit-max-{label}",
                f"rules:\n  - {{kind: limit, name: x, attribute: wall_w, max: {value}}}\n",
                "rules[0].max",
            ),
            catalog(
                "extreme-numbers",
                f"gpu-memory-{label}",
                gpu_with(memory_gb=float(value.replace(".inf", "inf").replace(".nan", "nan"))),
                "my-gpu.memory_gb",
            ),
        ]
    out += [
        constraints(
            "extreme-numbers", "per-dimm-huge", power_with("per_dimm_w", "1e308"), "power.per_dimm_w"
        ),
        constraints(
            "extreme-numbers",
            "adapter-zero",
            power_with("adapter_8pin_per_w", "0"),
            "power.adapter_8pin_per_w",
        ),
        constraints(
            "extreme-numbers",
            "min-ram-nan",
            "memory: {min_ram_gb: .nan, populate_all_channels: true}\n",
            "memory.min_ram_gb",
        ),
        constraints(
            "extreme-numbers",
            "min-ram-inf",
            "memory: {min_ram_gb: .inf, populate_all_channels: true}\n",
            "memory.min_ram_gb",
        ),
        constraints(
            "extreme-numbers",
            "riser-length-inf",
            "pcie: {min_lanes_per_gpu: 4, riser_max_length_mm: {3: .inf}}\n",
            "pcie.riser_max_length_mm",
        ),
        constraints(
            "extreme-numbers",
            "riser-gen-99",
            "pcie: {min_lanes_per_gpu: 4, riser_max_length_mm: {99: 300}}\n",
            "pcie.riser_max_length_mm",
        ),
        constraints("extreme-numbers", "max-psus-huge", power_with("max_psus", "10**9"), "power.max_psus"),
        request(
            "extreme-numbers",
            "min-decode-tiny",
            "budget_usd: 3000\nworkload: {model: llama-3-1-8b}\nrequire: {min_decode_tokens_per_s: 1e-300}\n",
            "require",
        ),
        request(
            "extreme-numbers",
            "count-huge-int",
            "budget_usd: 3000\nowned: [{id: rtx-3090, count: 100000000000000000000}]\n",
            "owned[0].count",
        ),
        request(
            "extreme-numbers",
            "context-huge",
            "budget_usd: 3000\nworkload: {model: llama-3-1-8b, context: 1e300}\n",
            "workload.context",
        ),
        request(
            "extreme-numbers",
            "circuits-many",
            "budget_usd: 3000\nsite: {circuits: [{volts: 120, amps: 15, count: 8}, {volts: 120, amps: 15, count: 8}, {volts: 240, amps: 30, count: 8}]}\n",
            "site",
        ),
        request(
            "extreme-numbers",
            "volts-zero",
            "budget_usd: 3000\nsite: {circuits: [{volts: 0, amps: 15}]}\n",
            "site.circuits[0].volts",
        ),
        request(
            "extreme-numbers",
            "electricity-inf",
            "budget_usd: 3000\nsite: {electricity_usd_per_kwh: .inf}\n",
            "site.electricity_usd_per_kwh",
        ),
        request(
            "extreme-numbers",
            "derating-nan",
            "budget_usd: 3000\nsite: {continuous_derating: .nan}\n",
            "site.continuous_derating",
        ),
        prices("extreme-numbers", "usd-inf", PRICES.replace("650", ".inf"), "[0].usd"),
        prices("extreme-numbers", "usd-negative", PRICES.replace("650", "-650"), "[0].usd"),
        build(
            "extreme-numbers",
            "gpu-count-huge",
            BUILD.replace(
                "- {id: gtx-1070, slot: 6, mount: direct, psu: 1}", "- {id: gtx-1070, count: 1000000}"
            ),
            "gpus[0].count",
        ),
        build(
            "extreme-numbers",
            "layers-huge",
            BUILD.replace("psu: 1}", "psu: 1, layers: 1000000000}"),
            "gpus[0].layers",
        ),
        build(
            "extreme-numbers",
            "circuit-huge",
            BUILD.replace("- {id: rm850x-2021}", "- {id: rm850x-2021, circuit: 99}"),
            "psus[0].circuit",
        ),
        build(
            "extreme-numbers",
            "cards-over-sixteen",
            BUILD.replace(
                "- {id: gtx-1070, slot: 6, mount: direct, psu: 1}",
                "- {id: gtx-1070, count: 16}\n  - {id: gtx-1070, count: 16}",
            ),
            "gpus",
        ),
    ]
    return out


def dates() -> list[Case]:
    def p(date: str) -> str:
        return PRICES.replace("2025-06-01", date)

    out = [
        prices("dates", "month-13", p("2025-13-01")),
        prices("dates", "february-30", p("2025-02-30")),
        prices("dates", "year-0", p("0000-01-01")),
        prices("dates", "year-1", p("0001-01-01"), "[0].date"),
        prices("dates", "year-2999", p("2999-01-01"), "[0].date"),
        prices("dates", "text-date", p("yesterday"), "[0].date"),
        prices("dates", "us-date", p("01/02/2025"), "[0].date"),
        prices("dates", "number-date", p("20250101"), "[0].date"),
        prices("dates", "datetime", p("2025-06-01 10:30:00"), "[0].date"),
        catalog(
            "dates",
            "catalog-price-2999",
            gpu_with(prices=[{"usd": 700, "date": "2999-01-01", "condition": "used"}]).replace(
                "'2999-01-01'", "2999-01-01"
            ),
            "my-gpu.prices[0].date",
        ),
        catalog("dates", "catalog-day-32", GPU.replace("2025-01-01", "2025-01-32")),
        catalog("dates", "date-as-name", GPU.replace("name: My GPU", "name: 2025-13-45")),
        request("dates", "date-as-model", "budget_usd: 3000\nworkload: {model: 2025-02-30}\n"),
    ]
    return out


def encodings() -> list[Case]:
    text = REQUEST
    out = [
        request(
            "encodings", "utf16-bom", "\ufeff".encode("utf-16-le") + text.encode("utf-16-le"), expect="valid"
        ),
        request("encodings", "utf16-no-bom", text.encode("utf-16-le")),
        request("encodings", "utf16-be-no-bom", text.encode("utf-16-be")),
        request("encodings", "utf32-bom", text.encode("utf-32")),
        request("encodings", "utf8-bom", "\ufeff" + text, expect="valid"),
        request("encodings", "crlf", text.replace("\n", "\r\n"), expect="valid"),
        request("encodings", "latin1", ("# caf\u00e9\n" + text).encode("latin-1")),
        request("encodings", "nul-byte", text.encode() + b"\x00\n"),
        request(
            "encodings",
            "bell-in-value",
            'budget_usd: 3000\nworkload: {model: "llama\\a"}\n',
            "workload.model",
        ),
        request("encodings", "raw-control-char", b"budget_usd: 3000\nworkload: {model: llama\x07}\n"),
        request(
            "encodings",
            "escape-sequence",
            'budget_usd: 3000\nworkload: {model: "\\e[31mred"}\n',
            "workload.model",
        ),
        request("encodings", "surrogate", 'budget_usd: 3000\nworkload: {model: "\\ud800"}\n'),
        request("encodings", "newline-in-key", 'budget_usd: 3000\n"bad\\nkey": 1\n', "bad"),
        request(
            "encodings",
            "rtl-override",
            'budget_usd: 3000\nworkload: {model: "\u202ellama"}\n',
            "workload.model",
        ),
        request(
            "encodings",
            "emoji-vendor",
            "budget_usd: 3000\nrequire: {vendors: [\U0001f680]}\n",
            "require.vendors[0]",
        ),
        catalog("encodings", "catalog-utf16-no-bom", GPU.encode("utf-16-le")),
        catalog("encodings", "catalog-cp1252", GPU.replace("My GPU", "My GPU \u2013 OC").encode("cp1252")),
    ]
    return out


def ids() -> list[Case]:
    out = [
        request("unknown-ids", "owned-typo", "budget_usd: 3000\nowned: [{id: rtx-3900}]\n", "owned[0].id"),
        request(
            "unknown-ids",
            "owned-capitals-valid",
            "budget_usd: 3000\nowned: [{id: RTX-3090}]\n",
            expect="valid",
        ),
        request(
            "unknown-ids", "owned-words-valid", "budget_usd: 3000\nowned: [2x RTX 3090]\n", expect="valid"
        ),
        request(
            "unknown-ids", "owned-words-unknown", "budget_usd: 3000\nowned: [2x RTX 9999 Super]\n", "owned[0]"
        ),
        request("unknown-ids", "owned-llm", "budget_usd: 3000\nowned: [{id: llama-3-1-8b}]\n", "owned[0].id"),
        request(
            "unknown-ids",
            "model-typo",
            "budget_usd: 3000\nworkload: {model: llama-3-3-7b}\n",
            "workload.model",
        ),
        request(
            "unknown-ids",
            "model-capitals",
            "budget_usd: 3000\nworkload: {model: Llama-3.3-70B}\n",
            "workload.model",
        ),
        request(
            "unknown-ids",
            "quant-unknown",
            "budget_usd: 3000\nworkload: {model: llama-3-1-8b, quant: q9_k}\n",
            "workload.quant",
        ),
        request(
            "unknown-ids",
            "quant-exl2-99",
            "budget_usd: 3000\nworkload: {model: llama-3-1-8b, quant: exl2-99bpw, backend: exllamav2}\n",
            "workload.quant",
        ),
        request(
            "unknown-ids",
            "vendor-typo",
            "budget_usd: 3000\nrequire: {vendors: [nvdia]}\n",
            "require.vendors[0]",
        ),
        request(
            "unknown-ids",
            "vendor-long",
            "budget_usd: 3000\nrequire: {vendors: [" + "x" * 5000 + "]}\n",
            "require.vendors[0]",
        ),
        request(
            "unknown-ids",
            "backend-typo",
            "budget_usd: 3000\nworkload: {model: llama-3-1-8b, backend: llamacpp}\n",
            "workload.backend",
        ),
        request(
            "unknown-ids",
            "split-typo",
            "budget_usd: 3000\nworkload: {model: llama-3-1-8b, split: tensors}\n",
            "workload.split",
        ),
        request(
            "unknown-ids",
            "condition-typo",
            "budget_usd: 3000\nrequire: {condition: [refurbished]}\n",
            "require.condition[0]",
        ),
        request(
            "unknown-ids",
            "chassis-kind-typo",
            "budget_usd: 3000\nrequire: {chassis_kinds: [towr]}\n",
            "require.chassis_kinds[0]",
        ),
        request("unknown-ids", "objective-typo", "budget_usd: 3000\nobjective: vramm\n", "objective"),
        request(
            "unknown-ids",
            "objective-list-typo",
            "budget_usd: 3000\nobjective: [vram, cots]\n",
            "objective[1]",
        ),
        request("unknown-ids", "unknown-field", "budget_usd: 3000\nbudget: 4000\n", "budget"),
        request(
            "unknown-ids",
            "unknown-nested-field",
            "budget_usd: 3000\nrequire: {min_vram: 48}\n",
            "require.min_vram",
        ),
        constraints(
            "unknown-ids",
            "select-unknown-id",
            "rules:\n  - {kind: forbid, name: x, select: {ids: [rtx-3900]}}\n",
            "rules[0].select.ids[0]",
        ),
        constraints(
            "unknown-ids",
            "select-unknown-kind",
            "rules:\n  - {kind: forbid, name: x, select: {kind: gpuu}}\n",
            "rules[0].select",
        ),
        constraints(
            "unknown-ids",
            "select-unknown-field",
            "rules:\n  - {kind: forbid, name: x, select: {kind: gpu, where: {colour: red}}}\n",
            "rules[0].select",
        ),
        constraints(
            "unknown-ids",
            "select-unknown-value",
            "rules:\n  - {kind: forbid, name: x, select: {kind: gpu, where: {cooling: pasive}}}\n",
            "rules[0].select.where.cooling",
        ),
        constraints(
            "unknown-ids",
            "select-list-field",
            "rules:\n  - {kind: forbid, name: x, select: {kind: chassis, where: {form_factors: atx}}}\n",
            "rules[0].select.where.form_factors",
        ),
        constraints(
            "unknown-ids",
            "if-unknown-id",
            "rules:\n  - {kind: if_then, name: x, if: {ids: [rtx-3090]}, then: {ids: [nope]}}\n",
            "rules[0].then.ids[0]",
        ),
        constraints(
            "unknown-ids",
            "rule-kind-typo",
            "rules:\n  - {kind: forbidd, name: x, select: {kind: gpu}}\n",
            "rules[0]",
        ),
        constraints(
            "unknown-ids", "rule-no-kind", "rules:\n  - {name: x, select: {kind: gpu}}\n", "rules[0]"
        ),
        constraints(
            "unknown-ids",
            "limit-attribute-typo",
            "rules:\n  - {kind: limit, name: x, attribute: watts, max: 100}\n",
            "rules[0].attribute",
        ),
        constraints(
            "unknown-ids",
            "transient-arch-typo",
            power_with("transient_factor", "{default: 1.5, amprere: 2.0}"),
            "power.transient_factor.amprere",
        ),
        constraints(
            "unknown-ids",
            "efficiency-rating-typo",
            power_with(
                "efficiency",
                "{80plus: 0.8, bronze: 0.85, silver: 0.87, gld: 0.9, platinum: 0.92, titanium: 0.94, unrated: 0.8}",
            ),
            "power.efficiency",
        ),
        constraints("unknown-ids", "tolerance-empty", power_with("psu_transient_tolerance", "{}"), "power"),
        constraints("unknown-ids", "unknown-section", "noise: {max_db: 30}\n", "noise"),
        prices("unknown-ids", "price-unknown-id", PRICES.replace("rtx-3090", "rtx-3900"), "[0].id"),
        prices("unknown-ids", "price-for-llm", PRICES.replace("rtx-3090", "llama-3-1-8b"), "[0].id"),
        prices("unknown-ids", "price-condition-typo", PRICES.replace("used", "refurb"), "[0].condition"),
        catalog("unknown-ids", "kind-typo", GPU.replace("kind: gpu", "kind: gpuu"), "my-gpu"),
        catalog("unknown-ids", "no-kind", GPU.replace("- kind: gpu\n  id", "- id"), "my-gpu"),
        catalog("unknown-ids", "cooling-typo", gpu_with(cooling="openair"), "my-gpu.cooling"),
        catalog("unknown-ids", "uncertain-unknown-field", gpu_with(uncertain=["colour"]), "my-gpu"),
        catalog(
            "unknown-ids",
            "psu-family-no-breakout",
            "- {kind: psu, id: my-psu, name: P, vendor: V, source: test, form: server, watts: 1200, watts_low_line: 900, efficiency: platinum, atx_version: none, connectors: {}, needs_breakout: true, family: nobody-family}\n",
            "my-psu.family",
        ),
        build("unknown-ids", "gpu-unknown", BUILD.replace("gtx-1070", "gtx-1070-ti-super"), "gpus[0].id"),
        build(
            "unknown-ids",
            "board-as-gpu",
            BUILD.replace("id: gtx-1070", "id: mag-b650-tomahawk-wifi"),
            "gpus[0].id",
        ),
        build("unknown-ids", "psu-unknown", BUILD.replace("rm850x-2021", "rm851x"), "psus[0].id"),
        build("unknown-ids", "mount-typo", BUILD.replace("mount: direct", "mount: slot"), "gpus[0].mount"),
        build(
            "unknown-ids",
            "port-on-board-without-ports",
            BUILD.replace("slot: 6, mount: direct", "port: 2, mount: port"),
            "gpus[0].port",
        ),
        build(
            "unknown-ids",
            "breakout-on-atx-psu",
            BUILD.replace("- {id: rm850x-2021}", "- {id: rm850x-2021, breakout: " + _a_breakout() + "}"),
            "psus[0].breakout",
        ),
        build("unknown-ids", "two-platforms", BUILD + "system: mac-studio-m2-ultra-192gb\n", ""),
    ]
    return out


def _a_breakout() -> str:
    import yaml
    from bad_cases import REPO

    entries = yaml.safe_load((REPO / "catalog" / "psus" / "breakouts.yaml").read_text())
    return str(entries[0]["id"])


def duplicates() -> list[Case]:
    return [
        request("duplicates", "top-level-key", "budget_usd: 2000\nbudget_usd: 3000\n", "budget_usd"),
        request(
            "duplicates",
            "nested-key",
            "budget_usd: 3000\nrequire:\n  min_gpus: 1\n  min_gpus: 2\n",
            "require.min_gpus",
        ),
        request(
            "duplicates",
            "flow-key",
            "budget_usd: 3000\nrequire: {min_gpus: 1, min_gpus: 2}\n",
            "require.min_gpus",
        ),
        request(
            "duplicates",
            "owned-twice",
            "budget_usd: 3000\nallow_unused_owned: true\nowned:\n  - {id: rtx-3090}\n  - {id: rtx-3090}\n",
            "owned[1].id",
        ),
        request("duplicates", "anchor-holder-field", "base: &b {min_gpus: 1}\n", "base"),
        request(
            "duplicates",
            "merge-key-valid",
            REQUEST.replace(
                "require: {min_gpus: 1, max_gpus: 1}",
                "require:\n  <<: {min_gpus: 1, max_gpus: 2}\n  max_gpus: 1",
            ),
            expect="valid",
        ),
        request(
            "duplicates",
            "vendor-twice-valid",
            REQUEST.replace("max_gpus: 1}", "max_gpus: 1, vendors: [NVIDIA, nvidia]}"),
            expect="valid",
        ),
        constraints("duplicates", "rules-key-twice", RULE + RULE, "rules"),
        catalog(
            "duplicates",
            "entry-key-twice",
            GPU.replace("  year: 2021\n", "  year: 2021\n  year: 2022\n"),
            "[0].year",
        ),
        catalog("duplicates", "id-twice", GPU + GPU, "my-gpu"),
        catalog(
            "duplicates",
            "price-condition-twice",
            gpu_with(prices=[{"usd": 700, "date": "2025-01-01", "condition": "used"}] * 2).replace(
                "'2025-01-01'", "2025-01-01"
            ),
            "my-gpu",
        ),
        prices("duplicates", "same-part-and-market", PRICES + PRICES.replace("650", "600"), "[1].id"),
        build(
            "duplicates",
            "risers-twice",
            BUILD + "risers:\n  - {id: " + _a_riser() + "}\n  - {id: " + _a_riser() + "}\n",
            "risers[1].id",
        ),
        build("duplicates", "build-key-twice", BUILD + "cpu: ryzen-5-7600x\n", "cpu"),
    ]


def _a_riser() -> str:
    import yaml
    from bad_cases import REPO

    entries = yaml.safe_load((REPO / "catalog" / "risers" / "risers.yaml").read_text())
    return str(next(e["id"] for e in entries if e["riser_kind"] == "ribbon"))
