"""Estimate volumes.csv and the hour-of-day arrival profile from a real exam log (PACS/RIS export).

Pure functions over a DataFrame of exams (`site_id`, `modality`, `timestamp`; as read by
`pds_plan.io.exam_log`, or built in a notebook), usable without the command line::

    fit = fit_volumes(log.exams, log.sites)
    fit.volumes          # the rows of volumes.csv, with the exams, periods and standard error behind each mean
    fit.profile.profile  # an ArrivalProfile, as a scenario's [profile] table gives one

Method
------
Span. The log is taken to cover whole local days (Europe/Paris), from `start` 00:00 to `end` 24:00: by default the
dates of its first and last exam. A PDS period is counted when it lies wholly inside the span: the day periods of
every date of the span, and the nights starting on its dates but the last. The night before the first date and the
night of the last date are only partly inside the log; their exams are not counted (status `cut`), so that a partly
observed night does not pull the mean down.

Periods. Each exam belongs to the PDS period of its own site that contains it (start <= t < end, compared as
instants, so the nights of the daylight-saving changes last 13 h and 15 h), from the site's PDS calendar
(`pds_plan.domain.calendar.site_periods`: public holidays of its département, so Good Friday and 26 December are
Sunday-like periods in Moselle and Alsace only). An exam in no PDS period is a daytime exam: not counted.

Volumes. For site s, modality m and period kind p, with N the exams of (s, m) in the counted periods of kind p of s,
and n the number of those periods:

    mean_exams = N / n,     std_error = sd(per-period counts) / sqrt(n)

(the sample standard deviation holds for over-dispersed counts too; for Poisson counts it is about
sqrt(mean_exams / n)). A site gets a line for every modality it lists in sites.csv (0 when none was done in PDS
time) and for any other modality the log shows in its counted periods.

Profile. Slot k of a period is its k-th hour of wall-clock time from the period's start, as in
`pds_plan.analysis.profile` (which cuts clock-hour curves into slots the same way); w(k) is the share of the counted
exams of that period kind, pooled over sites and modalities, arriving in slot k. A kind with fewer than
`min_exams_per_slot` exams per slot on average keeps the default (assumed) profile: with fewer, the shares are too
noisy to be worth more than the assumption (at 20 per slot a share is known to about ±22 %).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from pds_plan.analysis.profile import ArrivalProfile, default_profile, slot_hours
from pds_plan.domain.calendar import PARIS, site_periods
from pds_plan.domain.model import MODALITIES, PdsHours, PeriodKind, Site

TIMEZONE = "Europe/Paris"
MIN_EXAMS_PER_SLOT = 20
ONE_HOUR = pd.Timedelta(hours=1)
VOLUME_COLUMNS = ["site_id", "modality", "period", "mean_exams", "exams", "periods", "std_error"]
KIND_ORDER = {kind.value: number for number, kind in enumerate(PeriodKind)}


class ExamStatus(StrEnum):
    """What became of an exam of the log."""

    COUNTED = "counted"  # in a PDS period wholly inside the span: counted
    DAYTIME = "daytime"  # in no PDS period of its site
    CUT = "cut"  # in the night before the span's first date or the night of its last date
    OUTSIDE_SPAN = "outside_span"  # before the span's first date or after its last
    NO_PDS_SITE = "no_pds_site"  # at a site without PDS need (pds = false in sites.csv)


def local_timestamps(timestamps: pd.Series) -> pd.Series:
    """Timestamps as Europe/Paris date-times; naive ones are local wall-clock times.

    An ambiguous local time (the hour repeated in October) is taken as the first, summer-time one and a skipped one
    (the hour missing in March) an hour later, as zoneinfo reads them (`pds_plan.io.exam_log.parse_timestamp`).
    """
    stamps = pd.to_datetime(timestamps)
    if stamps.dt.tz is None:
        summer_time_first = np.ones(len(stamps), dtype=bool)
        return stamps.dt.tz_localize(TIMEZONE, ambiguous=summer_time_first, nonexistent=ONE_HOUR)
    return stamps.dt.tz_convert(TIMEZONE)


def _instants(values: pd.Series) -> np.ndarray:
    """UTC instants as numpy datetime64[ns], for searchsorted."""
    return values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def span_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The span's first and last instants: `start` 00:00 and `end` + 1 day 00:00, local time."""
    return (
        dt.datetime.combine(start, dt.time(0), tzinfo=PARIS),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS),
    )


def log_span(exams: pd.DataFrame) -> tuple[dt.date, dt.date]:
    """Local dates of the first and last exam of a log."""
    if exams.empty:
        raise ValueError("the log holds no exam: give the span's start and end")
    local = local_timestamps(exams["timestamp"])
    return local.min().date(), local.max().date()


def span_periods(sites: Iterable[Site], start: dt.date, end: dt.date, hours: PdsHours) -> pd.DataFrame:
    """Every PDS period of the given sites touching the span, and whether it lies wholly inside it (`whole`).

    The periods starting the day before `start` are included so that the night that began then is found (as `cut`).
    Columns: site_id, date, period, start, end (Europe/Paris), holiday, whole.
    """
    first, last = span_bounds(start, end)
    rows = [
        {
            "site_id": period.site_id,
            "date": period.date,
            "period": period.kind.value,
            "start": period.start,
            "end": period.end,
            "holiday": period.holiday or "",
            "whole": first <= period.start and period.end <= last,
        }
        for site in sites
        for period in site_periods(site, start - dt.timedelta(days=1), end, hours)
    ]
    frame = pd.DataFrame(rows, columns=["site_id", "date", "period", "start", "end", "holiday", "whole"])
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(TIMEZONE)
    frame["whole"] = frame["whole"].astype(bool)
    return frame


def assign_exams(
    exams: pd.DataFrame, periods: pd.DataFrame, start: dt.date, end: dt.date, pds_site_ids: Iterable[str]
) -> pd.DataFrame:
    """The exams with the PDS period each falls in and what becomes of it.

    Added columns: `status` (an `ExamStatus` value), `date` and `period` of the PDS period holding the exam (None if
    none) and `slot`, the exam's hour of wall-clock time from the period's start (-1 if none). Periods of one site
    do not overlap with the default hours; should a scenario's hours make them overlap, an exam goes to the period
    that started last.
    """
    frame = exams.reset_index(drop=True).copy()
    local = local_timestamps(frame["timestamp"])
    frame["timestamp"] = local
    first, last = span_bounds(start, end)
    moments = _instants(local)
    found = np.full(len(frame), -1, dtype=np.int64)
    ordered = periods.sort_values(["site_id", "start"], kind="stable")
    starts, ends = _instants(ordered["start"]), _instants(ordered["end"])
    positions = ordered.index.to_numpy()
    by_site = ordered.groupby("site_id", sort=False).indices
    for site_id, rows in frame.groupby("site_id", sort=False).indices.items():
        candidates = by_site.get(site_id)
        if candidates is None:
            continue
        at = np.searchsorted(starts[candidates], moments[rows], side="right") - 1
        inside = at >= 0
        inside[inside] = moments[rows][inside] < ends[candidates][at[inside]]
        found[rows[inside]] = positions[candidates[at[inside]]]
    has_period = found >= 0
    held = periods.reindex(found[has_period])
    whole = np.zeros(len(frame), dtype=bool)
    whole[has_period] = held["whole"].to_numpy(dtype=bool)
    outside = ((local < first) | (local >= last)).to_numpy(dtype=bool)
    no_pds = ~frame["site_id"].isin(set(pds_site_ids)).to_numpy(dtype=bool)
    frame["status"] = np.select(
        [no_pds, outside, has_period & whole, has_period],
        [ExamStatus.NO_PDS_SITE.value, ExamStatus.OUTSIDE_SPAN.value, ExamStatus.COUNTED.value, ExamStatus.CUT.value],
        default=ExamStatus.DAYTIME.value,
    )
    dates = np.full(len(frame), None, dtype=object)
    kinds = np.full(len(frame), None, dtype=object)
    slots = np.full(len(frame), -1, dtype=np.int64)
    if has_period.any():
        dates[has_period] = held["date"].to_numpy(dtype=object)
        kinds[has_period] = held["period"].to_numpy(dtype=object)
        # Wall-clock time since the period's start, as the profile's slots count it (see the module docstring).
        wall = local[has_period].dt.tz_localize(None).to_numpy() - held["start"].dt.tz_localize(None).to_numpy()
        slots[has_period] = wall // np.timedelta64(1, "h")
    frame["date"] = dates
    frame["period"] = kinds
    frame["slot"] = slots
    return frame


def mean_volumes(assigned: pd.DataFrame, periods: pd.DataFrame, sites: Sequence[Site]) -> pd.DataFrame:
    """The rows of volumes.csv from assigned exams (`assign_exams`) and the span's periods (`span_periods`).

    One row per site of `periods`, modality (listed by the site, or seen in its counted periods) and period kind
    with at least one whole period; columns `VOLUME_COLUMNS`. `std_error` is NaN with a single period.
    """
    whole = periods[periods["whole"]]
    period_counts = whole.groupby(["site_id", "period"]).size().to_dict()
    counted = assigned[assigned["status"] == ExamStatus.COUNTED.value]
    per_period = counted.groupby(["site_id", "modality", "period", "date"]).size()
    keys = ["site_id", "modality", "period"]
    totals = per_period.groupby(level=keys).sum().to_dict()
    squares = (per_period.astype(float) ** 2).groupby(level=keys).sum().to_dict()
    seen = counted.groupby("site_id")["modality"].unique().to_dict()
    in_periods = set(periods["site_id"])
    rows = []
    for site in sites:
        if site.site_id not in in_periods:
            continue
        observed = set(seen.get(site.site_id, ()))
        for modality in (m for m in MODALITIES if m in site.modalities or m in observed):
            for kind in PeriodKind:
                n = int(period_counts.get((site.site_id, kind.value), 0))
                if n == 0:
                    continue
                key = (site.site_id, modality, kind.value)
                exams = int(totals.get(key, 0))
                mean = exams / n
                std_error = math.nan
                if n >= 2:
                    variance = max(float(squares.get(key, 0.0)) - exams * mean, 0.0) / (n - 1)
                    std_error = math.sqrt(variance / n)
                rows.append([site.site_id, modality, kind.value, mean, exams, n, std_error])
    return pd.DataFrame(rows, columns=VOLUME_COLUMNS)


@dataclass(frozen=True)
class ProfileFit:
    """The fitted arrival profile and what it rests on.

    Attributes
    ----------
    profile
        Weights per slot of each period kind; the default (assumed) ones for the kinds not in `fitted`.
    counts
        Counted exams per slot of each period kind, pooled over sites and modalities.
    fitted
        The kinds with enough exams to be fitted.
    needed
        Exams a kind needs to be fitted (`min_exams_per_slot` times its slots).
    """

    profile: ArrivalProfile
    counts: dict[PeriodKind, tuple[int, ...]]
    fitted: frozenset[PeriodKind]
    needed: dict[PeriodKind, int]

    def exams(self, kind: PeriodKind) -> int:
        return sum(self.counts[kind])

    def notes(self) -> list[str]:
        return [
            f"{kind.value}: only {self.exams(kind)} exam(s), fewer than the {self.needed[kind]} needed to fit an "
            f"arrival profile ({len(self.counts[kind])} slots): the default (assumed) profile is kept"
            for kind in PeriodKind
            if kind not in self.fitted
        ]


def fit_profile(
    assigned: pd.DataFrame, hours: PdsHours | None = None, min_exams_per_slot: float = MIN_EXAMS_PER_SLOT
) -> ProfileFit:
    """Share of the counted exams of each period kind arriving in each hourly slot, pooled over sites.

    A kind with fewer than `min_exams_per_slot` exams per slot keeps the default profile for `hours`.
    """
    hours = hours or PdsHours()
    default = default_profile(hours)
    counted = assigned[assigned["status"] == ExamStatus.COUNTED.value]
    weights: dict[PeriodKind, tuple[float, ...]] = {}
    counts: dict[PeriodKind, tuple[int, ...]] = {}
    needed: dict[PeriodKind, int] = {}
    fitted = set()
    for kind in PeriodKind:
        slots = len(slot_hours(hours, kind))
        in_kind = counted.loc[counted["period"] == kind.value, "slot"].to_numpy(dtype=np.int64)
        per_slot = np.bincount(np.clip(in_kind, 0, slots - 1), minlength=slots)
        counts[kind] = tuple(int(c) for c in per_slot)
        needed[kind] = math.ceil(min_exams_per_slot * slots)
        if per_slot.sum() >= needed[kind] and per_slot.sum() > 0:
            weights[kind] = tuple(float(c) for c in per_slot)
            fitted.add(kind)
        else:
            weights[kind] = default.of(kind)
    fitted_names = ", ".join(k.value for k in PeriodKind if k in fitted) or "none"
    kept = ", ".join(k.value for k in PeriodKind if k not in fitted)
    source = f"fitted from an exam log ({fitted_names})" + (f"; default (assumed) for {kept}" if kept else "")
    profile = ArrivalProfile(
        night=weights[PeriodKind.NIGHT],
        saturday=weights[PeriodKind.SATURDAY],
        sunday_holiday=weights[PeriodKind.SUNDAY_HOLIDAY],
        source=source,
    )
    return ProfileFit(profile, counts, frozenset(fitted), needed)


@dataclass(frozen=True)
class VolumesFit:
    """Volumes and arrival profile estimated from an exam log.

    Attributes
    ----------
    start, end
        The span: whole local days, `end` inclusive.
    hours
        The PDS hours the periods were laid out with.
    exams
        The log with each exam's status, period date, period kind and slot (`assign_exams`).
    periods
        The PDS periods of the fitted sites touching the span, `whole` for the counted ones (`span_periods`).
    volumes
        The rows of volumes.csv with their evidence (`mean_volumes`).
    profile
        The arrival profile (`fit_profile`).
    notes
        What the user should know: sites of sites.csv absent from the log, period kinds absent from the span...
    """

    start: dt.date
    end: dt.date
    hours: PdsHours
    exams: pd.DataFrame
    periods: pd.DataFrame
    volumes: pd.DataFrame
    profile: ProfileFit
    notes: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def status_counts(self) -> dict[ExamStatus, int]:
        counts = self.exams["status"].value_counts().to_dict()
        return {status: int(counts.get(status.value, 0)) for status in ExamStatus}

    def periods_counted(self) -> dict[PeriodKind, int]:
        """Whole periods of each kind, all fitted sites together."""
        counts = self.periods[self.periods["whole"]].groupby("period").size().to_dict()
        return {kind: int(counts.get(kind.value, 0)) for kind in PeriodKind}

    def per_site(self) -> pd.DataFrame:
        """Per fitted site: counted exams, and per period kind the periods counted and mean exams per period (all
        modalities)."""
        volumes = self.volumes
        periods = volumes.groupby(["site_id", "period"])["periods"].first()
        means = volumes.groupby(["site_id", "period"])["mean_exams"].sum()
        exams = volumes.groupby("site_id")["exams"].sum()
        rows = []
        for site_id in dict.fromkeys(volumes["site_id"]):
            row: dict[str, object] = {"site_id": site_id, "exams_counted": int(exams[site_id])}
            for kind in PeriodKind:
                row[f"{kind.value}_periods"] = int(periods.get((site_id, kind.value), 0))
                row[f"{kind.value}_mean"] = float(means.get((site_id, kind.value), math.nan))
            rows.append(row)
        columns = ["site_id", "exams_counted"]
        columns += [f"{kind.value}_{what}" for kind in PeriodKind for what in ("periods", "mean")]
        return pd.DataFrame(rows, columns=columns)


def fit_volumes(
    exams: pd.DataFrame,
    sites: Sequence[Site],
    hours: PdsHours | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    min_exams_per_slot: float = MIN_EXAMS_PER_SLOT,
) -> VolumesFit:
    """Mean exams per PDS period per site, modality and period kind, and the arrival profile, from an exam log.

    Parameters
    ----------
    exams
        One row per exam: `site_id`, `modality` and `timestamp` (aware, or naive Europe/Paris wall-clock time).
    sites
        The sites (sites.csv); every site_id of the log must be one of them. Sites without PDS need are not fitted.
    hours
        The PDS hours; the defaults if None.
    start, end
        The span (whole days, `end` inclusive); by default the dates of the log's first and last exam.
    min_exams_per_slot
        Below this average number of exams per hourly slot a period kind keeps the default arrival profile.

    Raises
    ------
    ValueError
        On a site_id not in `sites`, an empty log without a span, or `end` before `start`.
    """
    hours = hours or PdsHours()
    known = {site.site_id: site for site in sites}
    unknown = sorted(set(exams["site_id"]) - set(known))
    if unknown:
        raise ValueError(f"site(s) {', '.join(unknown)} of the log are not among the sites")
    if start is None or end is None:
        first, last = log_span(exams)
        start, end = start or first, end or last
    if end < start:
        raise ValueError(f"the span ends ({end}) before it starts ({start})")
    in_log = set(exams["site_id"])
    fitted = [site for site in sites if site.pds and site.site_id in in_log]
    periods = span_periods(fitted, start, end, hours)
    assigned = assign_exams(exams, periods, start, end, (s.site_id for s in fitted))
    volumes = mean_volumes(assigned, periods, fitted)
    profile = fit_profile(assigned, hours, min_exams_per_slot)

    notes = [
        f"PDS site {site.site_id} has no exam in the log: left out (its expected exams will count as 0)"
        for site in sites
        if site.pds and site.site_id not in in_log
    ]
    no_pds = sorted({s.site_id for s in sites if not s.pds} & in_log)
    if no_pds:
        notes.append(f"exams of sites without PDS need (pds = false) not counted: {', '.join(no_pds)}")
    whole = periods[periods["whole"]]
    for kind in PeriodKind:
        if fitted and not (whole["period"] == kind.value).any():
            notes.append(f"the span {start} to {end} holds no whole {kind.value} period: no {kind.value} volumes")
    return VolumesFit(start, end, hours, assigned, periods, volumes, profile, tuple(notes))


# --- renderings for files (written by the command line) ---


def volumes_csv(volumes: pd.DataFrame) -> str:
    """volumes.csv text: the input contract's columns first, then the evidence (ignored by the scenario loader)."""
    rounded = volumes.copy()
    rounded["mean_exams"] = rounded["mean_exams"].round(3)
    rounded["std_error"] = rounded["std_error"].round(3)
    text: str = rounded.to_csv(index=False, lineterminator="\n")
    return text


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def profile_toml(fit: ProfileFit, hours: PdsHours, about: str = "") -> str:
    """A `[profile]` TOML table of the fitted kinds (weights per slot, as `profile_from_table` reads them).

    The kinds kept at the default profile are left out of the table, so that a scenario using it takes the default
    for them (and still would if it moved their hours). `about` is a line saying where the fit comes from.
    """
    spans = ", ".join(f"{kind.value} {_hhmm(hours.of(kind)[0])}-{_hhmm(hours.of(kind)[1])}" for kind in PeriodKind)
    lines = [
        "# Hour-of-day arrival profile fitted by `pds-plan volumes fit`" + (f" {about}" if about else "") + ".",
        "# Each list is the share of a period's exams arriving in each hourly slot counted from the period's start,",
        f"# for the PDS hours {spans}.",
        "# A scenario reads its arrival profile from its own [profile] table: copy the table below into the",
        "# scenario file (the scenario's [hours] must be these).",
        "",
        "[profile]",
    ]
    for kind in PeriodKind:
        start = _hhmm(hours.of(kind)[0])
        if kind in fit.fitted:
            weights = ", ".join(f"{w:.4f}" for w in fit.profile.of(kind))
            lines.append(f"# {kind.value}: {fit.exams(kind)} exams; slot 0 starts at {start}")
            lines.append(f"{kind.value} = [{weights}]")
        else:
            lines.append(
                f"# {kind.value}: only {fit.exams(kind)} exam(s) (fewer than {fit.needed[kind]}): not fitted, "
                "the default (assumed) profile applies"
            )
    return "\n".join(lines) + "\n"
