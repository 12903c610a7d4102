"""Choose pools of sites with CP-SAT: a set partitioning over candidate pools.

Every site is in exactly one chosen pool. First the number of pools (radiologists on call at once) is minimised;
then, with that number fixed, the total spread of the pools (a cost per pool, such as kilometres between its sites).
A staffing constraint keeps each radiologist's capacity from being counted for two pools: the periods a pool must
cover are shared out among the radiologists credentialed for all its sites (a transportation constraint), so two
pools cannot both lean on the same three people.

The candidate pools, their costs and their staffing figures come from the caller (`analysis.pool_design`), which
decides what a feasible pool is (turnaround target, credentials); this module knows nothing about exams.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from pds_plan.optimise.rota_model import cp_solver


@dataclass(frozen=True)
class Candidate:
    """A pool the partition may choose: its sites, a spread cost, the periods it must cover and who may cover it."""

    site_ids: tuple[str, ...]
    cost: int
    periods: int  # the unit of `capacity` (nights, say) the pool needs staffed
    radiologists: tuple[str, ...]


@dataclass(frozen=True)
class Partition:
    chosen: tuple[int, ...]  # indexes into the candidates
    pools: int
    cost: int
    optimal: bool
    staffing: dict[tuple[str, int], int]  # (radiologist, candidate) -> periods allotted


class NoPartition(Exception):
    """No choice of candidates covers every site once within the radiologists' capacity."""


def partition_sites(
    site_ids: Sequence[str],
    candidates: Sequence[Candidate],
    capacity: Mapping[str, int] | None,
    time_limit: float = 30.0,
    seed: int = 0,
) -> Partition:
    """Cover every site with exactly one candidate: fewest pools first, then least total cost.

    Parameters
    ----------
    site_ids
        The sites to partition; every one must appear in some candidate.
    candidates
        The pools allowed.
    capacity
        Periods each radiologist can take over the horizon; a radiologist missing here has no capacity. None: no
        staffing constraint at all.
    time_limit, seed
        CP-SAT settings, per phase; one worker, so that the same inputs give the same pools.
    """
    first = _solve(site_ids, candidates, capacity, time_limit, seed, fixed_pools=None)
    second = _solve(site_ids, candidates, capacity, time_limit, seed, fixed_pools=first.pools)
    return Partition(second.chosen, second.pools, second.cost, first.optimal and second.optimal, second.staffing)


def _solve(
    site_ids: Sequence[str],
    candidates: Sequence[Candidate],
    capacity: Mapping[str, int] | None,
    time_limit: float,
    seed: int,
    fixed_pools: int | None,
) -> Partition:
    model = cp_model.CpModel()
    use = [model.new_bool_var(f"use[{'+'.join(c.site_ids)}]") for c in candidates]
    for site in site_ids:
        model.add_exactly_one(use[i] for i, c in enumerate(candidates) if site in c.site_ids)

    allotted: dict[tuple[str, int], cp_model.IntVar] = {}
    limits: Mapping[str, int] = capacity if capacity is not None else {}
    for i, candidate in enumerate(candidates if capacity is not None else ()):
        shares = []
        for r in candidate.radiologists:
            if limits.get(r, 0) > 0:
                var = model.new_int_var(0, min(limits[r], candidate.periods), f"periods[{r}|{i}]")
                model.add(var == 0).only_enforce_if(~use[i])
                allotted[(r, i)] = var
                shares.append(var)
        model.add(sum(shares) >= candidate.periods).only_enforce_if(use[i])
    by_radiologist: dict[str, list[cp_model.IntVar]] = {}
    for (r, _), var in allotted.items():
        by_radiologist.setdefault(r, []).append(var)
    for r, variables in by_radiologist.items():
        if len(variables) > 1:
            model.add(sum(variables) <= limits[r])

    if fixed_pools is None:
        model.minimize(sum(use))
    else:
        model.add(sum(use) == fixed_pools)
        model.minimize(sum(c.cost * u for c, u in zip(candidates, use, strict=True)))

    solver = cp_solver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise NoPartition(solver.status_name(status))
    chosen = tuple(i for i, u in enumerate(use) if solver.boolean_value(u))
    return Partition(
        chosen=chosen,
        pools=len(chosen),
        cost=sum(candidates[i].cost for i in chosen),
        optimal=status == cp_model.OPTIMAL,
        staffing={key: solver.value(var) for key, var in allotted.items() if solver.value(var)},
    )
