"""The PDS calendar: every PDS period of every PDS site over a scenario's horizon.

PDS time is every night, Saturday afternoon, Sunday and public holiday (arrêté du 30 avril 2003, art. 1). Public
holidays depend on the site's département: Moselle (57), Bas-Rhin and Haut-Rhin (67, 68) add Good Friday and
26 December (docs/rules.md "Public holidays by département"). Date-times are local Europe/Paris wall-clock times;
durations are computed in UTC so that the nights of the daylight-saving changes last 13 h and 15 h as they really
do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from pds_plan.domain.model import PdsHours, PeriodKind, Scenario, Site

PARIS = ZoneInfo("Europe/Paris")

SATURDAY = 5
SUNDAY = 6


@dataclass(frozen=True)
class Period:
    """One PDS period of one site: the unit the rota assigns a radiologist to (a *slot*)."""

    site_id: str
    date: dt.date
    kind: PeriodKind
    start: dt.datetime  # aware, Europe/Paris
    end: dt.datetime  # aware, Europe/Paris, exclusive
    holiday: str | None = None  # the public holiday's name when the date is one for this site

    @property
    def start_utc(self) -> dt.datetime:
        return self.start.astimezone(dt.UTC)

    @property
    def end_utc(self) -> dt.datetime:
        return self.end.astimezone(dt.UTC)

    @property
    def minutes(self) -> int:
        return int((self.end_utc - self.start_utc).total_seconds() // 60)

    @property
    def key(self) -> tuple[dt.date, PeriodKind, str]:
        return (self.date, self.kind, self.site_id)


@cache
def _holidays_of(subdivision: str | None, year: int) -> dict[dt.date, str]:
    return dict(holidays.France(subdiv=subdivision, years=year, language="fr").items())


def public_holidays(site: Site, years: Iterable[int]) -> dict[dt.date, str]:
    """The site's public holidays (name in French) in the given years, its département's extras included."""
    found: dict[dt.date, str] = {}
    for year in years:
        found.update(_holidays_of(site.holiday_subdivision, year))
    return found


def period_kinds_of_day(day: dt.date, is_holiday: bool) -> tuple[PeriodKind, ...]:
    """The PDS periods that start on a date: a day period on Saturdays, Sundays and holidays, and always a night.

    A Saturday that is a public holiday is covered all day, like a Sunday.
    """
    if is_holiday or day.weekday() == SUNDAY:
        return (PeriodKind.SUNDAY_HOLIDAY, PeriodKind.NIGHT)
    if day.weekday() == SATURDAY:
        return (PeriodKind.SATURDAY, PeriodKind.NIGHT)
    return (PeriodKind.NIGHT,)


def local_span(day: dt.date, hours: tuple[dt.time, dt.time]) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a period starting on `day`; an end at or before the start falls on the next day."""
    start_time, end_time = hours
    end_day = day + dt.timedelta(days=1) if end_time <= start_time else day
    return (
        dt.datetime.combine(day, start_time, tzinfo=PARIS),
        dt.datetime.combine(end_day, end_time, tzinfo=PARIS),
    )


def dates_between(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)


def site_periods(site: Site, start: dt.date, end: dt.date, hours: PdsHours) -> list[Period]:
    """Every PDS period of one site starting on a date from `start` to `end` inclusive."""
    site_holidays = public_holidays(site, range(start.year, end.year + 1))
    periods = []
    for day in dates_between(start, end):
        holiday = site_holidays.get(day)
        for kind in period_kinds_of_day(day, holiday is not None):
            begin, finish = local_span(day, hours.of(kind))
            periods.append(Period(site.site_id, day, kind, begin, finish, holiday))
    return periods


def build_calendar(scenario: Scenario, site_ids: Iterable[str] | None = None) -> list[Period]:
    """Every PDS period of the scenario's PDS sites (or of the given sites), ordered by start, then site."""
    wanted = set(site_ids) if site_ids is not None else None
    periods = [
        period
        for site in scenario.pds_sites
        if wanted is None or site.site_id in wanted
        for period in site_periods(site, scenario.start, scenario.end, scenario.hours)
    ]
    periods.sort(key=lambda p: (p.start_utc, p.site_id))
    return periods


def pds_hours(periods: Iterable[Period]) -> float:
    return sum(p.minutes for p in periods) / 60
