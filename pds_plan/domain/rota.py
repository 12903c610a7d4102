"""A rota: who is on call for which site in each PDS period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pds_plan.domain.calendar import Period
from pds_plan.domain.model import AvailabilityKind, PeriodKind, Points, Scenario


@dataclass(frozen=True, order=True)
class Assignment:
    date: dt.date
    period: PeriodKind
    site_id: str
    radiologist_id: str

    @property
    def key(self) -> tuple[dt.date, PeriodKind, str]:
        return (self.date, self.period, self.site_id)


FESTIVE_DAYS = {(12, 24), (12, 25), (12, 31), (1, 1)}


def period_points(period: Period, points: Points) -> int:
    """Weighted-load points of being on call in this period (heavier on weekends, holidays and festive days)."""
    value = points.of(period.kind)
    if period.holiday is not None:
        value += points.holiday_extra
    if period.kind is PeriodKind.NIGHT and (period.holiday is not None or period.date.weekday() >= 5):
        value += points.weekend_night_extra
    if (period.date.month, period.date.day) in FESTIVE_DAYS:
        value += points.festive_extra
    return value


def fair_share_weights(scenario: Scenario, radiologists: list[str]) -> dict[str, float]:
    """Each radiologist's share of the on-call load: FTE times the share of the horizon they are available."""
    weights = {}
    for r in radiologists:
        unavailable = sum(
            1 for day in scenario.days_marked(r, AvailabilityKind.UNAVAILABLE) if scenario.start <= day <= scenario.end
        )
        available = max(scenario.days - unavailable, 0) / scenario.days
        weights[r] = scenario.radiologist(r).fte * max(available, 0.05)
    return weights


@dataclass(frozen=True)
class Block:
    """Touching or overlapping periods of one radiologist, worked in one go."""

    radiologist_id: str
    periods: tuple[Period, ...]

    @property
    def start(self) -> dt.datetime:
        return min(p.start_utc for p in self.periods).astimezone(self.periods[0].start.tzinfo)

    @property
    def end(self) -> dt.datetime:
        return max(p.end_utc for p in self.periods).astimezone(self.periods[0].end.tzinfo)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(sorted({p.site_id for p in self.periods}))


def blocks_of(radiologist_id: str, periods: list[Period]) -> list[Block]:
    """Merge a radiologist's periods into blocks: a period starting before the running block ends joins it."""
    blocks: list[list[Period]] = []
    end: dt.datetime | None = None
    for period in sorted(periods, key=lambda p: (p.start_utc, p.site_id)):
        if end is not None and period.start_utc <= end:
            blocks[-1].append(period)
            end = max(end, period.end_utc)
        else:
            blocks.append([period])
            end = period.end_utc
    return [Block(radiologist_id, tuple(b)) for b in blocks]


def credential_groups(scenario: Scenario, radiologists: list[str]) -> dict[str, str]:
    """Each radiologist's group: radiologists are linked when they may be given a common PDS site
    (`Scenario.coverable_sites`).

    The group is named after its alphabetically first PDS site.
    """
    pds_sites = {s.site_id for s in scenario.pds_sites}
    parent = {site: site for site in pds_sites}

    def root(site: str) -> str:
        while parent[site] != site:
            parent[site] = parent[parent[site]]
            site = parent[site]
        return site

    for r in radiologists:
        sites = sorted(scenario.coverable_sites(r) & pds_sites)
        for other in sites[1:]:
            a, b = root(sites[0]), root(other)
            parent[max(a, b)] = min(a, b)
    groups = {}
    for r in radiologists:
        sites = sorted(scenario.coverable_sites(r) & pds_sites)
        groups[r] = min((root(s) for s in sites), default="")
    return groups
