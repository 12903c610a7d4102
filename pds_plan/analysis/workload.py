"""What a rota asks of each site and radiologist: periods, expected exams, reading hours, turnaround, days lost.

A *duty* is one radiologist on call in one period (a date and a period kind) for every site they cover in it: the
pool as actually worked, i.e. one queue of exams for the turnaround (SLA) simulation, one on-call allowance, one
set of fairness points, however many sites it covers. Sites of one duty share the same hours, since every site's
periods of a kind follow the scenario's `PdsHours`.

Expected exams of a site are Σ over its PDS periods in the calendar of its mean exams for that period kind
(volumes.csv, all modalities) = Σ_kind (periods of that kind) × (mean exams per period of that kind): they depend on
the calendar only, not on who is on call. Reading hours use `Reading.minutes_per_exam` (reading plus overhead).

Turnaround: each distinct (sites of the duty, period kind) is simulated once with
`pds_plan.analysis.sla.simulate_pool` (seeded, same seed for every pool) and cached; a site's
`sla_share_within_target` is the mean over its covered periods of the share of the pool's reports within the target,
weighted by the site's expected exams in each period (the pool's share: the simulator does not tell the sites of a
pool apart).

Repos de sécurité (docs/rules.md, "Repos de sécurité and days lost": at least 11 h rest after an on-call period with
work, no daytime work the next day): a radiologist on call for the *night* of date D loses the daytime of D + 1 at their
hospital when D + 1 is a weekday (Monday to Friday) that is not a public holiday for their home site (its département's
holidays). Day periods (Saturday afternoon, Sunday or holiday day) lose no weekday by themselves; a Sunday night loses
the Monday. Every on-call night is assumed to involve work (PDS teleradiology reads through the night), and a day lost
just after the horizon (the night of its last date) is counted in the month it falls in. Not considered: part-time days
off or leave on D + 1 that would have been lost anyway. The no-pooling alternative (each PDS site's own radiologist
every night) loses, for each site, every weekday after one of its nights that is not a holiday for that site.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from pds_plan.analysis.fairness import fairness
from pds_plan.analysis.profile import ArrivalProfile
from pds_plan.analysis.sla import DEFAULT_REPLICATIONS, DEFAULT_TARGET_MINUTES, SlaResult, simulate_pool
from pds_plan.domain.calendar import Period, build_calendar, public_holidays
from pds_plan.domain.demand import mean_exams_per_period, read_on_call_per_period, reading_minutes_per_period
from pds_plan.domain.model import PeriodKind, Scenario
from pds_plan.domain.rota import Assignment, period_points
from pds_plan.errors import InputError, Problem

SlaKey = tuple[tuple[str, ...], PeriodKind]
Simulator = Callable[..., SlaResult]

SITE_COLUMNS = [
    "site_id", "pds_periods", "expected_exams", "exams_read_on_call", "expected_reading_hours",
    "sla_share_within_target", "share_read_by_own_staff", "uncovered_periods",
]  # fmt: skip
RADIOLOGIST_COLUMNS = [
    "radiologist_id", "home_site", "night_periods", "saturday_periods", "sunday_holiday_periods", "periods",
    "on_call_hours", "weighted_points", "carried_points", "fair_share", "deviation", "expected_exams",
    "daytime_days_lost",
]  # fmt: skip
PERIOD_COLUMNS = [
    "date", "period", "pool_id", "radiologist_id", "sites", "expected_exams", "exams_read_on_call", "peak_utilisation",
    "sla_share",
]  # fmt: skip
DAYS_LOST_COLUMNS = ["home_site", "month", "days_lost", "days_lost_without_pooling", "days_given_back"]
WEEKDAYS = 5  # Monday (0) to Friday (4)


@dataclass(frozen=True)
class Duty:
    """One radiologist on call in one period for the sites read together (the pool as worked that period)."""

    date: dt.date
    kind: PeriodKind
    radiologist_id: str
    periods: tuple[Period, ...]  # one per site, ordered by site_id
    pool_id: str

    @property
    def site_ids(self) -> tuple[str, ...]:
        return tuple(p.site_id for p in self.periods)

    @property
    def sla_key(self) -> SlaKey:
        return (self.site_ids, self.kind)

    @property
    def hours(self) -> float:
        """Length of the duty: the longest of its periods (all the same but for daylight-saving nights)."""
        return max(p.minutes for p in self.periods) / 60

    def points(self, scenario: Scenario) -> int:
        """Weighted-load points, once per duty: the highest of its periods' points (as `analysis.fairness` does,
        e.g. a Moselle holiday makes the night heavier even if the other sites of the pool work that day)."""
        return max(period_points(p, scenario.points) for p in self.periods)


def duties_of(
    scenario: Scenario,
    assignments: Iterable[Assignment],
    pool_ids: Mapping[tuple[dt.date, PeriodKind, str], str] | None = None,
    source: str = "rota.csv",
) -> list[Duty]:
    """Group a rota's site periods into duties; InputError for a row that is not a PDS period of the scenario or a
    site period assigned twice (a rota made from another scenario).

    `pool_ids` gives the rota's pool_id of each site period (rota.csv); by default the scenario's fixed pool ids,
    and the sites joined with '+' elsewhere.
    """
    calendar = {p.key: p for p in build_calendar(scenario)}
    seen: set[tuple[dt.date, PeriodKind, str]] = set()
    problems: list[Problem] = []
    grouped: dict[tuple[dt.date, PeriodKind, str], list[Period]] = defaultdict(list)
    for a in assignments:
        where = f"{a.date} {a.period.value} {a.site_id}"
        if a.key not in calendar:
            problems.append(Problem(source, f"{where}: not a PDS period of scenario {scenario.name}"))
        elif a.key in seen:
            problems.append(Problem(source, f"{where}: assigned more than once"))
        else:
            seen.add(a.key)
            grouped[(a.date, a.period, a.radiologist_id)].append(calendar[a.key])
    if problems:
        raise InputError(problems[:20])
    if pool_ids is None:
        # The scenario's fixed pools by their ids, as rota.csv names them; other sites by their ids joined with '+'.
        pool_of = {m.site_id: m.pool_id for m in scenario.pools}
        pool_ids = {key: pool_of[key[2]] for key in seen if key[2] in pool_of}
    duties = []
    for (date, kind, radiologist_id), periods in grouped.items():
        periods.sort(key=lambda p: p.site_id)
        sites = [p.site_id for p in periods]
        labels = sorted({pool_ids[(date, kind, s)] for s in sites if (date, kind, s) in pool_ids})
        duties.append(Duty(date, kind, radiologist_id, tuple(periods), ";".join(labels) or "+".join(sites)))
    duties.sort(key=lambda d: (d.periods[0].start_utc, d.site_ids))
    return duties


@dataclass
class SlaCache:
    """Simulates each distinct (pool sites, period kind) once; `calls` counts the simulations run."""

    scenario: Scenario
    target_minutes: float = DEFAULT_TARGET_MINUTES
    replications: int = DEFAULT_REPLICATIONS
    seed: int = 0
    profile: ArrivalProfile | None = None
    simulate: Simulator = simulate_pool
    results: dict[SlaKey, SlaResult] = field(default_factory=dict)
    calls: int = 0

    def get(self, site_ids: Iterable[str], kind: PeriodKind) -> SlaResult:
        key = (tuple(sorted(set(site_ids))), kind)
        if key not in self.results:
            self.calls += 1
            self.results[key] = self.simulate(
                self.scenario,
                key[0],
                kind,
                target_minutes=self.target_minutes,
                replications=self.replications,
                seed=self.seed,
                profile=self.profile,
            )
        return self.results[key]


def on_call_per_night(rota: pd.DataFrame) -> pd.DataFrame:
    """Per night of a rota (rota.csv's columns date, period, site_id, radiologist_id): the radiologists on call and
    the sites they cover; pooling shows as fewer radiologists than sites."""
    nights = rota[rota["period"] == "night"]
    return (
        nights.groupby("date")
        .agg(radiologists=("radiologist_id", "nunique"), sites=("site_id", "nunique"))
        .reset_index()
    )


def lost_day(night_date: dt.date, holidays: Mapping[dt.date, str]) -> dt.date | None:
    """The weekday lost to repos de sécurité after the night of `night_date`, or None (weekend or holiday)."""
    day = night_date + dt.timedelta(days=1)
    return day if day.weekday() < WEEKDAYS and day not in holidays else None


def _holidays(scenario: Scenario, site_id: str) -> dict[dt.date, str]:
    return public_holidays(scenario.site(site_id), range(scenario.start.year, scenario.end.year + 2))


def days_lost_by_radiologist(scenario: Scenario, duties: Iterable[Duty]) -> dict[str, list[dt.date]]:
    """Weekdays each radiologist cannot work at their hospital after an on-call night (module docstring)."""
    lost: dict[str, set[dt.date]] = defaultdict(set)
    holidays: dict[str, dict[dt.date, str]] = {}
    for duty in duties:
        if duty.kind is not PeriodKind.NIGHT:
            continue
        home = scenario.radiologist(duty.radiologist_id).home_site
        if home not in holidays:
            holidays[home] = _holidays(scenario, home)
        day = lost_day(duty.date, holidays[home])
        if day is not None:
            lost[duty.radiologist_id].add(day)
    return {r: sorted(days) for r, days in lost.items()}


def days_lost_without_pooling(scenario: Scenario, periods: Iterable[Period]) -> Counter[tuple[str, str]]:
    """(site, month) → weekdays lost if each PDS site had its own radiologist on call every night."""
    lost: Counter[tuple[str, str]] = Counter()
    holidays: dict[str, dict[dt.date, str]] = {}
    for period in periods:
        if period.kind is not PeriodKind.NIGHT:
            continue
        if period.site_id not in holidays:
            holidays[period.site_id] = _holidays(scenario, period.site_id)
        day = lost_day(period.date, holidays[period.site_id])
        if day is not None:
            lost[(period.site_id, f"{day:%Y-%m}")] += 1
    return lost


def _months(start: dt.date, end: dt.date) -> list[str]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(f"{day:%Y-%m}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class Workload:
    """The workload report of a rota (see the module docstring for every definition)."""

    sites: pd.DataFrame  # SITE_COLUMNS, one row per PDS site
    radiologists: pd.DataFrame  # RADIOLOGIST_COLUMNS, one row per radiologist who may take PDS
    periods: pd.DataFrame  # PERIOD_COLUMNS, one row per duty
    days_lost: pd.DataFrame  # DAYS_LOST_COLUMNS, one row per home site (or PDS site) and month
    duties: tuple[Duty, ...]
    uncovered: tuple[Period, ...]  # PDS periods of the calendar nobody covers in the rota
    sla: Mapping[SlaKey, SlaResult]
    simulations: int  # simulate_pool calls made
    target_minutes: float

    @property
    def expected_exams(self) -> dict[str, float]:
        return dict(zip(self.sites["site_id"], self.sites["expected_exams"], strict=True))


def workload(
    scenario: Scenario,
    assignments: Iterable[Assignment],
    pool_ids: Mapping[tuple[dt.date, PeriodKind, str], str] | None = None,
    *,
    target_minutes: float = DEFAULT_TARGET_MINUTES,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
    profile: ArrivalProfile | None = None,
    simulate: Simulator | None = None,
    source: str = "rota.csv",
    cache: SlaCache | None = None,
) -> Workload:
    """Sites, radiologists, duties and daytime days lost of a rota.

    Parameters
    ----------
    scenario
        The scenario the rota was made for.
    assignments
        The rota (e.g. `pds_plan.io.rota.load_rota` of a run folder's rota.csv).
    pool_ids
        pool_id of each (date, period kind, site) as written in rota.csv; default: the duty's sites joined by '+'.
    target_minutes, replications, seed, profile
        Passed to `simulate_pool` (turnaround target, simulated periods, seed, hour-of-day profile).
    simulate
        The simulator (default `simulate_pool`); tests pass a counting one.
    cache
        Simulations already run (by the pool design of the same run): each grouping of sites and period kind is
        simulated once per run, so that every turnaround figure of it comes from one simulation. It replaces
        target_minutes, replications, seed, profile and simulate.
    source
        Name of the rota in error messages.
    """
    assignments = list(assignments)
    duties = duties_of(scenario, assignments, pool_ids, source)
    calendar = build_calendar(scenario)
    if cache is None:
        cache = SlaCache(scenario, target_minutes, replications, seed, profile, simulate or simulate_pool)
    target_minutes = cache.target_minutes
    means = mean_exams_per_period(scenario)
    read_on_call = read_on_call_per_period(scenario)
    minutes = reading_minutes_per_period(scenario)

    duty_of: dict[tuple[dt.date, PeriodKind, str], Duty] = {}
    for duty in duties:
        for period in duty.periods:
            duty_of[period.key] = duty
    uncovered = tuple(p for p in calendar if p.key not in duty_of)

    # Sites: counts per kind from the calendar (the acceptance identity), SLA and own staff from the rota.
    count: Counter[tuple[str, PeriodKind]] = Counter((p.site_id, p.kind) for p in calendar)
    weighted: dict[str, float] = defaultdict(float)
    weights: dict[str, float] = defaultdict(float)
    plain: dict[str, list[float]] = defaultdict(list)
    own: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    for period in calendar:
        covering = duty_of.get(period.key)
        if covering is None:
            missing[period.site_id] += 1
            continue
        share = cache.get(covering.site_ids, covering.kind).share_within_target
        # The share within target is a share of the reports made on call: weighted by the exams read then.
        exams = read_on_call.get((period.site_id, period.kind), 0.0)
        weighted[period.site_id] += exams * share
        weights[period.site_id] += exams
        plain[period.site_id].append(share)
        if scenario.radiologist(covering.radiologist_id).home_site == period.site_id:
            own[period.site_id] += 1
    site_rows = []
    for site in scenario.pds_sites:
        s = site.site_id
        periods = sum(count[(s, kind)] for kind in PeriodKind)
        if weights[s] > 0:
            sla = weighted[s] / weights[s]
        else:
            sla = sum(plain[s]) / len(plain[s]) if plain[s] else float("nan")
        site_rows.append(
            {
                "site_id": s,
                "pds_periods": periods,
                "expected_exams": sum(count[(s, kind)] * means.get((s, kind), 0.0) for kind in PeriodKind),
                "exams_read_on_call": sum(count[(s, kind)] * read_on_call.get((s, kind), 0.0) for kind in PeriodKind),
                "expected_reading_hours": sum(count[(s, kind)] * minutes.get((s, kind), 0.0) for kind in PeriodKind)
                / 60,
                "sla_share_within_target": sla,
                "share_read_by_own_staff": own[s] / periods if periods else float("nan"),
                "uncovered_periods": missing[s],
            }
        )

    # Radiologists: duties by kind, hours, points (once per duty), fairness, exams, days lost.
    lost = days_lost_by_radiologist(scenario, duties)
    fair = fairness(scenario, assignments).per_radiologist
    fair_of: dict[str, tuple[float, float]] = {
        str(r): (float(share), float(deviation))
        for r, share, deviation in zip(
            fair.get("radiologist_id", []), fair.get("fair_share", []), fair.get("deviation", []), strict=True
        )
    }
    mine: dict[str, list[Duty]] = defaultdict(list)
    for duty in duties:
        mine[duty.radiologist_id].append(duty)
    radiologist_rows = []
    for r in sorted(set(fair_of) | set(mine)):
        kinds = Counter(d.kind for d in mine[r])
        share, deviation = fair_of.get(r, (float("nan"), float("nan")))
        radiologist_rows.append(
            {
                "radiologist_id": r,
                "home_site": scenario.radiologist(r).home_site,
                "night_periods": kinds[PeriodKind.NIGHT],
                "saturday_periods": kinds[PeriodKind.SATURDAY],
                "sunday_holiday_periods": kinds[PeriodKind.SUNDAY_HOLIDAY],
                "periods": len(mine[r]),
                "on_call_hours": sum(d.hours for d in mine[r]),
                "weighted_points": sum(d.points(scenario) for d in mine[r]),
                "carried_points": float(scenario.balances.get(r, 0.0)),
                "fair_share": share,
                "deviation": deviation,
                "expected_exams": sum(means.get((p.site_id, p.kind), 0.0) for d in mine[r] for p in d.periods),
                "daytime_days_lost": len(lost.get(r, [])),
            }
        )

    period_rows = []
    for duty in duties:
        result = cache.get(duty.site_ids, duty.kind)
        period_rows.append(
            {
                "date": duty.date.isoformat(),
                "period": duty.kind.value,
                "pool_id": duty.pool_id,
                "radiologist_id": duty.radiologist_id,
                "sites": ";".join(duty.site_ids),
                "expected_exams": sum(means.get((s, duty.kind), 0.0) for s in duty.site_ids),
                "exams_read_on_call": sum(read_on_call.get((s, duty.kind), 0.0) for s in duty.site_ids),
                "peak_utilisation": result.peak_utilisation,
                "sla_share": result.share_within_target,
            }
        )

    return Workload(
        sites=pd.DataFrame(site_rows, columns=SITE_COLUMNS),
        radiologists=pd.DataFrame(radiologist_rows, columns=RADIOLOGIST_COLUMNS),
        periods=pd.DataFrame(period_rows, columns=PERIOD_COLUMNS),
        days_lost=_days_lost_frame(scenario, lost, days_lost_without_pooling(scenario, calendar)),
        duties=tuple(duties),
        uncovered=uncovered,
        sla=dict(cache.results),
        simulations=cache.calls,
        target_minutes=target_minutes,
    )


def _days_lost_frame(
    scenario: Scenario, lost: Mapping[str, list[dt.date]], without: Counter[tuple[str, str]]
) -> pd.DataFrame:
    """Per home site and month: days lost with this rota, without pooling, and the difference given back.

    Rows: every home site of a radiologist who may take PDS and every PDS site, for every month of the horizon
    (and a month just after it when a day is lost there)."""
    pooled: Counter[tuple[str, str]] = Counter()
    for r, days in lost.items():
        home = scenario.radiologist(r).home_site
        for day in days:
            pooled[(home, f"{day:%Y-%m}")] += 1
    pds = {s.site_id for s in scenario.pds_sites}
    homes = {r.home_site for r in scenario.radiologists if r.sites & pds} | pds
    months = set(_months(scenario.start, scenario.end)) | {m for _, m in pooled} | {m for _, m in without}
    rows = [
        {
            "home_site": site,
            "month": month,
            "days_lost": pooled[(site, month)],
            "days_lost_without_pooling": without[(site, month)],
            "days_given_back": without[(site, month)] - pooled[(site, month)],
        }
        for site in sorted(homes | {s for s, _ in pooled})
        for month in sorted(months)
    ]
    return pd.DataFrame(rows, columns=DAYS_LOST_COLUMNS)


POOL_COLUMNS = ["pool_id", "sites", "duties", "exams", "exams_read_on_call", "sla_share"]


def pool_shares(periods: pd.DataFrame) -> pd.DataFrame:
    """Per pool as worked (the `pool_id` of the duties): duties, expected exams and the share of reports within the
    target, the duties' simulated shares weighted by the exams read on call in them, as a site's share is (their
    plain mean when none are). One row per pool; the table the report, the turnaround plot and the key figures use."""
    if not len(periods):
        return pd.DataFrame(columns=POOL_COLUMNS)
    frame = periods.assign(weighted=periods["exams_read_on_call"] * periods["sla_share"])
    grouped = frame.groupby("pool_id").agg(
        sites=("sites", "first"),
        duties=("sla_share", "size"),
        exams=("expected_exams", "sum"),
        exams_read_on_call=("exams_read_on_call", "sum"),
        weighted=("weighted", "sum"),
        plain=("sla_share", "mean"),
    )
    read = grouped["exams_read_on_call"]
    grouped["sla_share"] = (grouped["weighted"] / read.where(read > 0)).fillna(grouped["plain"])
    return grouped.reset_index()[POOL_COLUMNS]
