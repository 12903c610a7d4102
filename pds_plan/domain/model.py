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
    """The three kinds of PDS period (arrêté du 30 avril 2003, art. 1; DOMAIN.md "Default PDS hours")."""

    NIGHT = "night"
    SATURDAY = "saturday"
    SUNDAY_HOLIDAY = "sunday_holiday"


class AvailabilityKind(StrEnum):
    UNAVAILABLE = "unavailable"  # hard: never scheduled to start a period that day
    REQUEST_OFF = "request_off"  # soft: would rather not
    REQUEST_ON = "request_on"  # soft: would like to be on call


SITE_KINDS = ("CHU", "CHR", "CH", "clinique")
MODALITIES = ("CT", "MRI", "XR", "US")

# Départements whose public holidays differ from the national list, and the `holidays` subdivision code that
# carries the difference (DOMAIN.md: 57 uses "57"; 67 and 68 use "6AE"; overseas départements their own code).
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
        return {
            PeriodKind.NIGHT: self.night,
            PeriodKind.SATURDAY: self.saturday,
            PeriodKind.SUNDAY_HOLIDAY: self.sunday_holiday,
        }[kind]


@dataclass(frozen=True)
class Rules:
    """Hard rules of the rota (DOMAIN.md "Default rules"); a scenario's [rules] table may change them."""

    max_sites_per_radiologist: int = 3
    min_rest_hours: float = 11
    max_block_hours: float = 24


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
    source: Path | None = None  # the scenario file, when loaded from one
    input_files: Mapping[str, Path] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)  # the other TOML tables, for later layers
    warnings: tuple[Problem, ...] = ()  # found while loading; worth showing, not fatal

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

    def is_unavailable(self, radiologist_id: str, day: dt.date) -> bool:
        return day in self.days_marked(radiologist_id, AvailabilityKind.UNAVAILABLE)
