"""Hardware as people say it: one parser for flags, request files, recorded runs and measured-run names."""

import pytest

from planner.data.hardware import HardwareError, parse_hardware, split_count


@pytest.mark.parametrize(
    ("said", "key"),
    [
        ("rtx-3090", (("rtx-3090", 1),)),
        ("2x RTX 3090", (("rtx-3090", 2),)),
        ("3090:2", (("rtx-3090", 2),)),
        ("RTX 3090 x2", (("rtx-3090", 2),)),
        ("4090 x 2", (("rtx-4090", 2),)),
        ("M2 Ultra 192GB", (("mac-studio-m2-ultra-76c-192gb", 1),)),
        ("Apple M3 Ultra 96 GB", (("mac-studio-m3-ultra-60c-96gb", 1),)),
        ("EPYC 9355 + 2x RTX 4090", (("epyc-9355", 1), ("rtx-4090", 2))),
        ("2x RTX 3090 24GB + RTX 3090 Ti 24GB", (("rtx-3090", 2), ("rtx-3090-ti", 1))),
        ("RTX 3060", (("rtx-3060-12gb", 1),)),  # the Ti is another product, not a closer match
        ("RTX 4090", (("rtx-4090", 1),)),  # not the 4090 D
        ("AMD Ryzen AI Max+ 395 128GB", (("framework-desktop-ai-max-395-128gb", 1),)),
    ],
)
def test_hardware_as_people_say_it(catalog, said, key):
    assert parse_hardware(said, catalog).key() == tuple(sorted(key))


def test_the_label_parses_back_to_the_same_hardware(catalog):
    hw = parse_hardware(["2x RTX 3090", "EPYC 9355"], catalog)
    assert parse_hardware(hw.label(), catalog).key() == hw.key()


def test_same_chip_boxes_are_equivalents_not_rivals(catalog):
    item = parse_hardware("DGX Spark (GB10)", catalog).items[0]
    assert item.entry.id == "dgx-spark" and "ascent-gx10" in item.same_as


@pytest.mark.parametrize(
    ("said", "words"),
    [
        ("RTX 3900", "did you mean rtx-3090"),
        ("Apple M1", "did you mean mac-studio-m1-ultra"),  # an M1 is not an M1 Ultra
        ("M3 Ultra", "could be mac-studio-m3-ultra-60c-96gb"),
        ("RTX 3080", "add the memory"),
        ("M2 Ultra 128GB", "did you mean mac-studio-m2-ultra-76c-192gb"),
        ("", "no hardware named"),
        ("99x RTX 3090", "outside 1-64"),
    ],
)
def test_near_misses_and_ambiguity_say_what_to_write(catalog, said, words):
    with pytest.raises(HardwareError) as exc:
        parse_hardware(said, catalog)
    assert words in f"{exc.value.message} {exc.value.hint}"


def test_kinds_restrict_the_search(catalog):
    with pytest.raises(HardwareError):
        parse_hardware("M2 Ultra 192GB", catalog, kinds=("gpu",))


def test_counts_do_not_eat_product_names():
    assert split_count("GMKtec EVO-X2") == ("GMKtec EVO-X2", 1)
    assert split_count("3x RTX 3060 12GB") == ("RTX 3060 12GB", 3)


def test_estimate_flags_take_names_and_say_which_flag_fits(capsys):
    from planner.cli import run

    code = run(["estimate", "--gpu", "M2 Ultra 192GB", "--model", "llama-2-7b"])
    _, err = capsys.readouterr()
    assert code == 1 and "mac-studio-m2-ultra-76c-192gb is a system: give it with --system" in err
    code = run(["estimate", "--system", "M2 Ultra 192GB", "--model", "llama-2-7b", "--quant", "q4_0", "--json"])
    out, _ = capsys.readouterr()
    assert code == 0 and '"kind": "system"' in out
    code = run(["estimate", "--gpu", "3090:17", "--model", "llama-2-7b"])
    _, err = capsys.readouterr()
    assert code == 1 and "outside 1-16" in err
