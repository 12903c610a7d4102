"""Build and solve the rota of a scenario."""

from __future__ import annotations

from collections.abc import Callable

from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.model import Scenario
from pds_plan.optimise.objective import SOFT_RULES, set_objective
from pds_plan.optimise.rota_model import Progress, RotaModel, SolveOptions, SolveOutcome, create_variables, solve_model
from pds_plan.optimise.rules import HARD_RULES
from pds_plan.optimise.windows import plan_windows


def build_rota_model(
    scenario: Scenario,
    explain: bool = False,
    objective: bool = True,
    carried: dict[str, int] | None = None,
    shares: dict[str, float] | None = None,
) -> RotaModel:
    plan = plan_windows(build_calendar(scenario), scenario.rules, scenario.points)
    if carried is None:
        carried = {r: round(points) for r, points in scenario.balances.items()}
    rota = RotaModel(scenario=scenario, plan=plan, explain=explain, carried=carried, shares=shares)
    create_variables(rota)
    for rule in HARD_RULES:
        rule(rota)
    if objective:
        for soft in SOFT_RULES:
            soft(rota)
        set_objective(rota)
    return rota


def solve_rota(
    scenario: Scenario, options: SolveOptions | None = None, on_progress: Callable[[Progress], None] | None = None
) -> SolveOutcome:
    """The optimised rota of a scenario (or the best found within the time limit)."""
    options = options or SolveOptions()
    return solve_model(build_rota_model(scenario), options, on_progress)
