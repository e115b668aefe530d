"""`--top K`: alternatives differ from each other in GPUs or board, come in order, say what they trade
against the best, and when fewer exist the result says why."""

from collections import Counter

from tiny import base_parts, board, gpu, make_catalog, request, rules

from planner.api import Problem, solve_problem

CARDS = [
    gpu("small", usd=200, memory_gb=12, cooling="blower"),
    gpu("mid", usd=400, memory_gb=24, cooling="blower"),
    gpu("big", usd=900, memory_gb=48, cooling="blower"),
]


def _solve(entries, top, **req):
    cat = make_catalog(entries)
    problem = Problem(cat, request(**req), rules())
    return problem, solve_problem(problem, top=top)


def _key(row):
    return Counter(g.id for g in row.build.gpus), row.build.board


def test_top_three_differ_are_ordered_and_say_what_they_trade():
    _, result = _solve([*base_parts(), *CARDS], 3, budget_usd=2000, objective=["vram", "cost"])
    builds = result.builds
    assert len(builds) == 3 and result.status == "optimal"
    keys = [_key(b) for b in builds]
    assert all(keys[i] != keys[j] for i in range(3) for j in range(i))
    vram = [b.vram_gb for b in builds]
    assert vram == sorted(vram, reverse=True)
    for row in builds:
        assert row.violations == []
    for row in builds[1:]:
        assert row.trade_off
        assert "GB less VRAM" in row.trade_off or "cheaper" in row.trade_off


def test_an_alternative_on_another_board_says_so():
    """Same cards fit a second, dearer board: the alternative names the board and the room it has."""
    slots = [{"position": p, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"} for p in (1, 3, 5, 7)]
    entries = [*base_parts(), board("board-b", usd=450, slots=slots), CARDS[2]]
    _, result = _solve(entries, 2, budget_usd=5000, objective=["vram", "cost"], require={"max_gpus": 1})
    alt = result.builds[1]
    assert alt.build.board == "board-b"
    assert "other platform (board-b): room for" in alt.trade_off


def test_fewer_alternatives_than_asked_say_why():
    _, result = _solve([*base_parts(), CARDS[0]], 5, budget_usd=1000, objective=["vram", "cost"])
    assert 1 <= len(result.builds) < 5
    assert any("meet every rule" in n for n in result.notes)
    assert all(row.violations == [] for row in result.builds)
