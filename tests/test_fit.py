"""`planner fit`: every row is recomputed with the throughput model's public estimate, nothing that fits is
left out, rows come in the promised order, filters hold, and bad input is named (exit 1 / 3)."""

import json

import pytest

from planner import perf
from planner.cli import run
from planner.fit import LEGACY, QUALITY_BITS, Hardware, Options, fit, quants_for
from planner.schema.result import FitRecord

FAMILIES = ("qwen3", "llama-3", "gpt-oss", "deepseek-r1")


def call(capsys, *args):
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def two_3090s(catalog):
    card = catalog.get("rtx-3090", "gpu")
    return Hardware(devices=perf.device_from_gpu(card) * 2, gpus=[card, card])


def _estimate(catalog, hw, r: FitRecord):
    wl = perf.Workload(
        model=catalog.get(r.model),
        quant=catalog.get(r.quant),
        prompt=512,
        generate=128,
        context=r.context,
        backend=r.backend,
    )
    return perf.estimate(hw.devices, wl, hw.host)


def test_every_row_fits_and_its_figures_are_the_models(catalog, two_3090s):
    rows = fit(catalog, two_3090s, Options(families=FAMILIES, all_quants=True))
    assert len(rows) > 50
    for r in rows:
        est = _estimate(catalog, two_3090s, r)
        assert est.fits and not est.errors, (r.model, r.quant)
        assert r.decode_tokens_per_s == pytest.approx(est.decode_tokens_per_s, abs=0.051)
        assert r.decode_tokens_per_s_conservative == pytest.approx(est.decode_conservative, abs=0.051)
        assert r.prefill_tokens_per_s_conservative == pytest.approx(est.prefill_conservative, abs=0.051)
        assert r.evidence == est.evidence
        assert r.max_context == est.max_context >= r.context >= 4096 or r.max_context == r.context


def test_nothing_that_fits_is_left_out(catalog, two_3090s):
    shown = {(r.model, r.quant) for r in fit(catalog, two_3090s, Options(families=FAMILIES, all_quants=True))}
    quants = catalog.of_kind("quant")
    checked = 0
    for model in catalog.of_kind("llm"):
        if model.family not in FAMILIES and not model.family.startswith(tuple(f + "-" for f in FAMILIES)):
            continue
        for quant in quants_for(model, quants, "llama.cpp"):
            context = min(4096, model.max_context)
            wl = perf.Workload(model=model, quant=quant, prompt=512, generate=128, context=context)
            est = perf.estimate(two_3090s.devices, wl)
            assert (est.fits and not est.errors) == ((model.id, quant.id) in shown), (model.id, quant.id)
            checked += 1
    assert checked > 100


def test_model_specific_quants_only_for_their_models(catalog):
    quants = catalog.of_kind("quant")
    llama = catalog.get("llama-3-3-70b")
    assert not [
        q.id for q in quants_for(llama, quants, "llama.cpp") if q.id.startswith("ud-") or q.id == "mxfp4"
    ]
    assert [q.id for q in quants_for(catalog.get("gpt-oss-120b"), quants, "llama.cpp")] == ["mxfp4"]
    assert "ud-iq1-s" in [q.id for q in quants_for(catalog.get("deepseek-r1"), quants, "llama.cpp")]


def test_default_order_and_the_quant_shown_per_model(catalog, two_3090s):
    every = fit(catalog, two_3090s, Options(all_quants=True))
    rows = fit(catalog, two_3090s, Options())
    assert len({r.model for r in rows}) == len(rows) == len({r.model for r in every})
    usable = [r.usable for r in rows]
    assert usable == sorted(usable, reverse=True)  # usable rows first
    sizes = [r.params_b for r in rows if r.usable]
    assert sizes == sorted(sizes, reverse=True)  # then the largest model first
    for r in rows:
        mine = [o for o in every if o.model == r.model and o.usable and o.offload == "none"]
        mine = [o for o in mine if o.bits_per_weight <= QUALITY_BITS]
        if r.usable and mine:
            # k- and i-quants before llama.cpp's legacy types, then the most bits
            best = max(mine, key=lambda o: (o.quant not in LEGACY, o.bits_per_weight))
            assert (r.quant, r.bits_per_weight) == (best.quant, best.bits_per_weight), r.model


def test_filters(catalog, two_3090s):
    rows = fit(catalog, two_3090s, Options(min_tps=30, context=16384, families=("qwen3", "llama")))
    assert rows
    for r in rows:
        assert r.decode_tokens_per_s_conservative >= 30 and r.usable
        assert r.context == 16384 <= r.max_context
        assert r.family == "qwen3" or r.family.startswith(("qwen3-", "llama-"))


def test_a_mac_and_a_cpu(catalog):
    mac = catalog.get("mac-studio-m3-ultra-80c-512gb", "system")
    rows = fit(catalog, Hardware(devices=[perf.device_from_system(mac)], system=mac), Options())
    assert rows[0].params_b > 600 and rows[0].runtime == "llama.cpp/metal"
    assert {r.evidence for r in rows} <= {"measured", "family"}  # Apple M3 Ultras are in the calibration runs
    epyc = catalog.get("epyc-9654", "cpu")
    cpu = Hardware(host=perf.device_from_cpu(epyc, 384), cpu=epyc)
    rows = fit(catalog, cpu, Options(families=("llama-3",)))
    assert rows and all(r.runtime == "llama.cpp/cpu" and " -ngl 0 " in r.launch for r in rows)


def test_cli_json_is_a_list_of_typed_records(capsys):
    code, out, _ = call(capsys, "fit", "--gpu", "rtx-3090:2", "--family", "llama-3", "--json")
    rows = [FitRecord.model_validate(r) for r in json.loads(out)]
    assert code == 0 and rows and all(r.launch.startswith("llama-server -m ") for r in rows)


def test_cli_report_names_hardware_stack_and_launch(capsys):
    code, out, _ = call(capsys, "fit", "--gpu", "rtx-3090:2", "--min-tps", "20")
    assert code == 0
    assert out.startswith("What runs on 2 x NVIDIA GeForce RTX 3090")
    assert "software: llama.cpp on CUDA" in out and "launch the first: llama-server" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--gpu", "rtx-309:2"), "did you mean rtx-3090"),
        (("--gpu", "rtx-3090:x"), "did you mean rtx-3090"),
        (("--gpu", "rtx-3090", "--system", "dgx-spark"), "both given"),
        (("--gpu", "rtx-3090", "--backend", "vlm"), "did you mean vllm"),
        (("--gpu", "rtx-3090", "--family", "lama"), "did you mean llama"),
        (("--gpu", "rtx-3090", "--ram-gb", "64"), "needs --cpu"),
        (("--system", "mac-studio", "--cpu", "epyc-9654"), "brings its own CPU"),
        (("--gpu", "rtx-3090", "--context", "0"), "not within"),
        (("--build", "no-such-build.yaml"), "no-such-build.yaml"),
    ],
)
def test_bad_input_exits_1_with_the_fix(capsys, args, message):
    code, out, err = call(capsys, "fit", *args)
    assert code == 1 and out == "" and message in err and "Traceback" not in err


def test_no_hardware_reads_this_machine_and_says_so(capsys, monkeypatch):
    def absent(*args, **kwargs):
        raise FileNotFoundError  # no nvidia-smi, rocm-smi, system_profiler or lscpu, no /proc

    monkeypatch.setattr("planner.data.detect.run_command", absent)
    monkeypatch.setattr("planner.data.detect.read_text", absent)
    code, out, err = call(capsys, "fit")
    assert code == 1 and out == "" and "none detected on this machine" in err and "give --gpu" in err


def test_hardware_as_people_say_it_and_a_measured_tier(capsys):
    code, out, _ = call(capsys, "fit", "--gpu", "2x RTX 3090", "--family", "llama-3", "--json")
    assert code == 0 and json.loads(out)
    code, out, _ = call(capsys, "fit", "--gpu", "rtx-4090", "--family", "llama-2", "--all-quants", "--json")
    rows = {(r["model"], r["quant"]): r for r in json.loads(out)}
    # The calibration set has llama-bench runs on an RTX 4090 under CUDA: every row rests on them.
    assert code == 0 and {r["evidence"] for r in rows.values()} == {"measured"}
    assert "NVIDIA GeForce RTX 4090 on llama.cpp/cuda: measured" in rows["llama-2-7b", "q4-0"]["evidence_basis"]


def test_nothing_fitting_exits_3(capsys):
    code, _, err = call(capsys, "fit", "--gpu", "gtx-1070", "--min-tps", "5000")
    assert code == 3 and "nothing fits" in err


BUILD = """board: romed8-2t
cpu: epyc-7302p
memory: {{id: samsung-32gb-ddr4-3200-rdimm, count: 8}}
chassis: veddha-6-gpu-frame
psus:
  - {{id: {psu}}}
  - {{id: hp-1200w-cs-platinum-pl30, breakout: zsx-breakout-hp-common-slot}}
gpus:
  - {{id: rtx-3090, slot: 1, mount: riser, psu: 1}}
  - {{id: rtx-3090, slot: 2, mount: riser, psu: {second}}}
risers: [{{id: linkup-ultra-pcie4-x16-20cm, count: 2}}]
"""


def test_build_file_its_cards_and_host_or_its_broken_rules(capsys, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(BUILD.format(psu="hx1500i-2023", second=2))
    code, out, _ = call(capsys, "fit", "--build", str(good), "--family", "llama-3", "--json")
    rows = json.loads(out)
    assert code == 0 and {r["model"] for r in rows} == {"llama-3-8b", "llama-3-70b"}
    weak = tmp_path / "weak.yaml"
    weak.write_text(BUILD.format(psu="rm850x-2021", second=1))  # both cards on one 850 W PSU
    code, out, err = call(capsys, "fit", "--build", str(weak))
    assert code == 3 and out == "" and "power within PSU capacity: PSU 1" in err and "planner check" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(BUILD.format(psu="hx1500i-2023", second=3))  # a PSU the build does not have
    code, out, err = call(capsys, "fit", "--build", str(bad))
    assert code in (1, 3) and out == "" and "bad.yaml" in err and "Traceback" not in err


def test_model_specific_quants_must_name_real_models(tmp_path):
    from planner.data.catalog import load_catalog
    from planner.data.load import InputError

    mix = tmp_path / "mix.yaml"
    mix.write_text(
        "- {kind: quant, id: my-mix, name: My mix, vendor: Me, source: my own files, family: gguf,"
        " bits_per_weight: 2.1, bits_basis: file size over parameters, backends: [llama.cpp],"
        " models: [deepseek-r2]}\n"
    )
    with pytest.raises(
        InputError, match=r"my-mix.models: no llm with id 'deepseek-r2'. did you mean deepseek-r1"
    ):
        load_catalog(extra=[mix])
