"""What a planner wants to see of a scenario before solving it: sites, hours, staff, credential coverage, demand."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd

from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.demand import expected_exams_by_site
from pds_plan.domain.model import Scenario
from pds_plan.errors import Problem

THIN_COVER = 2  # a PDS period with fewer available credentialed radiologists than this is fragile


@dataclass(frozen=True)
class ScenarioSummary:
    name: str
    start: str
    end: str
    days: int
    sites_by_kind: pd.DataFrame  # kind x (pds, not pds)
    sites_by_departement: pd.DataFrame
    per_site: pd.DataFrame  # one row per PDS site
    radiologists: int
    fte: float
    pds_periods: int
    pds_hours: float
    warnings: tuple[Problem, ...]


def thin_cover_periods(scenario: Scenario, periods: list[Period]) -> dict[str, int]:
    """Per site, how many of its PDS periods have fewer than two credentialed radiologists available that day."""
    thin: dict[str, int] = defaultdict(int)
    credentialed = {s.site_id: scenario.credentialed(s.site_id) for s in scenario.pds_sites}
    for period in periods:
        available = sum(
            1 for r in credentialed[period.site_id] if not scenario.is_unavailable(r.radiologist_id, period.date)
        )
        if available < THIN_COVER:
            thin[period.site_id] += 1
    return thin


def summarise(scenario: Scenario) -> ScenarioSummary:
    periods = build_calendar(scenario)
    exams = expected_exams_by_site(scenario, periods)
    thin = thin_cover_periods(scenario, periods)
    count = Counter(p.site_id for p in periods)
    hours: dict[str, float] = defaultdict(float)
    for period in periods:
        hours[period.site_id] += period.minutes / 60
    sites = pd.DataFrame(
        [{"site_id": s.site_id, "kind": s.kind, "departement": s.departement, "pds": s.pds} for s in scenario.sites]
    )
    by_kind = pd.crosstab(sites["kind"], sites["pds"].map({True: "PDS", False: "no PDS"}))
    by_departement = pd.crosstab(sites["departement"], sites["pds"].map({True: "PDS", False: "no PDS"}))
    per_site = pd.DataFrame(
        [
            {
                "site_id": site.site_id,
                "name": site.name,
                "kind": site.kind,
                "departement": site.departement,
                "pds_periods": count[site.site_id],
                "pds_hours": round(hours[site.site_id], 1),
                "credentialed": len(scenario.credentialed(site.site_id)),
                "periods_under_2_available": thin.get(site.site_id, 0),
                "expected_exams": round(exams.get(site.site_id, 0.0), 1),
            }
            for site in scenario.pds_sites
        ]
    )
    return ScenarioSummary(
        name=scenario.name,
        start=scenario.start.isoformat(),
        end=scenario.end.isoformat(),
        days=scenario.days,
        sites_by_kind=by_kind,
        sites_by_departement=by_departement,
        per_site=per_site,
        radiologists=len(scenario.radiologists),
        fte=round(sum(r.fte for r in scenario.radiologists), 2),
        pds_periods=len(periods),
        pds_hours=round(sum(p.minutes for p in periods) / 60, 1),
        warnings=scenario.warnings,
    )
