"""Expected exam demand of PDS periods, from the mean exams per period in volumes.csv."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pds_plan.domain.calendar import Period
from pds_plan.domain.model import PdsHours, PeriodKind, Scenario


def mean_exams_per_period(scenario: Scenario) -> dict[tuple[str, PeriodKind], float]:
    """Mean exams (all modalities) of one occurrence of each period kind at each site."""
    means: dict[tuple[str, PeriodKind], float] = defaultdict(float)
    for volume in scenario.volumes:
        means[(volume.site_id, volume.period)] += volume.mean_exams
    return dict(means)


def read_on_call_per_period(scenario: Scenario) -> dict[tuple[str, PeriodKind], float]:
    """Mean exams of one occurrence of each period kind at each site that the radiologist on call reads then
    (`Reading.read_on_call_share`); the others are reported the next day."""
    means: dict[tuple[str, PeriodKind], float] = defaultdict(float)
    for volume in scenario.volumes:
        means[(volume.site_id, volume.period)] += volume.mean_exams * scenario.reading.read_on_call_share(
            volume.modality
        )
    return dict(means)


def expected_exams_by_site(scenario: Scenario, periods: Iterable[Period]) -> dict[str, float]:
    """Expected exams of each site over the given periods: its mean per period kind times its periods."""
    means = mean_exams_per_period(scenario)
    totals: dict[str, float] = defaultdict(float)
    for period in periods:
        totals[period.site_id] += means.get((period.site_id, period.kind), 0.0)
    return dict(totals)


def reading_minutes_per_period(scenario: Scenario) -> dict[tuple[str, PeriodKind], float]:
    """Expected minutes the radiologist on call spends reading (overhead included) during one occurrence of each
    period kind at each site: only the exams read on call (`Reading.read_on_call_share`) count."""
    reading = scenario.reading
    minutes: dict[tuple[str, PeriodKind], float] = defaultdict(float)
    for volume in scenario.volumes:
        minutes[(volume.site_id, volume.period)] += (
            volume.mean_exams * reading.read_on_call_share(volume.modality) * reading.minutes_per_exam(volume.modality)
        )
    return dict(minutes)


def nominal_hours(hours: PdsHours) -> dict[PeriodKind, float]:
    """Wall-clock length of each period kind (the nights of the daylight-saving changes are not special here)."""
    lengths = {}
    for kind in PeriodKind:
        start, end = hours.of(kind)
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        lengths[kind] = (minutes if minutes > 0 else minutes + 24 * 60) / 60
    return lengths


def peak_reading_minutes_per_hour(scenario: Scenario) -> dict[tuple[str, PeriodKind], float]:
    """Reading minutes arriving in the peak hour of each site's period kind: the average hour times the peak factor.

    Each period kind spreads its exams over its own nominal hours (a 6-hour Saturday afternoon, a 14-hour night).
    """
    lengths = nominal_hours(scenario.hours)
    return {
        key: minutes / lengths[key[1]] * scenario.reading.peak_factor
        for key, minutes in reading_minutes_per_period(scenario).items()
    }
