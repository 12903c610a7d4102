"""Tiny hand-made scenarios and a harness that builds a CP-SAT model holding only the rules under test.

OR-Tools has no constraint verifier (docs/rules.md "Hard rules"), so each rule is tested on a model holding only
that rule, with a few literals fixed, asserting feasible / infeasible (or the exact penalty of a soft rule).

The helpers are fixtures (`make`, `harness`) rather than importable functions: the test folders have no
`__init__.py`, so a test module cannot import its conftest reliably.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest
from ortools.sat.python import cp_model

from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.model import (
    Availability,
    AvailabilityKind,
    PeriodKind,
    Radiologist,
    Reading,
    Rules,
    Scenario,
    Site,
    Volume,
)
from pds_plan.optimise.rota_model import RotaModel, create_variables
from pds_plan.optimise.windows import plan_windows

# A plain week of January 2027 in Meurthe-et-Moselle (54): no public holiday from Monday 4 to Sunday 17.
MONDAY = dt.date(2027, 1, 4)


HAND_MADE_READING = Reading(
    minutes=(("CT", 15.0), ("MRI", 20.0), ("US", 10.0), ("XR", 5.0)),
    overhead_minutes=3.0,
    read_on_call=(("CT", 1.0), ("MRI", 1.0), ("US", 1.0), ("XR", 1.0)),
)


class Maker:
    """Builds scenarios directly from the domain dataclasses, no files."""

    def site(self, site_id: str, departement: str = "54", pds: bool = True) -> Site:
        return Site(
            site_id=site_id,
            name=f"site {site_id}",
            kind="CH",
            departement=departement,
            lat=48.7,
            lon=6.2,
            modalities=("CT", "XR"),
            emergency=True,
            pds=pds,
        )

    def radiologist(self, radiologist_id: str, sites: Iterable[str], fte: float = 1.0, home: str = "") -> Radiologist:
        sites = frozenset(sites)
        return Radiologist(
            radiologist_id=radiologist_id,
            name=f"Dr {radiologist_id}",
            home_site=home or min(sites),
            fte=fte,
            sites=sites,
        )

    def unavailable(self, radiologist_id: str, first: dt.date, last: dt.date | None = None) -> Availability:
        return Availability(radiologist_id, first, last or first, AvailabilityKind.UNAVAILABLE)

    def request(self, radiologist_id: str, kind: AvailabilityKind, first: dt.date, last: dt.date | None = None):
        return Availability(radiologist_id, first, last or first, kind)

    def night_volume(self, site_id: str, ct_exams: float) -> Volume:
        """CT exams per night: (15 + 3) min each over 14 h, times the 1.8 peak factor = 2.314 min per hour per exam."""
        return Volume(site_id, "CT", PeriodKind.NIGHT, ct_exams)

    def scenario(
        self,
        sites: Iterable[str | Site] = ("A", "B"),
        radiologists: Mapping[str, Iterable[str]] | Iterable[Radiologist] | None = None,
        start: dt.date = MONDAY,
        days: int = 7,
        rules: Mapping[str, Any] | None = None,
        **changes: Any,
    ) -> Scenario:
        """A scenario from Monday 4 January 2027 for `days` days; `radiologists` maps an id to its credentials.

        By default three radiologists: R1 and R2 read for every site, R3 for the first site only. A CT takes 15 + 3
        reading minutes, every exam read on call (HAND_MADE_READING), whatever the package's defaults become.
        """
        changes.setdefault("reading", HAND_MADE_READING)
        site_objects = tuple(s if isinstance(s, Site) else self.site(s) for s in sites)
        ids = [s.site_id for s in site_objects]
        if radiologists is None:
            radiologists = {"R1": ids, "R2": ids, "R3": ids[:1]}
        if isinstance(radiologists, Mapping):
            staff = tuple(self.radiologist(r, credentials) for r, credentials in radiologists.items())
        else:
            staff = tuple(radiologists)
        return Scenario(
            name="hand-made",
            start=start,
            end=start + dt.timedelta(days=days - 1),
            sites=site_objects,
            radiologists=staff,
            rules=dataclasses.replace(Rules(), **(rules or {})),
            **changes,
        )


class Harness:
    """A RotaModel holding only the given rule functions, with helpers to fix literals and solve."""

    def __init__(self, scenario: Scenario, rules: Iterable[Callable[[RotaModel], None]], explain: bool = False):
        self.scenario = scenario
        plan = plan_windows(build_calendar(scenario), scenario.rules, scenario.points)
        self.rota = RotaModel(scenario=scenario, plan=plan, explain=explain)
        create_variables(self.rota)
        for rule in rules:
            rule(self.rota)
        self.slot_of = {period.key: slot for slot, period in enumerate(plan.slots)}
        self.solver: cp_model.CpSolver | None = None

    @property
    def model(self) -> cp_model.CpModel:
        return self.rota.model

    def slot(self, date: dt.date, kind: PeriodKind, site: str) -> int:
        return self.slot_of[(date, kind, site)]

    def has(self, r: str, date: dt.date, kind: PeriodKind, site: str) -> bool:
        return (r, self.slot(date, kind, site)) in self.rota.x

    def x(self, r: str, date: dt.date, kind: PeriodKind, site: str) -> cp_model.IntVar:
        return self.rota.x[(r, self.slot(date, kind, site))]

    def fix(self, r: str, date: dt.date, kind: PeriodKind, site: str, value: int = 1) -> Harness:
        self.model.add(self.x(r, date, kind, site) == value)
        return self

    def assign(self, rota: Mapping[tuple[dt.date, PeriodKind, str], str]) -> Harness:
        """Fix every x: the given reader of each listed slot, nobody anywhere else."""
        for (r, slot), var in self.rota.x.items():
            self.model.add(var == int(rota.get(self.rota.plan.slots[slot].key) == r))
        return self

    def status(self, minimise: bool = False) -> str:
        if minimise:
            self.model.minimize(sum(p.weight * p.expression for p in self.rota.penalties))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 20.0
        self.solver = solver
        return solver.status_name(solver.solve(self.model))

    def feasible(self) -> bool:
        status = self.status()
        assert status in {"OPTIMAL", "FEASIBLE", "INFEASIBLE"}, status
        return status != "INFEASIBLE"

    def penalty_values(self) -> dict[str, int]:
        """Minimise the soft rules' weighted sum, then each rule's total weighted penalty."""
        assert self.status(minimise=True) == "OPTIMAL"
        assert self.solver is not None
        totals: dict[str, int] = {}
        for p in self.rota.penalties:
            totals[p.rule] = totals.get(p.rule, 0) + p.weight * int(self.solver.value(p.expression))
        return totals


@pytest.fixture
def make() -> Maker:
    return Maker()


@pytest.fixture
def harness() -> Callable[..., Harness]:
    return Harness
