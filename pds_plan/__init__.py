"""pds-plan: plan radiology out-of-hours cover (permanence des soins) across the hospitals of a French region.

The library is usable without the command line::

    from pds_plan import load_scenario, build_calendar, summarise
    scenario = load_scenario("scenarios/lorraine-2027q1.toml")
    periods = build_calendar(scenario)
"""

from pds_plan.analysis.summary import summarise
from pds_plan.bundled import bundled_scenarios, default_scenario
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
    "default_scenario",
    "load_scenario",
    "summarise",
]
