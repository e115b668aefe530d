"""Price age: the month arithmetic, `catalog validate --max-price-age`, and the stale flag on parts."""

import datetime as dt
import re

import pytest

from planner.cli import run
from planner.data.catalog import is_stale, price_age_months, stale_prices
from planner.schema import Price


def price(date: str) -> Price:
    return Price(usd=100, date=dt.date.fromisoformat(date), condition="used")


@pytest.mark.parametrize(
    ("observed", "today", "months"),
    [
        ("2026-03-01", "2026-03-31", 0),
        ("2026-03-15", "2026-04-14", 0),
        ("2026-03-15", "2026-04-15", 1),
        ("2025-06-01", "2026-12-01", 18),
        ("2025-12-31", "2026-12-30", 11),
        ("2025-12-31", "2026-12-31", 12),
    ],
)
def test_price_age_counts_whole_months(observed, today, months):
    assert price_age_months(price(observed), dt.date.fromisoformat(today)) == months


def test_stale_means_older_than_the_limit():
    today = dt.date(2026, 12, 1)
    assert not is_stale(price("2025-12-01"), 12, today)
    assert is_stale(price("2025-11-30"), 12, today)
    assert not is_stale(price("2026-02-28"), 1, dt.date(2026, 3, 31))  # month ends clamp
    assert is_stale(price("2026-02-27"), 1, dt.date(2026, 3, 31))


def test_stale_prices_name_file_line_id_condition_date_and_age(catalog):
    today = dt.date(2026, 12, 1)
    problems = stale_prices(catalog, 12, today)
    assert problems, "the shipped catalogue has prices from before 2025-12"
    for p in problems:
        assert p.file.endswith(".yaml") and p.line
        assert re.fullmatch(r"[a-z0-9-]+\.prices\[\d\]", p.location)
        assert re.fullmatch(r"(new|used) price dated \d{4}-\d\d-\d\d is \d+ months old \(limit 12\)", p.message)
    # Nothing dated inside the limit is listed, everything older is.
    listed = {p.location for p in problems}
    for e in catalog.entries.values():
        for k, pr in enumerate(getattr(e, "prices", ())):
            assert (f"{e.id}.prices[{k}]" in listed) == (pr.date < dt.date(2025, 12, 1))


def test_validate_max_price_age_fails_with_one_line_per_stale_price(capsys, tmp_path):
    part = tmp_path / "old.yaml"
    part.write_text(
        "- kind: breakout\n  id: old-breakout\n  name: Old breakout\n  vendor: Test\n  source: test fixture\n"
        "  fits_families: [hp-common-slot]\n  connectors: {pcie_6pin: 2}\n  max_w: 500\n"
        "  prices:\n    - {usd: 10, date: 2001-01-01, condition: used}\n"
    )
    code = run(["catalog", "validate", str(part), "--max-price-age", "200"])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{part}:1: old-breakout.prices[0]: used price dated 2001-01-01 is")
    code = run(["catalog", "validate", str(part), "--max-price-age", "400"])
    assert code == 0 and "catalogue OK" in capsys.readouterr().out


def test_parts_rows_carry_a_stale_flag(catalog, default_rules):
    from planner.check import summarize
    from planner.schema.build import Build
    from planner.schema.request import Request

    rows = summarize(
        Build(system="mac-studio-m3-ultra-80c-512gb"), catalog, Request(budget_usd=20_000), default_rules
    ).parts
    system = catalog.get("mac-studio-m3-ultra-80c-512gb")
    assert [r.stale for r in rows] == [is_stale(system.price(rows[0].condition))]


def test_raised_wired_limit_is_used_only_when_asked(capsys):
    args = ["estimate", "--system", "mac-studio-m3-ultra-80c-512gb", "--model", "deepseek-r1", "--json"]
    assert run([*args, "--quant", "q4-k-m"]) == 3  # does not fit: exit 3
    default = capsys.readouterr().out
    assert run([*args, "--quant", "q4-k-m", "--raised-wired-limit"]) == 0
    raised = capsys.readouterr().out
    assert '"fits": false' in default and '"fits": true' in raised
    assert run(["estimate", "--gpu", "rtx-3090", "--raised-wired-limit"]) == 1
    assert "--raised-wired-limit" in capsys.readouterr().err


def test_raised_limit_needs_a_basis_and_stays_within_memory(catalog):
    from pydantic import ValidationError

    mac = catalog.get("mac-studio-m3-ultra-80c-512gb")
    assert mac.gpu_memory() == mac.gpu_memory_gb < mac.gpu_memory(raised=True) <= mac.memory_gb
    data = mac.model_dump()
    with pytest.raises(ValidationError, match="basis"):
        type(mac).model_validate({**data, "gpu_memory_raised_basis": ""})
    with pytest.raises(ValidationError, match="between"):
        type(mac).model_validate({**data, "gpu_memory_raised_gb": mac.memory_gb + 1})


def test_request_asks_for_the_raised_limit_through_the_workload(catalog, default_rules):
    from planner.check import summarize
    from planner.schema.build import Build
    from planner.schema.request import Request, Workload

    mac = catalog.get("mac-studio-m3-ultra-80c-512gb")
    build = Build(system=mac.id)

    def vram(raised: bool) -> float:
        wl = Workload(model="deepseek-r1", raised_wired_limit=raised)
        return summarize(build, catalog, Request(budget_usd=20_000, workload=wl), default_rules).vram_gb

    assert (vram(False), vram(True)) == (mac.gpu_memory_gb, mac.gpu_memory_raised_gb)
