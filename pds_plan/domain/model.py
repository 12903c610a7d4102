"""Plain typed objects of a PDS scenario: sites, radiologists, availability, volumes, pools, pins, rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from pds_plan.errors import Problem


class PeriodKind(StrEnum):
    """The three kinds of PDS period (arrêté du 30 avril 2003, art. 1; docs/rules.md "PDS periods")."""

    NIGHT = "night"
    SATURDAY = "saturday"
    SUNDAY_HOLIDAY = "sunday_holiday"


class AvailabilityKind(StrEnum):
    UNAVAILABLE = "unavailable"  # hard: never scheduled to start a period that day
    REQUEST_OFF = "request_off"  # soft: would rather not
    REQUEST_ON = "request_on"  # soft: would like to be on call


class SiteKind(StrEnum):
    """What a site is. It only chooses the site's map marker and its row in the summary, so an unfamiliar kind
    loads as OTHER (its label kept in `Site.kind_label`) instead of rejecting the scenario (docs/input-contract.md
    "sites.csv")."""

    CHU = "CHU"  # centre hospitalier universitaire (CHRU included)
    CHR = "CHR"  # centre hospitalier régional
    CH = "CH"  # centre hospitalier
    CLINIQUE = "clinique"  # private clinic
    OTHER = "other"  # another hospital (ESPIC, HIA, CLCC) or a kind not recognised


SITE_KINDS = tuple(k.value for k in SiteKind if k is not SiteKind.OTHER)
MODALITIES = ("CT", "MRI", "XR", "US")

# Départements whose public holidays differ from the national list, and the `holidays` subdivision code that
# carries the difference (docs/rules.md "Public holidays by département": 57 uses "57"; 67 and 68 use "6AE";
# overseas départements their own code).
HOLIDAY_SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str
    kind: str
    departement: str
    lat: float
    lon: float
    modalities: tuple[str, ...]
    emergency: bool
    pds: bool
    finess: str | None = None
    ght: str | None = None
    onsite_required: bool = False
    kind_label: str | None = None  # the label sites.csv gave for a kind OTHER (e.g. "ESPIC"), shown on maps

    @property
    def holiday_subdivision(self) -> str | None:
        return HOLIDAY_SUBDIVISIONS.get(self.departement)


@dataclass(frozen=True)
class Radiologist:
    radiologist_id: str
    name: str
    home_site: str
    fte: float
    sites: frozenset[str]  # credentials: the sites a convention allows this radiologist to read for
    remote: bool = True

    def may_read_for(self, site_id: str) -> bool:
        return site_id in self.sites


@dataclass(frozen=True)
class Availability:
    radiologist_id: str
    start: dt.date
    end: dt.date  # inclusive
    kind: AvailabilityKind

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Volume:
    site_id: str
    modality: str
    period: PeriodKind
    mean_exams: float  # mean number of exams per occurrence of the period


@dataclass(frozen=True)
class PoolMember:
    pool_id: str
    site_id: str


@dataclass(frozen=True)
class Pin:
    """An assignment already agreed, which the rota must keep."""

    date: dt.date
    period: PeriodKind
    site_id: str
    radiologist_id: str


@dataclass(frozen=True)
class PdsHours:
    """Local wall-clock hours of each period kind; an end at or before the start means the next day."""

    night: tuple[dt.time, dt.time] = (dt.time(18, 30), dt.time(8, 30))
    saturday: tuple[dt.time, dt.time] = (dt.time(12, 30), dt.time(18, 30))
    sunday_holiday: tuple[dt.time, dt.time] = (dt.time(8, 30), dt.time(18, 30))

    def of(self, kind: PeriodKind) -> tuple[dt.time, dt.time]:
        hours: tuple[dt.time, dt.time] = getattr(self, kind.value)  # fields are named after the period kinds
        return hours


@dataclass(frozen=True)
class Rules:
    """Hard rules of the rota (docs/rules.md "Hard rules"); a scenario's [rules] table may change them.

    The limits that are None are off unless the scenario sets them.
    """

    max_sites_per_radiologist: int = 3
    min_rest_hours: float = 11
    max_block_hours: float = 24
    # On-call periods (a night, a Saturday afternoon, a Sunday or holiday day) a full-time radiologist may take in
    # a calendar month; pro rata FTE, rounded up.
    max_periods_per_month: int | None = None
    # Weekends (Saturday 12:30 to Monday 08:30) with any on-call duty in a calendar month.
    max_weekends_per_month: int | None = None
    # Expected reading minutes per hour at peak of all the sites a radiologist covers at once: keeps the 30-minute
    # report target reachable (nobody is given three busy sites at once). 60 would be a reader busy all the time.
    max_peak_reading_minutes_per_hour: float | None = 45
    # When the scenario has no pools.csv, the optimiser forms pools itself: each grouping of sites it puts under one
    # reader must then keep the turnaround target in simulation (`Scenario.turnaround_limits`). False lets it pool
    # any sites the other rules allow, as before the rule existed.
    self_formed_pools_meet_target: bool = True


@dataclass(frozen=True)
class Points:
    """Weighted-load points of one on-call period, for fairness: heavier for weekends, holidays and festive nights."""

    night: int = 2
    saturday: int = 1
    sunday_holiday: int = 2
    weekend_night_extra: int = 1  # nights of Saturday, Sunday and public holidays
    holiday_extra: int = 1  # any period on a public holiday
    festive_extra: int = 2  # 24 and 25 December, 31 December and 1 January

    def of(self, kind: PeriodKind) -> int:
        points: int = getattr(self, kind.value)  # fields are named after the period kinds
        return points


@dataclass(frozen=True)
class Weights:
    """Objective weights, in points of penalty; fairness first, then requests, then stable pools and home sites.

    `fairness_spread` multiplies the gap between the most and the least loaded radiologist (weighted load per
    FTE-available share, in hundredths of a point of an average radiologist); the others count once per event.
    """

    fairness_spread: int = 100
    fairness_deviation: int = 10  # each radiologist's distance to the common (median) normalised load
    request_off: int = 50  # a request_off day on which the radiologist is on call
    request_on: int = 20  # a request_on day on which the radiologist is not on call
    pool_pair: int = 20  # a pair of sites read together at least once (fewer pairs: the same groups every night)
    away_from_home: int = 1  # a site period read by someone from another hospital, when its own staff could
    on_call_duty: int = 1  # one radiologist on call in one period (pooling needs fewer of them)


@dataclass(frozen=True)
class Stages:
    """The staged objective (optimise/stages.py): each stage's share of the time limit, in solve order, and how far
    a later stage may give up an earlier one (a share of its value).

    Measured on the bundled quarters (bench/README.md): the largest load is within 2 % of its bound after about a
    second of search, while raising the smallest load keeps improving until the end of its share; hence the split.
    """

    largest_load: float = 0.1
    smallest_load: float = 0.6
    hours_spread: float = 0.15
    preferences: float = 0.15
    tolerance: float = 0.01

    def shares(self) -> list[tuple[str, float]]:
        """(stage, share of the time limit) in solve order, shares summing to 1; stages given no time are skipped."""
        order = ("largest_load", "smallest_load", "hours_spread", "preferences")
        total = sum(getattr(self, name) for name in order) or 1.0
        return [(name, getattr(self, name) / total) for name in order if getattr(self, name) > 0]


@dataclass(frozen=True)
class Reading:
    """What the radiologist on call reads during a PDS period, and how long it takes.

    Minutes per exam are the reading itself, by modality, plus an overhead per exam (download, call with the
    emergency doctor). A national teleradiology company reports a mean of 17 minutes from an image's arrival to its
    report, queueing included (docs/rules.md "Reading assumptions"), so the mean reading of an emergency CT must be
    well under that: 10 minutes plus 2 of overhead is assumed. Not every PDS exam is read during the period: PDS
    reports are due within 30 minutes, non-urgent reads the next day (the Picardie pilot). `read_on_call_share` is
    the share of a modality's exams read by the radiologist on call during the period: every CT and MRI, an assumed
    30 % of plain X-rays (the others are read by the emergency doctor and reported the next day) and no ultrasound,
    which is done at the bedside and cannot be read remotely. A scenario's [reading] table may change all of these.
    """

    minutes: tuple[tuple[str, float], ...] = (("CT", 10.0), ("MRI", 20.0), ("XR", 5.0), ("US", 10.0))
    overhead_minutes: float = 2.0
    read_on_call: tuple[tuple[str, float], ...] = (("CT", 1.0), ("MRI", 1.0), ("US", 0.0), ("XR", 0.3))
    # Ratio of the peak hour's arrivals to the period's average hour: ANAP notes night activity peaks 20:00-midnight.
    peak_factor: float = 1.8

    def minutes_per_exam(self, modality: str) -> float:
        return dict(self.minutes).get(modality, 10.0) + self.overhead_minutes

    def read_on_call_share(self, modality: str) -> float:
        """Share of a modality's PDS exams read by the radiologist on call during the period (1 if not set)."""
        return dict(self.read_on_call).get(modality, 1.0)


@dataclass(frozen=True)
class CostSettings:
    """Tariffs in euros, the scenario's [costs] table; every default is a PLACEHOLDER to be replaced by the planner
    (docs/rules.md, "Costs"; pds_plan/analysis/cost.py says how each is used)."""

    allowance_night: float = 150.0
    allowance_saturday: float = 75.0
    allowance_sunday_holiday: float = 150.0
    fee_per_remote_exam: float = 20.0
    platform_per_year: float = 0.0

    def allowance(self, kind: PeriodKind) -> float:
        value: float = getattr(self, f"allowance_{kind.value}")
        return value


@dataclass(frozen=True)
class TurnaroundLimits:
    """Which groupings of sites one reader may not cover at once, because together they miss the turnaround target.

    Found by simulation (`analysis.pool_design.turnaround_limits`) and attached to the scenario, so that the optimiser
    and the checker, which never simulate, both know them. `below_target` holds the minimal groupings only: sorted
    site-id tuples of two or more sites that miss the target in some period kind of the horizon while every proper
    subset of two or more sites meets it (a site alone must be covered whatever its figures). Forbidding them forbids
    every larger set containing one: adding a site adds exams to the one reader's queue, so every exam already there
    waits at least as long; the share within target could only rise if the added site's own reports were much
    quicker than the others', which the simulated figures do not show (the pool design assumes the same).
    """

    target_minutes: float
    target_share: float  # share of reports within target_minutes
    below_target: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    start: dt.date
    end: dt.date  # inclusive
    sites: tuple[Site, ...]
    radiologists: tuple[Radiologist, ...]
    availability: tuple[Availability, ...] = ()
    volumes: tuple[Volume, ...] = ()
    pools: tuple[PoolMember, ...] = ()
    pins: tuple[Pin, ...] = ()
    hours: PdsHours = field(default_factory=PdsHours)
    rules: Rules = field(default_factory=Rules)
    points: Points = field(default_factory=Points)
    weights: Weights = field(default_factory=Weights)
    stages: Stages = field(default_factory=Stages)
    reading: Reading = field(default_factory=Reading)
    source: Path | None = None  # the scenario file, when loaded from one
    input_files: Mapping[str, Path] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)  # the other TOML tables, for later layers
    warnings: tuple[Problem, ...] = ()  # found while loading; worth showing, not fatal
    # Weighted-load points each radiologist carries over from earlier rotas (balances.csv), counted in fairness.
    balances: Mapping[str, float] = field(default_factory=dict)
    # The input files the scenario declares synthetic ([data] synthetic), in the order of io/scenario.py's files:
    # the map says so, and says nothing of data not declared.
    synthetic_data: tuple[str, ...] = ()
    # Groupings of sites one reader may not cover at once (None: not computed, or not applicable: see
    # `analysis.pool_design.with_turnaround_limits`); the turnaround rule of the optimiser and the checker.
    turnaround_limits: TurnaroundLimits | None = None
    costs: CostSettings = field(default_factory=lambda: CostSettings())  # the [costs] table over the defaults
    costs_given: tuple[str, ...] = ()  # the tariffs the scenario sets; the others are placeholders

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def pds_sites(self) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.pds)

    def site(self, site_id: str) -> Site:
        return self._sites_by_id[site_id]

    def radiologist(self, radiologist_id: str) -> Radiologist:
        return self._radiologists_by_id[radiologist_id]

    @cached_property
    def _sites_by_id(self) -> dict[str, Site]:
        return {s.site_id: s for s in self.sites}

    @cached_property
    def _radiologists_by_id(self) -> dict[str, Radiologist]:
        return {r.radiologist_id: r for r in self.radiologists}

    @cached_property
    def _days_by_availability_kind(self) -> dict[tuple[str, AvailabilityKind], frozenset[dt.date]]:
        days: dict[tuple[str, AvailabilityKind], set[dt.date]] = {}
        for a in self.availability:
            span = days.setdefault((a.radiologist_id, a.kind), set())
            span.update(a.start + dt.timedelta(days=i) for i in range((a.end - a.start).days + 1))
        return {key: frozenset(value) for key, value in days.items()}

    def days_marked(self, radiologist_id: str, kind: AvailabilityKind) -> frozenset[dt.date]:
        """Dates on which a radiologist has an availability line of this kind."""
        return self._days_by_availability_kind.get((radiologist_id, kind), frozenset())

    def credentialed(self, site_id: str) -> tuple[Radiologist, ...]:
        return tuple(r for r in self.radiologists if r.may_read_for(site_id))

    def coverable_sites(self, radiologist_id: str) -> frozenset[str]:
        """The sites a radiologist may be given: credentialed for them and, for a site of a fixed pool
        (pools.csv), for every site of that pool, since the pool is read by one radiologist."""
        return self._coverable_sites[radiologist_id]

    @cached_property
    def _coverable_sites(self) -> dict[str, frozenset[str]]:
        pool_sites: dict[str, set[str]] = {}
        for member in self.pools:
            pool_sites.setdefault(member.pool_id, set()).add(member.site_id)
        pool_of = {member.site_id: pool_sites[member.pool_id] for member in self.pools}
        return {
            r.radiologist_id: frozenset(s for s in r.sites if pool_of.get(s, {s}) <= r.sites) for r in self.radiologists
        }

    def is_unavailable(self, radiologist_id: str, day: dt.date) -> bool:
        return day in self.days_marked(radiologist_id, AvailabilityKind.UNAVAILABLE)
