"""Expected exam demand of PDS periods, from the mean exams per period in volumes.csv."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pds_plan.domain.calendar import Period
from pds_plan.domain.model import PeriodKind, Scenario


def mean_exams_per_period(scenario: Scenario) -> dict[tuple[str, PeriodKind], float]:
    """Mean exams (all modalities) of one occurrence of each period kind at each site."""
    means: dict[tuple[str, PeriodKind], float] = defaultdict(float)
    for volume in scenario.volumes:
        means[(volume.site_id, volume.period)] += volume.mean_exams
    return dict(means)


def expected_exams_by_site(scenario: Scenario, periods: Iterable[Period]) -> dict[str, float]:
    """Expected exams of each site over the given periods: its mean per period kind times its periods."""
    means = mean_exams_per_period(scenario)
    totals: dict[str, float] = defaultdict(float)
    for period in periods:
        totals[period.site_id] += means.get((period.site_id, period.kind), 0.0)
    return dict(totals)
