"""Owned parts in a request as people write them, and `owned: detect` from recorded tool outputs."""

import pytest
from test_detect import meminfo, replay

from planner.data import detect
from planner.data.inputs import load_request
from planner.data.load import InputError


def request(tmp_path, owned):
    path = tmp_path / "r.yaml"
    path.write_text(f"budget_usd: 3000\nowned: {owned}\n")
    return path


def owned(req):
    return [(o.id, o.count) for o in req.owned]


def test_strings_and_names_become_ids(tmp_path, catalog):
    req = load_request(
        request(tmp_path, '["2x RTX 3090", "EPYC 9355", {id: "RTX 4090", count: 1}]'), catalog
    ).request
    assert owned(req) == [("rtx-3090", 2), ("epyc-9355", 1), ("rtx-4090", 1)]


def test_a_near_miss_names_its_line_and_the_nearest(tmp_path, catalog):
    path = tmp_path / "r.yaml"
    path.write_text("budget_usd: 3000\nowned:\n  - rtx-3090\n  - 2x RTX 3900\n")
    with pytest.raises(InputError) as exc:
        load_request(path, catalog)
    assert str(exc.value).startswith(f"{path}:4: owned[1]: no GPU, system or CPU called 'RTX 3900'")
    assert "did you mean rtx-3090" in str(exc.value)


def test_owned_detect_reads_this_machine(tmp_path, catalog, monkeypatch, capsys):
    monkeypatch.setattr(
        detect,
        "run_command",
        replay({"nvidia-smi": "nvidia-smi-2x3090.csv", "lscpu": "lscpu-2x-epyc-9355.txt"}),
    )
    monkeypatch.setattr(detect, "read_text", meminfo)
    req = load_request(request(tmp_path, "detect"), catalog).request
    assert owned(req) == [("rtx-3090", 2), ("epyc-9355", 2)]
    assert "owned: detected: 2x NVIDIA GeForce RTX 3090" in capsys.readouterr().err


def test_owned_detect_with_nothing_found_is_bad_input(tmp_path, catalog, monkeypatch):
    monkeypatch.setattr(detect, "run_command", replay({}))
    monkeypatch.setattr(detect, "read_text", meminfo)
    with pytest.raises(InputError, match="detect found no catalogue hardware"):
        load_request(request(tmp_path, "detect"), catalog)
