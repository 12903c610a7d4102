"""A solve run, from a scenario to a checked rota with its figures: what `pds-plan solve` and notebooks call."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pds_plan.analysis.fairness import Fairness, fairness
from pds_plan.check import Violation, check_rota
from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.errors import InfeasibleError
from pds_plan.optimise.decompose import searched_whole, solve_by_month
from pds_plan.optimise.explain import explain_infeasibility, precheck
from pds_plan.optimise.fairness_floor import FairnessFloor, fairness_floor
from pds_plan.optimise.greedy import GreedyRota, greedy_rota
from pds_plan.optimise.rota_model import Progress, SolveOptions, SolveOutcome
from pds_plan.optimise.stages import StageRecord, build_staged_model, solve_stages

METHODS = ("cpsat", "greedy")
# Measured on the bundled quarters: solving the 90 days at once from the greedy rota gives fairer rotas in 30 s than
# month by month; longer horizons are solved month by month first (optimise/decompose.py).
DECOMPOSE_AFTER_DAYS = 120


@dataclass(frozen=True)
class RunResult:
    scenario: Scenario
    method: str
    options: SolveOptions
    assignments: tuple[Assignment, ...]
    violations: tuple[Violation, ...]
    fairness: Fairness
    greedy: GreedyRota
    greedy_fairness: Fairness
    greedy_violations: tuple[Violation, ...]
    outcome: SolveOutcome | None = None  # the CP-SAT outcome, for method "cpsat"
    build_seconds: float = 0.0
    fallback: str | None = None  # why the rota is not the solver's own, when it is not
    floor: FairnessFloor | None = None  # how even any rota of the scenario can be (optimise/fairness_floor.py)
    stages: tuple[StageRecord, ...] = ()  # the staged objective's stages, in solve order (optimise/stages.py)

    @property
    def status(self) -> str:
        if self.fallback is not None:
            return "GREEDY_FALLBACK"
        if self.outcome is not None:
            return self.outcome.status
        return "GREEDY_COMPLETE" if not self.greedy.uncovered else "GREEDY_INCOMPLETE"

    def summary(self) -> dict[str, Any]:
        outcome = self.outcome
        # The headline objective, bound and gap are the first stage's over the whole horizon, the one that proves a
        # bound (the largest load, in points); the later stages' and the months' are in "stages". A horizon solved
        # month by month and not polished as a whole has no bound over the whole horizon.
        first = next((s for s in self.stages if s.name == "largest_load" and s.part is None), None)
        staged = bool(self.stages)
        objective = first.objective if first else None if staged else outcome.objective if outcome else None
        bound = first.bound if first else None if staged else outcome.bound if outcome else None
        gap = first.gap if first else None if staged else outcome.gap if outcome else None
        summary: dict[str, Any] = {
            "scenario": self.scenario.name,
            "horizon": {"start": self.scenario.start.isoformat(), "end": self.scenario.end.isoformat()},
            "method": self.method,
            "status": self.status,
            "proven_optimal": bool(outcome and outcome.optimal and self.fallback is None),
            "note": self.fallback,
            "interrupted": bool(outcome and outcome.interrupted),
            "objective": objective,
            "best_bound": bound,
            "gap": round(gap, 6) if gap is not None else None,
            "gap_of": "largest_load" if first else None,
            "stages": [stage.as_dict() for stage in self.stages],
            "wall_time_seconds": round(outcome.wall_time, 3) if outcome else None,
            "model_build_seconds": round(self.build_seconds, 3),
            "first_solution_seconds": round(outcome.first_solution_time, 3)
            if outcome and outcome.first_solution_time is not None
            else None,
            "assignments": len(self.assignments),
            "fairness": self.fairness.as_dict(),
            "fairness_floor": self.floor.as_dict() if self.floor else None,
            "rule_check": {
                "violations": len(self.violations),
                "messages": [str(v) for v in self.violations[:50]],
            },
            "greedy_baseline": {
                "uncovered_periods": len(self.greedy.uncovered),
                "fairness": self.greedy_fairness.as_dict(),
                "rule_check_violations": len(self.greedy_violations),
            },
            "objective_breakdown": {
                rule: {
                    "terms": len(items),
                    "count": sum(count for _, count in items),
                    "examples": [f"{label}: {count}" for label, count in items[:10]],
                }
                for rule, items in (outcome.penalties.items() if outcome else [])
            },
            "solver_parameters": outcome.parameters if outcome else {"method": "greedy"},
            "model_size": outcome.model_size if outcome else {},
        }
        return summary


def floor_of(scenario: Scenario, outcome: SolveOutcome | None) -> FairnessFloor:
    """The fairness floor, unless the horizon was too large to be searched whole: its relaxation then takes longer
    than the search (62 s with COIN-OR CLP for a synthetic year of 60 sites and 250 radiologists, against a 30 s limit),
    and each month's stages keep the month's own bound."""
    if outcome is not None and not searched_whole(outcome):
        return FairnessFloor((), "not computed: the horizon is too large to search whole (see each month's stages)")
    return fairness_floor(scenario)


def solve(
    scenario: Scenario,
    options: SolveOptions | None = None,
    method: str = "cpsat",
    on_progress: Callable[[Progress], None] | None = None,
    explain_time_limit: float = 60.0,
) -> RunResult:
    """Build the rota of a scenario, check it independently and measure its fairness against the greedy baseline.

    Raises InfeasibleError with an explanation when no rota can satisfy every hard rule.
    """
    if scenario.turnaround_limits is None:
        # Without pools.csv the optimiser forms pools itself; they must keep the turnaround target. Imported here:
        # the simulation's imports are not needed by a scenario with pools.
        from pds_plan.analysis.pool_design import with_turnaround_limits

        scenario = with_turnaround_limits(scenario)
    called = time.monotonic()
    options = options or SolveOptions()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: expected one of {', '.join(METHODS)}")
    periods = build_calendar(scenario)
    reasons, suggestions = precheck(scenario, periods)
    if reasons:
        raise InfeasibleError(reasons, suggestions)
    greedy = greedy_rota(scenario)
    greedy_violations = tuple(check_rota(scenario, greedy.assignments))
    outcome = None
    build_seconds = 0.0
    fallback = None
    stages: tuple[StageRecord, ...] = ()
    if method == "greedy":
        assignments = greedy.assignments
    else:
        greedy_complete = not greedy_violations and not greedy.uncovered
        hint = list(greedy.assignments) if greedy_complete else options.hint
        outcome = None
        if scenario.days > DECOMPOSE_AFTER_DAYS:
            if on_progress is not None and greedy_complete:
                # A complete rota that keeps every rule exists from here on: Ctrl-C keeps the months searched and
                # the greedy rota of the others (optimise/decompose.py).
                on_progress(Progress(0, math.nan, 0.0, time.monotonic() - called, source="greedy"))
            decomposed = solve_by_month(scenario, options, on_progress)
            if decomposed is not None:
                outcome, stages = decomposed
        if outcome is None:
            started = time.monotonic()
            staged = build_staged_model(scenario)
            build_seconds = time.monotonic() - started
            outcome, stages = solve_stages(staged, options, scenario.stages, hint, on_progress)
        if outcome.status == "INFEASIBLE":
            words, advice = explain_infeasibility(scenario, time_limit=explain_time_limit)
            raise InfeasibleError(words or ["CP-SAT proved that no rota satisfies every hard rule"], advice)
        if outcome.found:
            assignments = outcome.assignments
        elif hint is not None:
            # Stopped (time limit or Ctrl-C) before CP-SAT found a rota of its own: keep the greedy one it started
            # from, which keeps every hard rule.
            assignments = greedy.assignments
            fallback = "greedy rota kept: the search stopped before finding a rota of its own"
        elif outcome.interrupted:
            raise KeyboardInterrupt  # Ctrl-C before any rota: nothing to keep
        else:
            raise InfeasibleError(
                [f"no rota found within {options.time_limit:g} s (solver status {outcome.status})"],
                ["allow more time with --time-limit"],
            )
    return RunResult(
        scenario=scenario,
        method=method,
        options=options,
        assignments=tuple(assignments),
        violations=tuple(check_rota(scenario, assignments)),
        fairness=fairness(scenario, assignments),
        greedy=greedy,
        greedy_fairness=fairness(scenario, greedy.assignments),
        greedy_violations=greedy_violations,
        outcome=outcome,
        build_seconds=build_seconds,
        fallback=fallback,
        floor=floor_of(scenario, outcome),
        stages=stages,
    )
