"""pds-plan: plan radiology out-of-hours cover (permanence des soins) across the hospitals of a French region.

The library is usable without the command line::

    from pds_plan import load_scenario, build_calendar, summarise, solve, check_rota
    scenario = load_scenario("scenarios/lorraine-2027q1.toml")
    periods = build_calendar(scenario)
    result = solve(scenario)          # pds_plan.runs.RunResult: rota, check, fairness, greedy baseline
    design = design_pools(scenario)   # pools one radiologist can read within 30 minutes; design.with_pools()
"""

from typing import Any

from pds_plan.analysis.summary import summarise
from pds_plan.bundled import bundled_scenarios, default_scenario
from pds_plan.check import check_rota
from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.model import Scenario
from pds_plan.errors import InputError, PdsPlanError, Problem
from pds_plan.io.scenario import load_scenario

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "PdsPlanError",
    "Period",
    "Problem",
    "Scenario",
    "build_calendar",
    "bundled_scenarios",
    "check_rota",
    "default_scenario",
    "design_pools",
    "load_scenario",
    "solve",
    "summarise",
]


def __getattr__(name: str) -> Any:
    # The optimiser (OR-Tools) is loaded on first use only: reading and checking rotas does not need it.
    if name == "solve":
        from pds_plan.runs import solve

        return solve
    if name == "design_pools":
        from pds_plan.analysis.pool_design import design_pools

        return design_pools
    raise AttributeError(f"module 'pds_plan' has no attribute {name!r}")
