"""Power limits only where they buy something: when the solve stopped before its last stage (the least
power-limiting among equal builds), or cards came at their lowest limits, raise the limits back as far as
the checker allows: first all cards together (identical cards end up alike), then one card at a time."""

from __future__ import annotations

from planner.check import check_build
from planner.data.facts import limit_levels
from planner.instance.resolve import Instance
from planner.schema import Gpu
from planner.schema.build import Build, GpuUse


def relax_limits(build: Build, inst: Instance) -> Build:
    """The build with its power limits raised to the highest levels at which it still passes every rule."""
    if not any(c.power_limit_w is not None for c in build.gpus):
        return build
    cat, req, rules = inst.catalog, inst.request, inst.rules
    if req.power_limit_levels:
        rules = rules.model_copy(
            update={"power_limits": rules.power_limits.model_copy(update={"levels": req.power_limit_levels})}
        )

    def gpu(card: GpuUse) -> Gpu:
        return cat.entries[card.id]  # type: ignore[return-value]

    def higher(card: GpuUse) -> list[float | None]:
        """The card's levels above its current limit, highest (None: its default power) first."""
        if card.power_limit_w is None:
            return []
        return [w for w in limit_levels(gpu(card), rules) if w is None or w > card.power_limit_w]

    def at_share(card: GpuUse, share: float) -> GpuUse:
        """The card at the highest of its higher levels within share x its default power."""
        cap = gpu(card).tdp_w * share + 0.5
        for watts in higher(card):
            if (watts or gpu(card).tdp_w) <= cap:
                return card.model_copy(update={"power_limit_w": watts})
        return card

    def holds(cards: list[GpuUse]) -> bool:
        return not check_build(build.model_copy(update={"gpus": tuple(cards)}), cat, req, rules)

    cards = list(build.gpus)
    for share in sorted({1.0, *rules.power_limits.levels}, reverse=True):
        trial = [at_share(c, share) for c in cards]
        if trial != cards and holds(trial):
            cards = trial
            break
    for k, card in enumerate(cards):
        for watts in higher(card):
            trial = [*cards[:k], card.model_copy(update={"power_limit_w": watts}), *cards[k + 1 :]]
            if holds(trial):
                cards = trial
                break
    return build.model_copy(update={"gpus": tuple(cards)})
