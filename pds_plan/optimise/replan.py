"""Replanning a published rota: the fewest changed assignments first, then the fewest radiologists affected, then
fairness (docs/rules.md, "Replanning").

Everything before the first replanned date stays exactly as published: its assignment variables are fixed, so the
hard rules still see it (a night published on the eve of the first date constrains the rest rule after it). From
that date on, every published assignment the new rota does not keep is a change. The objective is lexicographic,
solved in stages as OR-Tools' maintainers advise for "which objective first": minimise the changes (their count is
proven minimal when CP-SAT proves the stage optimal); then, with the changes held to that count, minimise the
radiologists whose duties change; then, with both held, the rota's usual objective (fairness, requests, stable
pools, home site). Each stage starts from the previous stage's rota.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.optimise.objective import set_objective
from pds_plan.optimise.rota_model import Progress, RotaModel, SolveOptions, SolveOutcome, solve_model
from pds_plan.optimise.solve import build_rota_model

# Shares of the time limit given to each stage: proving the fewest changes matters most, then fairness.
STAGE_SHARES = (("fewest changes", 0.4), ("fewest radiologists affected", 0.2), ("fairness", 0.4))


@dataclass(frozen=True)
class Stage:
    name: str
    status: str
    objective: float | None
    bound: float | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class ReplanOutcome:
    status: str  # INFEASIBLE when no rota keeps every rule with the published part frozen; else the last stage's
    assignments: tuple[Assignment, ...]
    changes: int | None  # changed assignments from the first replanned date on
    changes_proven_minimal: bool
    radiologists_affected: int | None
    stages: tuple[Stage, ...]
    interrupted: bool = False


def freeze_published(rota: RotaModel, published: Iterable[Assignment], before: dt.date) -> None:
    """Every slot dated before `before` keeps its published radiologist."""
    kept = {(a.radiologist_id, a.key) for a in published if a.date < before}
    for (r, slot), var in rota.x.items():
        period = rota.plan.slots[slot]
        if period.date < before:
            rota.model.add(var == int((r, period.key) in kept))


def changed_assignments(rota: RotaModel, published: Iterable[Assignment], start: dt.date) -> Any:
    """The number of published assignments from `start` on that the rota does not keep (a published radiologist
    now unavailable is a change the rota cannot avoid: a constant)."""
    slot_of = {period.key: slot for slot, period in enumerate(rota.plan.slots)}
    forced = 0
    kept: list[Any] = []
    for a in published:
        if a.date < start or a.key not in slot_of:
            continue
        var = rota.x.get((a.radiologist_id, slot_of[a.key]))
        if var is None:
            forced += 1
        else:
            kept.append(var)
    return len(kept) - sum(kept) + forced


def affected_radiologists(rota: RotaModel, published: Iterable[Assignment], start: dt.date) -> Any:
    """The number of radiologists who lose or gain a duty from `start` on (one now unavailable for a published duty
    has lost it whatever the rota: a constant)."""
    slot_of = {period.key: slot for slot, period in enumerate(rota.plan.slots)}
    mine = {(a.radiologist_id, a.key) for a in published if a.date >= start}
    forced = {r for r, key in mine if key in slot_of and (r, slot_of[key]) not in rota.x}
    touched: dict[str, list[Any]] = {}
    for (r, slot), var in rota.x.items():
        period = rota.plan.slots[slot]
        if period.date < start or r in forced:
            continue
        # A published duty not kept (1 - var), or a new one (var), touches its radiologist.
        touched.setdefault(r, []).append(1 - var if (r, period.key) in mine else var)
    affected = []
    for r, events in sorted(touched.items()):
        flag = rota.model.new_bool_var(f"affected[{r}]")
        for event in events:
            rota.model.add(flag >= event)
        affected.append(flag)
    return sum(affected) + len(forced)


def replan_rota(
    scenario: Scenario,
    published: Iterable[Assignment],
    start: dt.date,
    options: SolveOptions | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> ReplanOutcome:
    """The published rota replanned from `start` under `scenario` (which carries the new absences)."""
    options = options or SolveOptions()
    published = tuple(published)
    rota = build_rota_model(scenario)
    freeze_published(rota, published, start)
    changes = changed_assignments(rota, published, start)
    affected = affected_radiologists(rota, published, start)
    stages: list[Stage] = []
    hint = [a for a in published if not scenario.is_unavailable(a.radiologist_id, a.date)]
    best: SolveOutcome | None = None
    changes_value: int | None = None
    affected_value: int | None = None
    proven = False
    for number, (name, share) in enumerate(STAGE_SHARES):
        if number == 0:
            rota.model.minimize(changes)
        elif number == 1:
            rota.model.minimize(affected)
        else:
            set_objective(rota)
        # Stages 1 and 2 need CP-SAT's proofs (the whole portfolio); the last improves the rota it is given.
        stage_options = replace(
            options, time_limit=max(1.0, options.time_limit * share), hint=hint, deterministic=number == 2
        )
        started = time.monotonic()
        outcome = solve_model(rota, stage_options, on_progress)
        stages.append(Stage(name, outcome.status, outcome.objective, outcome.bound, time.monotonic() - started))
        if not outcome.found:
            if number == 0:
                status = "INFEASIBLE" if outcome.status == "INFEASIBLE" else outcome.status
                return ReplanOutcome(status, (), None, False, None, tuple(stages), outcome.interrupted)
            break  # keep the previous stage's rota, which meets every held stage
        best = outcome
        hint = list(outcome.assignments)
        value = round(outcome.objective or 0)
        if number == 0:
            changes_value, proven = value, outcome.optimal
            rota.model.add(changes <= value)
        elif number == 1:
            affected_value = value
            rota.model.add(affected <= value)
        if outcome.interrupted:
            break
    assert best is not None
    return ReplanOutcome(
        status=best.status if len(stages) == len(STAGE_SHARES) else "FEASIBLE",
        assignments=best.assignments,
        changes=changes_value,
        changes_proven_minimal=proven,
        radiologists_affected=affected_value,
        stages=tuple(stages),
        interrupted=best.interrupted,
    )
