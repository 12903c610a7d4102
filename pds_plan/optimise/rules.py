"""The hard rules of the rota, one function per rule family (docs/rules.md, "Hard rules").

Each function states its rule in the planner's words. Credentials and unavailability are not functions here: the
model only has a variable x[r, slot] where r holds a credential for the site and is available that date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from pds_plan.domain.demand import peak_reading_minutes_per_hour
from pds_plan.domain.model import Scenario
from pds_plan.optimise.rota_model import RotaModel, link_or, month_limit
from pds_plan.optimise.windows import WindowPlan

TENTHS = 10  # capacity is compared in tenths of a reading minute, to keep every coefficient integer


def add_exact_coverage(rota: RotaModel) -> None:
    """Every PDS period of every PDS site is covered by exactly one radiologist."""
    for slot, period in enumerate(rota.plan.slots):
        covering = [rota.x[(r, slot)] for r in rota.candidates[slot]]
        rota.model.add(sum(covering) == 1).only_enforce_if(rota.guard("coverage", period.site_id, period.date))


def add_max_sites_at_once(rota: RotaModel) -> None:
    """At any instant a radiologist covers at most `max_sites_per_radiologist` sites (Lorraine: three at once)."""
    limit = rota.scenario.rules.max_sites_per_radiologist
    for r in _radiologists(rota):
        for group in rota.plan.overlapping:
            covering = rota.slots_of(r, group)
            if len(covering) > limit:
                day = rota.plan.windows[group[0]].local_date
                rota.model.add(sum(covering) <= limit).only_enforce_if(rota.guard("max_sites", r, day))


def add_peak_capacity(rota: RotaModel) -> None:
    """The expected reading minutes per peak hour of the sites one radiologist covers at once stay under the limit.

    A site busier than the limit on its own still needs somebody: it then fills that radiologist's capacity, so it
    is never pooled with another.
    """
    loads = peak_load_tenths(rota.scenario, rota.plan)
    if loads is None:
        return
    cap = capacity_tenths(rota.scenario)
    for r in _radiologists(rota):
        for group in rota.plan.overlapping:
            terms = [
                loads[slot] * rota.x[(r, slot)]
                for w in group
                for slot in rota.slots_in_window.get((r, w), ())
                if loads[slot]
            ]
            if len(terms) > 1:
                day = rota.plan.windows[group[0]].local_date
                rota.model.add(sum(terms) <= cap).only_enforce_if(rota.guard("capacity", r, day))


def capacity_tenths(scenario: Scenario) -> int:
    limit = scenario.rules.max_peak_reading_minutes_per_hour
    return round((limit or 0) * TENTHS)


def peak_load_tenths(scenario: Scenario, plan: WindowPlan) -> list[int] | None:
    """Each slot's expected peak-hour reading minutes, in tenths, capped at the limit; None when the rule is off."""
    if scenario.rules.max_peak_reading_minutes_per_hour is None:
        return None
    peak = peak_reading_minutes_per_hour(scenario)
    cap = capacity_tenths(scenario)
    # Rounded up, so that a rota the model accepts never exceeds the limit in exact arithmetic (check.py).
    return [min(cap, math.ceil(peak.get((p.site_id, p.kind), 0.0) * TENTHS - 1e-9)) for p in plan.slots]


def add_rest_between_blocks(rota: RotaModel) -> None:
    """Blocks of on-call are separated by at least `min_rest_hours` (repos de sécurité): no two nights in a row."""
    for r in _radiologists(rota):
        for first, second in rota.plan.too_close:
            if (r, first) in rota.on and (r, second) in rota.on:
                day = rota.plan.windows[second].local_date
                rota.model.add_bool_or([rota.on[(r, first)].Not(), rota.on[(r, second)].Not()]).only_enforce_if(
                    rota.guard("rest", r, day)
                )


def add_max_block_length(rota: RotaModel) -> None:
    """Touching on-call periods form one block of at most `max_block_hours` (Sunday day + Sunday night = 24 h)."""
    for r in _radiologists(rota):
        for chain in rota.plan.too_long:
            if all((r, w) in rota.on for w in chain):
                day = rota.plan.windows[chain[-1]].local_date
                rota.model.add_bool_or([rota.on[(r, w)].Not() for w in chain]).only_enforce_if(
                    rota.guard("block", r, day)
                )


def add_monthly_limit(rota: RotaModel) -> None:
    """A radiologist takes at most `max_periods_per_month` on-call periods a calendar month, pro rata FTE."""
    limit = rota.scenario.rules.max_periods_per_month
    if limit is None:
        return
    by_month: dict[tuple[str, str], list] = defaultdict(list)
    for (r, w), on in rota.on.items():
        by_month[(r, f"{rota.plan.windows[w].local_date:%Y-%m}")].append((on, rota.plan.windows[w].local_date))
    for (r, _), items in by_month.items():
        allowed = month_limit(limit, rota.scenario.radiologist(r).fte)
        if len(items) > allowed:
            rota.model.add(sum(on for on, _ in items) <= allowed).only_enforce_if(
                rota.guard("monthly_limit", r, items[0][1])
            )


def add_weekend_limit(rota: RotaModel) -> None:
    """A radiologist works at most `max_weekends_per_month` weekends (Saturday 12:30 to Monday 08:30) a month."""
    limit = rota.scenario.rules.max_weekends_per_month
    if limit is None:
        return
    weekend_windows: dict[tuple[str, dt.date], list] = defaultdict(list)
    for (r, w), on in rota.on.items():
        saturday = rota.plan.windows[w].weekend
        if saturday is not None:
            weekend_windows[(r, saturday)].append(on)
    by_month: dict[tuple[str, str], list] = defaultdict(list)
    for (r, saturday), ons in sorted(weekend_windows.items()):
        worked = rota.model.new_bool_var(f"weekend[{r}|{saturday}]")
        link_or(rota.model, worked, ons)
        by_month[(r, f"{saturday:%Y-%m}")].append((worked, saturday))
    for (r, _), items in by_month.items():
        if len(items) > limit:
            rota.model.add(sum(w for w, _ in items) <= limit).only_enforce_if(
                rota.guard("weekend_limit", r, items[0][1])
            )


def add_fixed_pools(rota: RotaModel) -> None:
    """Sites of a pool from pools.csv are read together: the same radiologist covers all of them at once."""
    pool_of = {member.site_id: member.pool_id for member in rota.scenario.pools}
    if not pool_of:
        return
    for window in rota.plan.windows:
        by_pool: dict[str, list[int]] = defaultdict(list)
        for slot in window.slots:
            pool = pool_of.get(rota.plan.slots[slot].site_id)
            if pool is not None:
                by_pool[pool].append(slot)
        for pool, slots in by_pool.items():
            guard = rota.guard("pool", pool, window.local_date)
            first, others = slots[0], slots[1:]
            for slot in others:
                for r in set(rota.candidates[first]) | set(rota.candidates[slot]):
                    a = rota.x.get((r, first), 0)
                    b = rota.x.get((r, slot), 0)
                    rota.model.add(a == b).only_enforce_if(guard)


def add_one_pool_at_once(rota: RotaModel) -> None:
    """A radiologist reading a pool from pools.csv reads no other pool at the same time: each pool was designed (and
    its turnaround checked) for one reader of its own. Sites outside pools.csv stay free to join anyone."""
    pool_of = {member.site_id: member.pool_id for member in rota.scenario.pools}
    if len(set(pool_of.values())) < 2:
        return
    for r in _radiologists(rota):
        for group in rota.plan.overlapping:
            reading: dict[str, list] = defaultdict(list)
            for w in group:
                for slot in rota.plan.windows[w].slots:
                    pool = pool_of.get(rota.plan.slots[slot].site_id)
                    if pool is not None and (r, slot) in rota.x:
                        reading[pool].append(rota.x[(r, slot)])
            if len(reading) < 2:
                continue
            pools = []
            for pool, covering in sorted(reading.items()):
                if len(covering) == 1:
                    pools.append(covering[0])
                else:
                    reads = rota.model.new_bool_var(f"reads[{r}|{pool}|{group[0]}]")
                    link_or(rota.model, reads, covering)
                    pools.append(reads)
            day = rota.plan.windows[group[0]].local_date
            rota.model.add(sum(pools) <= 1).only_enforce_if(rota.guard("one_pool", r, day))


def add_pools_meet_turnaround(rota: RotaModel) -> None:
    """Pools the optimiser forms itself keep the turnaround target: at no time does a radiologist read every site of
    a grouping that misses it in simulation (`Scenario.turnaround_limits`, e.g. 95 % of reports within 30 minutes,
    the Picardie pilot's PDS target). Computed when the scenario has no pools.csv; forbidding the minimal groupings
    forbids every larger one containing them."""
    limits = rota.scenario.turnaround_limits
    if limits is None or not limits.below_target:
        return
    grouped = {site for grouping in limits.below_target for site in grouping}  # sites of some grouping
    for r in _radiologists(rota):
        # Only the groupings a radiologist may read every site of can ever be completed by them.
        coverable = rota.scenario.coverable_sites(r)
        theirs = sorted(g for g in set(limits.below_target) if all(site in coverable for site in g))
        if not theirs:
            continue
        for group in rota.plan.overlapping:
            # A site has at most one period open at any instant: one literal per site of the group.
            reads = {
                rota.plan.slots[slot].site_id: rota.x[(r, slot)]
                for w in group
                for slot in rota.slots_in_window.get((r, w), ())
                if rota.plan.slots[slot].site_id in grouped
            }
            if len(reads) < 2:
                continue
            day = rota.plan.windows[group[0]].local_date
            for grouping in theirs:
                if all(site in reads for site in grouping):
                    rota.model.add(sum(reads[site] for site in grouping) <= len(grouping) - 1).only_enforce_if(
                        rota.guard("turnaround", r, day)
                    )


def add_pins(rota: RotaModel) -> None:
    """Assignments agreed beforehand (pins.csv) are kept as they are."""
    slot_of = {period.key: slot for slot, period in enumerate(rota.plan.slots)}
    for pin in rota.scenario.pins:
        slot = slot_of.get((pin.date, pin.period, pin.site_id))
        guard = rota.guard("pin", f"{pin.radiologist_id} at {pin.site_id}", pin.date)
        var = rota.x.get((pin.radiologist_id, slot)) if slot is not None else None
        if var is None:
            rota.model.add_bool_or([]).only_enforce_if(guard)  # cannot hold: unavailable, or no such period
        else:
            rota.model.add(var == 1).only_enforce_if(guard)


HARD_RULES = (
    add_exact_coverage,
    add_max_sites_at_once,
    add_peak_capacity,
    add_rest_between_blocks,
    add_max_block_length,
    add_monthly_limit,
    add_weekend_limit,
    add_fixed_pools,
    add_one_pool_at_once,
    add_pools_meet_turnaround,
    add_pins,
)


def _radiologists(rota: RotaModel) -> list[str]:
    return sorted({r for r, _ in rota.on})
