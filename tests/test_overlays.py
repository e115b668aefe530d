"""User catalogue files add and replace parts; price lists override prices by id and condition."""

import pytest

from planner.data.catalog import load_catalog
from planner.data.load import InputError

USER_GPU = """\
- kind: gpu
  id: rtx-3090
  name: My RTX 3090 (water-cooled)
  vendor: NVIDIA
  source: my own measurements
  segment: consumer
  architecture: ampere
  year: 2020
  memory_gb: 24
  memory_type: GDDR6X
  bandwidth_gbs: 936
  fp16_tflops: 71
  fp16_basis: tensor-fp32-acc
  fp32_tflops: 35.6
  tdp_w: 350
  power: {pcie_8pin: 2}
  slot_width: 1
  length_mm: 250
  cooling: liquid
  pcie_gen: 4
  pcie_lanes: 16
  prices: [{usd: 1, date: 2026-11-01, condition: used}]
"""


def test_user_file_replaces_a_shipped_part(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(USER_GPU)
    cat = load_catalog(extra=[f])
    assert cat.get("rtx-3090").cooling == "liquid"
    assert cat.origins["rtx-3090"].file == str(f)


def test_user_file_adds_a_part(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(USER_GPU.replace("id: rtx-3090", "id: my-3090"))
    cat = load_catalog(extra=[tmp_path])
    assert "my-3090" in cat and cat.get("rtx-3090").cooling == "open-air"


def test_price_list_overrides_by_id_and_condition(tmp_path):
    f = tmp_path / "prices.yaml"
    f.write_text("- {id: rtx-3090, usd: 555, date: 2026-11-20, condition: used}\n")
    before = f.read_text()
    cat = load_catalog(prices=[f])
    used = cat.get("rtx-3090").price("used")
    assert (used.usd, str(used.date), used.basis) == (555, "2026-11-20", "user price list")
    assert f.read_text() == before


def test_price_list_with_unknown_id_is_an_error(tmp_path):
    f = tmp_path / "prices.yaml"
    f.write_text("- {id: rtx-3900, usd: 555, date: 2026-11-20, condition: used}\n")
    with pytest.raises(InputError) as err:
        load_catalog(prices=[f])
    assert (
        str(err.value)
        == f"{f}:1: [0].id: no part with id 'rtx-3900'. did you mean rtx-3090, rtx-3070, rtx-5090?"
    )
