"""The key figures of a run: the only place they are computed.

The run panel, the report, `compare`, the sweep and the notebooks all show `KeyFigures`, never a figure of their
own, so that they cannot disagree; each display rounds the unrounded values here once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from pds_plan.analysis.cost import Costs
from pds_plan.analysis.workload import Workload, on_call_per_night
from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.domain.run import KeyFigures


def excluded_radiologists(scenario: Scenario) -> tuple[str, ...]:
    """Radiologists who can be given no PDS site: credentialed for none, or, with fixed pools, for no whole pool and
    no site outside the pools. They are never on call, so fairness figures leave them out; planners must see them."""
    pds = {s.site_id for s in scenario.pds_sites}
    return tuple(
        sorted(r.radiologist_id for r in scenario.radiologists if not scenario.coverable_sites(r.radiologist_id) & pds)
    )


def pooled_sites(workload: Workload) -> int:
    """PDS sites read together with another site on most of the periods they are covered."""
    shared: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    for duty in workload.duties:
        for period in duty.periods:
            covered[period.site_id] += 1
            if len(duty.site_ids) > 1:
                shared[period.site_id] += 1
    return sum(1 for site, n in covered.items() if shared[site] * 2 > n)


def pools_below_target(pools: pd.DataFrame, target_share: float) -> pd.DataFrame:
    """The pools as worked (`workload.pool_shares`: a fixed pool, or sites the optimiser put together, or a site read
    alone) whose share of reports within the target, over their duties, misses `target_share`: the very shares the
    report's pool table and the turnaround plot show."""
    return pools[pools["sla_share"] < target_share].sort_values(["sla_share", "pool_id"])


def regional_share(sites: pd.DataFrame) -> float | None:
    """Share of the region's reports made on call within the target: the sites' shares weighted by the exams read
    on call at each (as each site's share is weighted within it)."""
    known = sites.dropna(subset=["sla_share_within_target"])
    read = known["exams_read_on_call"]
    if read.sum() <= 0:
        return None
    return float((read * known["sla_share_within_target"]).sum() / read.sum())


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def key_figures(
    scenario: Scenario,
    solve: Mapping[str, Any],
    violations: int,
    assignments: Iterable[Assignment],
    workload: Workload,
    pools: pd.DataFrame,
    costs: Costs,
    sla_target: float,
) -> KeyFigures:
    """Every key figure of a run from its parts: the solver's record (`RunResult.summary()`), the independent rule
    check, the rota, its workload (with the turnaround simulations), its pools as worked (`pool_shares`) and its
    costs."""
    rota = pd.DataFrame(
        [(a.date.isoformat(), a.period.value, a.site_id, a.radiologist_id) for a in assignments],
        columns=["date", "period", "site_id", "radiologist_id"],
    )
    nights = on_call_per_night(rota)
    sites = workload.sites.dropna(subset=["sla_share_within_target"])
    worst = sites.sort_values("sla_share_within_target").iloc[0] if len(sites) else None
    names = {s.site_id: s.name for s in scenario.sites}
    below = pools_below_target(pools, sla_target)
    fairness = solve.get("fairness") or {}
    baseline = (solve.get("greedy_baseline") or {}).get("fairness") or {}
    floor = solve.get("fairness_floor") or {}
    excluded = excluded_radiologists(scenario)
    lost = workload.days_lost
    return KeyFigures(
        scenario=scenario.name,
        status=str(solve.get("status")),
        proven_optimal=bool(solve.get("proven_optimal")),
        gap=_number(solve.get("gap")),
        gap_of=solve.get("gap_of"),
        violations=violations,
        on_call_duties=len(workload.duties),
        site_periods=int(workload.sites["pds_periods"].sum()),
        pds_sites=len(scenario.pds_sites),
        pooled_sites=pooled_sites(workload),
        on_call_per_night=float(nights["radiologists"].mean()) if len(nights) else 0.0,
        sla_minutes=float(workload.target_minutes),
        sla_target=float(sla_target),
        regional_sla_share=regional_share(workload.sites),
        worst_site=None if worst is None else str(worst["site_id"]),
        worst_site_name=None if worst is None else names[str(worst["site_id"])],
        worst_site_sla_share=None if worst is None else float(worst["sla_share_within_target"]),
        pools_below_target=len(below),
        pools_below_target_names=tuple(
            " + ".join(names.get(site, site) for site in str(sites).split(";")) for sites in below["sites"]
        ),
        fairness_max_over_min=_number(fairness.get("spread_ratio_max_min")),
        fairness_within_groups=_number(fairness.get("spread_ratio_within_credential_groups")),
        fairness_hours_max_over_min=_number(fairness.get("hours_spread_ratio_max_min")),
        fairness_hours_within_groups=_number(fairness.get("hours_spread_ratio_within_credential_groups")),
        credential_groups=int(fairness.get("credential_groups") or 0),
        fairness_floor=_number(floor.get("spread_ratio_at_least")),
        fairness_floor_within_groups=_number(floor.get("spread_ratio_within_credential_groups_at_least")),
        baseline_max_over_min=_number(baseline.get("spread_ratio_max_min")),
        baseline_within_groups=_number(baseline.get("spread_ratio_within_credential_groups")),
        baseline_hours_max_over_min=_number(baseline.get("hours_spread_ratio_max_min")),
        radiologists=len(scenario.radiologists),
        radiologists_excluded=len(excluded),
        radiologists_excluded_ids=excluded,
        daytime_days_lost=float(lost["days_lost"].sum()),
        daytime_days_lost_without_pooling=float(lost["days_lost_without_pooling"].sum()),
        cost_total_eur=float(costs.region["total"]),
        cost_no_pooling_eur=float(costs.region["no_pooling_total"]),
    )
