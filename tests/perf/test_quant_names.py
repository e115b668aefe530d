"""Quant names: "_" and "." normalise to "-", EXL2 parses at any bitrate, unknown names suggest neighbours."""

from __future__ import annotations

import pytest
from perf_fixtures import quant

from planner.perf import QuantError, resolve_quant

KNOWN = {q.id: q for q in (quant("q4-0", 4.54), quant("q4-k-m", 4.84), quant("q8-0", 8.5))}


@pytest.mark.parametrize("name", ["q4_0", "Q4-0", "q4.0", " q4_0 "])
def test_spellings_of_q4_0(name: str) -> None:
    assert resolve_quant(name, KNOWN).id == "q4-0"


def test_exl2_at_any_bitrate() -> None:
    got = resolve_quant("exl2-4.65bpw", KNOWN)
    assert (
        got.family == "exl2" and got.bits_per_weight == pytest.approx(4.65) and got.backends == ("exllamav2",)
    )
    assert resolve_quant("EXL2_3bpw", KNOWN).bits_per_weight == 3.0


def test_unknown_name_lists_nearest() -> None:
    with pytest.raises(QuantError, match="q4-k-m"):
        resolve_quant("q4_k_x", KNOWN)
