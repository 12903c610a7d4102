"""The independent rota checker: any rota, optimised or made by hand in Excel, against every hard rule.

It shares the domain (calendar, demand) with the optimiser but none of its code: it never imports
`pds_plan.optimise`, so a fault in the model cannot hide itself. It works on plain time intervals.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.demand import peak_reading_minutes_per_hour
from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    radiologist_id: str | None = None
    site_id: str | None = None
    when: dt.datetime | None = None  # local time the problem starts

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(frozen=True)
class _Duty:
    """One assignment placed in time."""

    assignment: Assignment
    period: Period


def _who(scenario: Scenario, radiologist_id: str) -> str:
    """A radiologist as planners know them, by name, with the id the files use (the id alone if unknown)."""
    try:
        name = scenario.radiologist(radiologist_id).name
    except KeyError:
        return radiologist_id
    return f"{name} ({radiologist_id})" if name and name != radiologist_id else radiologist_id


def _where(scenario: Scenario, site_id: str) -> str:
    """A site by name, with its id (the id alone if unknown)."""
    try:
        name = scenario.site(site_id).name
    except KeyError:
        return site_id
    return f"{name} ({site_id})" if name and name != site_id else site_id


def _where_all(scenario: Scenario, site_ids: Iterable[str]) -> str:
    return ", ".join(_where(scenario, s) for s in site_ids)


def check_rota(scenario: Scenario, assignments: Iterable[Assignment]) -> list[Violation]:
    """Every violation of the scenario's hard rules by the rota, in time order."""
    periods = {p.key: p for p in build_calendar(scenario)}
    violations: list[Violation] = []
    duties: list[_Duty] = []
    covered: dict[tuple, list[str]] = defaultdict(list)
    for a in assignments:
        period = periods.get(a.key)
        if period is None:
            violations.append(
                Violation(
                    "coverage",
                    f"{_where(scenario, a.site_id)} has no {a.period.value} PDS period on {a.date} "
                    f"(assigned to {_who(scenario, a.radiologist_id)})",
                    a.radiologist_id,
                    a.site_id,
                )
            )
            continue
        covered[a.key].append(a.radiologist_id)
        duties.append(_Duty(a, period))
    violations += _coverage(scenario, periods, covered)
    violations += _credentials_and_availability(scenario, duties)
    by_radiologist: dict[str, list[_Duty]] = defaultdict(list)
    for duty in duties:
        by_radiologist[duty.assignment.radiologist_id].append(duty)
    peak = peak_reading_minutes_per_hour(scenario)
    for r, mine in sorted(by_radiologist.items()):
        mine.sort(key=lambda d: (d.period.start_utc, d.period.site_id))
        violations += _at_once(scenario, r, mine, peak)
        violations += _self_formed_pools(scenario, r, mine)
        violations += _blocks_and_rest(scenario, r, mine)
        violations += _monthly_limits(scenario, r, mine)
    violations += _pools(scenario, duties)
    violations += _pins(scenario, covered)
    return sorted(violations, key=lambda v: (v.when or dt.datetime.min.replace(tzinfo=dt.UTC), v.rule, v.message))


def _coverage(scenario: Scenario, periods: dict[tuple, Period], covered: dict[tuple, list[str]]) -> list[Violation]:
    found = []
    for key, period in periods.items():
        readers = covered.get(key, [])
        if not readers:
            found.append(
                Violation(
                    "coverage",
                    f"{_where(scenario, period.site_id)} {period.kind.value} of {period.date} "
                    f"({period.start:%H:%M}-{period.end:%H:%M}) is not covered",
                    None,
                    period.site_id,
                    period.start,
                )
            )
        elif len(readers) > 1:
            found.append(
                Violation(
                    "coverage",
                    f"{_where(scenario, period.site_id)} {period.kind.value} of {period.date} is covered "
                    f"{len(readers)} times ({', '.join(_who(scenario, r) for r in readers)})",
                    None,
                    period.site_id,
                    period.start,
                )
            )
    return found


def _credentials_and_availability(scenario: Scenario, duties: list[_Duty]) -> list[Violation]:
    found = []
    known = {r.radiologist_id for r in scenario.radiologists}
    for duty in duties:
        a, p = duty.assignment, duty.period
        if a.radiologist_id not in known:
            found.append(
                Violation(
                    "credential",
                    f"{a.radiologist_id} is not a radiologist of the scenario "
                    f"({_where(scenario, a.site_id)} {a.period.value} of {a.date})",
                    a.radiologist_id,
                    a.site_id,
                    p.start,
                )
            )
            continue
        if a.site_id not in scenario.radiologist(a.radiologist_id).sites:
            found.append(
                Violation(
                    "credential",
                    f"{_who(scenario, a.radiologist_id)} has no credential for {_where(scenario, a.site_id)} "
                    f"({a.period.value} of {a.date})",
                    a.radiologist_id,
                    a.site_id,
                    p.start,
                )
            )
        elif a.site_id not in scenario.coverable_sites(a.radiologist_id):
            pool = next(m.pool_id for m in scenario.pools if m.site_id == a.site_id)
            missing = sorted(
                m.site_id
                for m in scenario.pools
                if m.pool_id == pool and m.site_id not in scenario.radiologist(a.radiologist_id).sites
            )
            found.append(
                Violation(
                    "credential",
                    f"{_who(scenario, a.radiologist_id)} reads {_where(scenario, a.site_id)} of pool {pool} "
                    f"without a credential for {_where_all(scenario, missing)} ({a.period.value} of {a.date})",
                    a.radiologist_id,
                    a.site_id,
                    p.start,
                )
            )
        if scenario.is_unavailable(a.radiologist_id, a.date):
            found.append(
                Violation(
                    "unavailable",
                    f"{_who(scenario, a.radiologist_id)} is unavailable on {a.date} but covers "
                    f"{_where(scenario, a.site_id)} ({a.period.value})",
                    a.radiologist_id,
                    a.site_id,
                    p.start,
                )
            )
    return found


def _at_once(scenario: Scenario, r: str, mine: list[_Duty], peak: dict) -> list[Violation]:
    """Sweep the radiologist's periods in time: how many sites and pools, and how much peak reading, at each
    instant."""
    found = []
    limit = scenario.rules.max_sites_per_radiologist
    cap = scenario.rules.max_peak_reading_minutes_per_hour
    events = sorted(
        [(d.period.start_utc, 1, i) for i, d in enumerate(mine)]
        + [(d.period.end_utc, 0, i) for i, d in enumerate(mine)]
    )  # ends (0) sort before starts (1) at the same instant: touching periods are not simultaneous
    pool_of = {m.site_id: m.pool_id for m in scenario.pools}
    open_now: set[int] = set()
    reported_sites = reported_load = reported_pools = False
    for _, is_start, i in events:
        if not is_start:
            open_now.discard(i)
            if not open_now:
                reported_sites = reported_load = reported_pools = False
            continue
        open_now.add(i)
        current = [mine[j] for j in sorted(open_now)]
        sites = sorted({d.assignment.site_id for d in current})
        when = mine[i].period.start
        if len(sites) > limit and not reported_sites:
            reported_sites = True
            found.append(
                Violation(
                    "max_sites",
                    f"{_who(scenario, r)} covers {len(sites)} sites at once from {when:%Y-%m-%d %H:%M} "
                    f"({_where_all(scenario, sites)}); at most {limit}",
                    r,
                    None,
                    when,
                )
            )
        pools = sorted({pool_of[d.assignment.site_id] for d in current if d.assignment.site_id in pool_of})
        if len(pools) > 1 and not reported_pools:
            reported_pools = True
            found.append(
                Violation(
                    "one_pool",
                    f"{_who(scenario, r)} reads {len(pools)} pools at once from {when:%Y-%m-%d %H:%M} "
                    f"({', '.join(pools)}: {_where_all(scenario, sites)}); "
                    "a pool of pools.csv has a reader of its own",
                    r,
                    None,
                    when,
                )
            )
        if cap is not None and len(current) > 1 and not reported_load:
            load = sum(min(cap, peak.get((d.assignment.site_id, d.period.kind), 0.0)) for d in current)
            if load > cap + 1e-6:
                reported_load = True
                found.append(
                    Violation(
                        "capacity",
                        f"{_who(scenario, r)} has {load:.1f} reading minutes per peak hour at once from "
                        f"{when:%Y-%m-%d %H:%M} ({_where_all(scenario, sites)}); at most {cap:g}",
                        r,
                        None,
                        when,
                    )
                )
    return found


def _self_formed_pools(scenario: Scenario, r: str, mine: list[_Duty]) -> list[Violation]:
    """The sites the radiologist reads at each instant hold no grouping that misses the turnaround target in
    simulation (`Scenario.turnaround_limits`, attached when the optimiser forms pools itself); one violation per
    stretch of simultaneous reading, naming every site read then."""
    limits = scenario.turnaround_limits
    if limits is None or not limits.below_target:
        return []
    below = [frozenset(grouping) for grouping in limits.below_target]
    smallest = min(len(grouping) for grouping in below)  # fewer sites read at once cannot hold a grouping
    events = sorted(
        [(d.period.start_utc, 1, i) for i, d in enumerate(mine)]
        + [(d.period.end_utc, 0, i) for i, d in enumerate(mine)]
    )  # ends before starts at the same instant: touching periods are not read together
    found = []
    open_now: set[int] = set()
    reported = False
    for _, is_start, i in events:
        if not is_start:
            open_now.discard(i)
            reported = reported and bool(open_now)
            continue
        open_now.add(i)
        sites = {mine[j].assignment.site_id for j in open_now}
        if reported or len(sites) < smallest or not any(grouping <= sites for grouping in below):
            continue
        reported = True
        period = mine[i].period
        found.append(
            Violation(
                "turnaround",
                f"{_who(scenario, r)} reads {_where_all(scenario, sorted(sites))} together on {period.date} "
                f"{period.kind.value}: this grouping misses {100 * limits.target_share:g} % of reports within "
                f"{limits.target_minutes:g} min",
                r,
                None,
                period.start,
            )
        )
    return found


def _blocks_and_rest(scenario: Scenario, r: str, mine: list[_Duty]) -> list[Violation]:
    """Merge touching or overlapping periods into blocks; check each block's length and the rest between blocks."""
    found = []
    longest = dt.timedelta(hours=scenario.rules.max_block_hours)
    rest = dt.timedelta(hours=scenario.rules.min_rest_hours)
    blocks: list[list[_Duty]] = []
    block_end: dt.datetime | None = None
    for duty in mine:
        if block_end is not None and duty.period.start_utc <= block_end:
            blocks[-1].append(duty)
            block_end = max(block_end, duty.period.end_utc)
        else:
            blocks.append([duty])
            block_end = duty.period.end_utc
    previous_end: dt.datetime | None = None
    previous_local: dt.datetime | None = None
    previous_sites: list[str] = []
    for block in blocks:
        start = min(d.period.start_utc for d in block)
        end = max(d.period.end_utc for d in block)
        local_start = min(block, key=lambda d: d.period.start_utc).period.start
        if end - start > longest:
            found.append(
                Violation(
                    "block",
                    f"{_who(scenario, r)} is on call for {(end - start).total_seconds() / 3600:g} h in a row "
                    f"from {local_start:%Y-%m-%d %H:%M} ({_where_all(scenario, _block_sites(block))}); "
                    f"at most {scenario.rules.max_block_hours:g} h",
                    r,
                    None,
                    local_start,
                )
            )
        if previous_end is not None and start - previous_end < rest:
            gap = (start - previous_end).total_seconds() / 3600
            found.append(
                Violation(
                    "rest",
                    f"{_who(scenario, r)} has only {gap:g} h of rest between the block ending "
                    f"{previous_local:%Y-%m-%d %H:%M} ({_where_all(scenario, previous_sites)}) and the one starting "
                    f"{local_start:%Y-%m-%d %H:%M} ({_where_all(scenario, _block_sites(block))});"
                    f" at least {scenario.rules.min_rest_hours:g} h",
                    r,
                    None,
                    local_start,
                )
            )
        previous_end = end
        previous_local = max(block, key=lambda d: d.period.end_utc).period.end
        previous_sites = _block_sites(block)
    return found


def _block_sites(block: list[_Duty]) -> list[str]:
    return sorted({d.assignment.site_id for d in block})


def _weekend_saturday(period: Period) -> dt.date | None:
    """Weekends run from Saturday 12:30 to Monday 08:30: periods starting on a Saturday or a Sunday."""
    weekday = period.date.weekday()
    if weekday in (5, 6):
        return period.date - dt.timedelta(days=weekday - 5)
    return None


def _monthly_limits(scenario: Scenario, r: str, mine: list[_Duty]) -> list[Violation]:
    found = []
    rules = scenario.rules
    fte = scenario.radiologist(r).fte if r in {x.radiologist_id for x in scenario.radiologists} else 1.0
    on_call: dict[str, set] = defaultdict(set)  # month -> distinct (start, end) on-call periods
    weekends: dict[str, set] = defaultdict(set)
    for duty in mine:
        month = f"{duty.period.date:%Y-%m}"
        on_call[month].add((duty.period.start_utc, duty.period.end_utc))
        saturday = _weekend_saturday(duty.period)
        if saturday is not None:
            weekends[f"{saturday:%Y-%m}"].add(saturday)
    if rules.max_periods_per_month is not None:
        allowed = math.ceil(rules.max_periods_per_month * fte - 1e-9)
        for month, spans in sorted(on_call.items()):
            if len(spans) > allowed:
                found.append(
                    Violation(
                        "monthly_limit",
                        f"{_who(scenario, r)} is on call {len(spans)} periods in {month}; at most "
                        f"{allowed} ({rules.max_periods_per_month} pro rata FTE {fte:g})",
                        r,
                    )
                )
    if rules.max_weekends_per_month is not None:
        for month, saturdays in sorted(weekends.items()):
            if len(saturdays) > rules.max_weekends_per_month:
                found.append(
                    Violation(
                        "weekend_limit",
                        f"{_who(scenario, r)} works {len(saturdays)} weekends in {month}; "
                        f"at most {rules.max_weekends_per_month}",
                        r,
                    )
                )
    return found


def _pools(scenario: Scenario, duties: list[_Duty]) -> list[Violation]:
    pool_of = {m.site_id: m.pool_id for m in scenario.pools}
    readers: dict[tuple, dict[str, str]] = defaultdict(dict)
    for duty in duties:
        pool = pool_of.get(duty.assignment.site_id)
        if pool is not None:
            readers[(pool, duty.period.start_utc, duty.period.end_utc, duty.period.start)][duty.assignment.site_id] = (
                duty.assignment.radiologist_id
            )
    found = []
    for (pool, _, _, local), by_site in sorted(readers.items(), key=lambda item: (item[0][1], item[0][0])):
        if len(set(by_site.values())) > 1:
            detail = ", ".join(f"{_where(scenario, s)} by {_who(scenario, r)}" for s, r in sorted(by_site.items()))
            found.append(
                Violation("pool", f"pool {pool} is split from {local:%Y-%m-%d %H:%M}: {detail}", None, None, local)
            )
    return found


def _pins(scenario: Scenario, covered: dict[tuple, list[str]]) -> list[Violation]:
    found = []
    for pin in scenario.pins:
        readers = covered.get((pin.date, pin.period, pin.site_id), [])
        if pin.radiologist_id not in readers:
            found.append(
                Violation(
                    "pin",
                    f"{_where(scenario, pin.site_id)} {pin.period.value} of {pin.date} was agreed for "
                    f"{_who(scenario, pin.radiologist_id)}, the rota gives it to "
                    f"{', '.join(_who(scenario, r) for r in readers) or 'nobody'}",
                    pin.radiologist_id,
                    pin.site_id,
                )
            )
    return found
