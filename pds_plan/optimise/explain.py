"""Why no rota exists, in the planner's words: fast pre-checks first, then a small set of conflicting rules.

Pre-checks name the obvious causes (site X on night D: no credentialed radiologist available). If CP-SAT still
proves the model infeasible, the hard rules are rebuilt behind assumption literals grouped by (rule, site or
radiologist, month), and `sufficient_assumptions_for_infeasibility` gives a small group of them that cannot hold
together, which is translated back into sites, radiologists, months and rules.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.model import Scenario
from pds_plan.optimise.rota_model import GuardKey, cp_solver

RULE_WORDS = {
    "coverage": "every PDS period of site {subject} covered in {month}",
    "max_sites": "{subject} covers at most {limit} sites at once in {month}",
    "capacity": "{subject}'s sites stay under the peak reading limit in {month}",
    "rest": "{subject} rests at least {rest} h between blocks in {month}",
    "block": "{subject} works blocks of at most {block} h in {month}",
    "monthly_limit": "{subject} stays under the monthly on-call limit in {month}",
    "weekend_limit": "{subject} stays under the weekends-per-month limit in {month}",
    "pool": "pool {subject} read by one radiologist in {month}",
    "one_pool": "{subject} reads one pool at a time in {month}",
    "turnaround": "{subject} reads no grouping of sites that misses the turnaround target in {month}",
    "pin": "the agreed assignment of {subject} in {month}",
}

SUGGESTIONS = {
    "coverage": "add a credential (convention) for the site, or move some leave",
    "max_sites": "raise max_sites_per_radiologist or credential more radiologists",
    "capacity": "raise max_peak_reading_minutes_per_hour or credential more radiologists for the busy sites",
    "rest": "credential more radiologists for these sites: the same few cannot rest enough",
    "block": "credential more radiologists, or raise max_block_hours",
    "monthly_limit": "raise max_periods_per_month or credential more radiologists",
    "weekend_limit": "raise max_weekends_per_month or credential more radiologists",
    "pool": "split the pool in pools.csv or credential its radiologists for all its sites",
    "one_pool": "merge small pools in pools.csv or credential more radiologists for them",
    "turnaround": (
        "credential more radiologists for the busy sites, design pools (pds-plan pools design) or set "
        "self_formed_pools_meet_target = false in [rules]"
    ),
    "pin": "remove or change the pin in pins.csv",
}


def _describe(periods: list[Period]) -> str:
    first, last = periods[0], periods[-1]
    kinds = sorted({p.kind.value for p in periods})
    if len(periods) == 1:
        return f"{first.kind.value} of {first.date:%a %Y-%m-%d}"
    return f"{len(periods)} periods ({', '.join(kinds)}) from {first.date} to {last.date}"


def precheck(scenario: Scenario, periods: list[Period] | None = None) -> tuple[list[str], list[str]]:
    """Obvious reasons no rota exists, and suggestions; both empty when none is found."""
    periods = periods if periods is not None else build_calendar(scenario)
    reasons: list[str] = []
    suggestions: list[str] = []
    credentialed = {s.site_id: scenario.credentialed(s.site_id) for s in scenario.pds_sites}
    uncovered: dict[tuple[str, tuple[str, ...]], list[Period]] = defaultdict(list)
    for period in periods:
        who = credentialed[period.site_id]
        if all(scenario.is_unavailable(r.radiologist_id, period.date) for r in who):
            uncovered[(period.site_id, tuple(r.radiologist_id for r in who))].append(period)
    for (site_id, names), gaps in uncovered.items():
        if names:
            reasons.append(
                f"site {site_id}: no credentialed radiologist available on {_describe(gaps)} "
                f"(credentialed: {', '.join(names)}, all unavailable)"
            )
            suggestions.append(f"credential another radiologist for {site_id}, or move leave of {', '.join(names)}")
        else:
            reasons.append(f"site {site_id}: no radiologist holds a credential for it ({_describe(gaps)})")
            suggestions.append(f"add a credential (convention) for {site_id} in radiologists.csv")
    pools: dict[str, list[str]] = defaultdict(list)
    for member in scenario.pools:
        pools[member.pool_id].append(member.site_id)
    for pool, sites in sorted(pools.items()):
        if len(sites) > scenario.rules.max_sites_per_radiologist:
            reasons.append(
                f"pool {pool} has {len(sites)} sites, more than max_sites_per_radiologist = "
                f"{scenario.rules.max_sites_per_radiologist}"
            )
            suggestions.append(f"split pool {pool} in pools.csv")
        readers = [r.radiologist_id for r in scenario.radiologists if set(sites) <= r.sites]
        if not readers:
            reasons.append(f"pool {pool}: nobody holds a credential for all of {', '.join(sorted(sites))}")
            suggestions.append(f"credential some radiologists for every site of pool {pool}, or split it")
    for pin in scenario.pins:
        if scenario.is_unavailable(pin.radiologist_id, pin.date):
            reasons.append(f"pin: {pin.radiologist_id} is agreed for {pin.site_id} on {pin.date} but is unavailable")
            suggestions.append("remove the pin or the unavailability")
    return reasons, suggestions


def explain_infeasibility(
    scenario: Scenario, time_limit: float = 60.0, workers: int = 1
) -> tuple[list[str], list[str]]:
    """A small set of rules that cannot all hold, in words, and what to relax; empty if none was found in time."""
    from pds_plan.optimise.solve import build_rota_model

    rota = build_rota_model(scenario, explain=True, objective=False)
    rota.model.add_assumptions(list(rota.guards.values()))
    solver = cp_solver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(rota.model)
    if status != cp_model.INFEASIBLE:
        return [], []
    by_index = {var.index: key for key, var in rota.guards.items()}
    core: list[GuardKey] = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    rules = scenario.rules
    words = [
        RULE_WORDS.get(rule, rule + " for {subject} in {month}").format(
            subject=subject,
            month=month,
            limit=rules.max_sites_per_radiologist,
            rest=f"{rules.min_rest_hours:g}",
            block=f"{rules.max_block_hours:g}",
        )
        for rule, subject, month in sorted(core)
    ]
    suggestions = sorted({SUGGESTIONS[rule] for rule, _, _ in core if rule in SUGGESTIONS})
    return ["these rules cannot all hold: " + "; ".join(words)] if words else [], suggestions
