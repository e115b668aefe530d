"""How loud the machine may be (site.noise), and rack gear only where the request allows racks."""

from __future__ import annotations

from planner.model.core import BuildModel


def quiet_parts(bm: BuildModel) -> None:
    """A quiet machine: ATX PSUs only, no rack chassis or GPU servers, no passive datacentre cards.

    Server PSUs scream under load and need breakout boards; rack gear has 40 mm fans; passive cards
    need server airflow or blower shrouds. One guarded rule, explained as "allow a louder machine".
    """
    inst, m, g = bm.inst, bm.m, bm.gpus
    if inst.request.site.noise != "quiet":
        return
    loud = [
        v
        for per_j in bm.psus.u
        for k, per_k in enumerate(per_j)
        for v in per_k
        if inst.psus[k].entry.form != "atx" or inst.psus[k].breakout is not None
    ]
    loud += [c for c, h in zip(bm.chassis, inst.chassis, strict=True) if h.entry.chassis_kind == "rack"]
    loud.append(bm.server_sel)
    loud += [g.n[i] for i in range(len(inst.gpus)) if g.entry(i).cooling == "passive"]
    bm.enforce("noise", [m.Add(sum(loud) == 0)], measure="noise")
