"""The fairness floor: how even any rota of a scenario can be, whatever the search does.

Loads cannot always be evened out: a site few radiologists hold a credential for needs them night after night, and
radiologists credentialed for a single quiet site get little. This module proves a lower limit on the fairness
spread (max / min points per FTE-available day) from a linear relaxation of the rota: the horizon's on-call windows
are grouped by month, points and period kinds, and each radiologist takes a fractional number of windows of each
class, so that every site's periods are covered by credentialed, available radiologists within the per-window limits
(sites at once, peak reading capacity, no pair of sites that misses the turnaround target read together, the sites of a
fixed pool read together and one pool at a time), the monthly limit and the rest rule (no two nights in a row).
Any real rota gives such numbers, so the least the most loaded radiologist can have in the relaxation is a lower
bound on the most loaded's load in every rota, and the most the least loaded can have an upper bound on the least
loaded's: their ratio is a floor for the spread. Rules the relaxation leaves out (blocks, weekends) only make the
floor lower, never wrong.

The planner reads it as: "no rota under these credentials goes below this spread; to go lower, add credentials".
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.model import PeriodKind, Scenario
from pds_plan.domain.rota import credential_groups, fair_share_weights
from pds_plan.optimise.rota_model import month_limit
from pds_plan.optimise.rules import capacity_tenths, peak_load_tenths
from pds_plan.optimise.windows import Window, WindowPlan, plan_windows

# The LP solvers, in order of trial (_Relaxation._build); the first has this long (or this share of the time given)
# before the other's turn.
LP_SOLVERS = ("CLP", "GLOP")
FIRST_SIMPLEX_SECONDS = 5.0
FIRST_SIMPLEX_SHARE = 0.5
# The LP is solved in floating point: its optimum is moved by this relative margin in the cautious direction, so that
# the floor stays a floor.
SAFETY = 1e-6

WindowClass = tuple[str, tuple[int, ...], tuple[str, ...]]  # (month, points of its slots, period kinds)


@dataclass(frozen=True)
class GroupFloor:
    group: str
    radiologists: int
    highest_at_least: float  # points per FTE-available share the most loaded radiologist has in every rota
    lowest_at_most: float  # points per FTE-available share the least loaded radiologist has in every rota

    @property
    def spread_ratio(self) -> float:
        if self.lowest_at_most <= 0:
            return math.inf
        return max(1.0, self.highest_at_least / self.lowest_at_most)


@dataclass(frozen=True)
class FairnessFloor:
    groups: tuple[GroupFloor, ...]
    note: str | None = None  # why there is no floor, when there is none

    @property
    def spread_ratio(self) -> float:
        """No rota has a smaller max / min points per FTE-available day over all radiologists who may take PDS."""
        if not self.groups:
            return math.nan
        lowest = min(g.lowest_at_most for g in self.groups)
        if lowest <= 0:
            return math.inf
        return max(1.0, max(g.highest_at_least for g in self.groups) / lowest)

    @property
    def spread_ratio_within_groups(self) -> float:
        """No rota has a smaller worst ratio inside a group of radiologists linked by shared credentials."""
        return max((g.spread_ratio for g in self.groups if g.radiologists > 1), default=math.nan)

    def as_dict(self) -> dict[str, float | str | None]:
        return {
            "spread_ratio_at_least": _rounded_down(self.spread_ratio),
            "spread_ratio_within_credential_groups_at_least": _rounded_down(self.spread_ratio_within_groups),
            "note": self.note,
            "method": "linear relaxation: windows by month and kind taken fractionally (optimise/fairness_floor.py)",
        }


def _rounded_down(value: float) -> float | None:
    """Three decimals, rounded towards the safe side; None when there is nothing to bound (JSON has no infinity)."""
    return math.floor(value * 1000) / 1000 if math.isfinite(value) else None


class _Relaxation:
    """The LP, built once: windows of each class a radiologist takes, site periods of each class they cover, and
    per radiologist two rows tying their load (points, balances included, per fair share) to a common level; rows are
    switched on only for the radiologists whose extreme load is asked for.

    Where a window's slots are worth different points (Good Friday is a holiday in Moselle only), a radiologist
    earns the most of the slots they cover, which the relaxation cannot know: the most loaded is bounded with the
    least a window can earn, the least loaded with the window's least plus every covered slot's excess over it.
    """

    def __init__(
        self,
        scenario: Scenario,
        plan: WindowPlan,
        eligible: list[str],
        scale: Mapping[str, float] | None = None,
        carried: Mapping[str, float] | None = None,
    ) -> None:
        self._inputs = (scenario, plan, eligible, scale, carried)
        self._build(LP_SOLVERS[0])

    def _build(self, name: str) -> None:
        """The LP afresh for one of LP_SOLVERS: COIN-OR's CLP solved every relaxation measured within 1.2 s (the
        bundled quarters, synthetic regions of 12-20 sites, a month of a synthetic year of 250 radiologists), where
        GLOP's primal simplex took 19 s on that month and its dual over 10 s on Pays de la Loire's quarter; GLOP
        stays as the other's stand-in."""
        scenario, plan, eligible, scale, carried = self._inputs
        self.name = name
        self.solver = pywraplp.Solver.CreateSolver(name)
        low, high, self.offset = _relaxed_loads(self.solver, scenario, plan, eligible, scale, carried)
        self.level = self.solver.NumVar(0.0, self.solver.infinity(), "level")
        infinity = self.solver.infinity()
        # Everybody's load at most a given maximum (switched on by `extreme_load`'s `largest_at_most`). The rows hold
        # the loads without their constant (the points carried), which `_solve` moves into the bounds it sets: a row's
        # bounds set anew would drop the constant pywraplp folded into them.
        self.caps = {r: self.solver.Add(-infinity <= low[r] <= infinity) for r in eligible}
        self.rows = {(r, True): self.solver.Add(-infinity <= low[r] - self.level <= infinity) for r in eligible} | {
            (r, False): self.solver.Add(-infinity <= high[r] - self.level <= infinity) for r in eligible
        }

    def set_carried(self, carried: Mapping[str, float]) -> None:
        scenario, plan, eligible, scale, _ = self._inputs
        self._inputs = (scenario, plan, eligible, scale, carried)
        self.offset = _offsets(scenario, eligible, scale, carried)

    def extreme_load(
        self, team: list[str], highest: bool, seconds: float, largest_at_most: float | None = None
    ) -> tuple[int, float | None]:
        """The least possible load of the most loaded of `team` (highest=True), or the most possible load of its
        least loaded (highest=False), with every load of `team` at most `largest_at_most` when given; None without
        an optimum within `seconds` (or none at all: no rota then). The current LP solver has a short while before the
        LP is built anew for the other, which is kept for the next calls."""
        started = time.monotonic()
        status, value = pywraplp.Solver.NOT_SOLVED, None
        for attempt in range(2):
            left = seconds - (time.monotonic() - started)
            if left <= 0:
                break
            if attempt == 0:
                left = min(left, max(FIRST_SIMPLEX_SECONDS, FIRST_SIMPLEX_SHARE * seconds))
            status, value = self._solve(team, highest, left, largest_at_most)
            if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.INFEASIBLE):
                return status, value
            self._build(LP_SOLVERS[(LP_SOLVERS.index(self.name) + 1) % len(LP_SOLVERS)])
        return status, value

    def _solve(
        self, team: list[str], highest: bool, seconds: float, largest_at_most: float | None
    ) -> tuple[int, float | None]:
        self.solver.SetTimeLimit(max(1, int(seconds * 1000)))
        infinity = self.solver.infinity()
        if largest_at_most is not None:
            for r in team:
                self.caps[r].SetBounds(-infinity, largest_at_most * (1 + SAFETY) - self.offset[r])
        for r in team:
            row = self.rows[(r, highest)]
            row.SetBounds(-infinity, -self.offset[r]) if highest else row.SetBounds(-self.offset[r], infinity)
        objective = self.solver.Objective()
        objective.SetCoefficient(self.level, 1.0)
        objective.SetOptimizationDirection(not highest)  # True maximises
        status = self.solver.Solve()
        value = float(objective.Value()) if status == pywraplp.Solver.OPTIMAL else None
        for r in team:
            self.rows[(r, highest)].SetBounds(-infinity, infinity)
            self.caps[r].SetBounds(-infinity, infinity)
        return status, value


class LoadRelaxation:
    """The relaxation of fairness_floor for the optimiser's own measure of load: `scale[r]` × (points carried +
    points earned), so that its optima bound the staged objective's (optimise/stages.py) in its own units."""

    def __init__(
        self,
        scenario: Scenario,
        plan: WindowPlan,
        radiologists: list[str],
        scale: Mapping[str, float],
        carried: Mapping[str, float],
    ) -> None:
        self.radiologists = radiologists
        self._relaxation = _Relaxation(scenario, plan, radiologists, scale, carried)

    def set_carried(self, carried: Mapping[str, float]) -> None:
        """Points carried from before the horizon, in points (the LP rows' constants)."""
        self._relaxation.set_carried(carried)

    def least_largest(self, seconds: float) -> float | None:
        """No rota gives its most loaded radiologist less than this (None: not proven within `seconds`)."""
        _, value = self._relaxation.extreme_load(self.radiologists, True, seconds)
        return None if value is None else value * (1 - SAFETY)

    def most_smallest(self, seconds: float, largest_at_most: float | None = None) -> float | None:
        """No rota whose loads are all at most `largest_at_most` gives its least loaded more than this."""
        _, value = self._relaxation.extreme_load(self.radiologists, False, seconds, largest_at_most)
        return None if value is None else value * (1 + SAFETY)


def fairness_floor(scenario: Scenario, plan: WindowPlan | None = None, time_limit: float = 10.0) -> FairnessFloor:
    """The floor, or none (with a note) when the relaxation has no solution or takes longer than `time_limit` seconds
    in all (a year of 250 radiologists needs about 80 s: not worth delaying the rota for)."""
    started = time.monotonic()
    pds_sites = {s.site_id for s in scenario.pds_sites}
    eligible = sorted(
        r.radiologist_id for r in scenario.radiologists if scenario.coverable_sites(r.radiologist_id) & pds_sites
    )
    if not eligible:
        return FairnessFloor((), "nobody may take PDS")
    plan = plan or plan_windows(build_calendar(scenario), scenario.rules, scenario.points)
    relaxation = _Relaxation(scenario, plan, eligible)
    members: dict[str, list[str]] = defaultdict(list)
    for r, group in credential_groups(scenario, eligible).items():
        members[group].append(r)
    floors = []
    for group, team in sorted(members.items()):
        extremes = []
        for highest in (True, False):
            left = time_limit - (time.monotonic() - started)
            status, value = relaxation.extreme_load(team, highest, left) if left > 0 else (None, None)
            if value is None:
                return FairnessFloor((), _NO_FLOOR.get(status, f"not computed within {time_limit:g} s"))
            extremes.append(value)
        floors.append(GroupFloor(group, len(team), extremes[0] * (1 - SAFETY), extremes[1] * (1 + SAFETY)))
    return FairnessFloor(tuple(floors))


_NO_FLOOR = {
    pywraplp.Solver.INFEASIBLE: "the relaxation has no solution: no rota keeps every rule",
}


def window_class(plan: WindowPlan, window: Window) -> WindowClass:
    points = tuple(sorted({plan.slot_points[slot] for slot in window.slots}))
    return (f"{window.local_date:%Y-%m}", points, tuple(sorted(k.value for k in window.kinds)))


Loads = dict[str, pywraplp.LinearExpr]
INF = math.inf  # pywraplp reads an infinite bound as none


def _row(solver: pywraplp.Solver, low: float, high: float, terms: Iterable[tuple[pywraplp.Variable, float]]) -> None:
    """low <= sum of coefficient × variable <= high, set coefficient by coefficient: the natural API's expressions
    took a third of a synthetic year month's model build."""
    row = solver.Constraint(low, high)
    for var, coefficient in terms:
        row.SetCoefficient(var, row.GetCoefficient(var) + coefficient)


Offsets = dict[str, float]


def _relaxed_loads(
    solver: pywraplp.Solver,
    scenario: Scenario,
    plan: WindowPlan,
    eligible: list[str],
    scale: Mapping[str, float] | None = None,
    carried: Mapping[str, float] | None = None,
) -> tuple[Loads, Loads, Offsets]:
    """Each radiologist's load per fair share, at most (low) and at least (high) what any rota mapping onto the
    relaxation's values gives them: points earned plus points carried (`carried`, by default the scenario's
    balances) times `scale` (by default one over the fair share). The loads are returned without the points carried,
    which are the third result, in the same units."""
    loads = peak_load_tenths(scenario, plan)
    cap = capacity_tenths(scenario)
    may_cover = _candidates(scenario, plan, eligible)
    demand: dict[tuple[str, WindowClass], int] = defaultdict(int)
    open_to: dict[tuple[str, WindowClass], int] = defaultdict(int)  # windows of a class a radiologist may work
    site_open_to: dict[tuple[str, str, WindowClass], int] = defaultdict(int)
    least_load: dict[tuple[str, WindowClass], int] = {}
    most_points: dict[tuple[str, WindowClass], int] = defaultdict(int)
    class_windows: dict[WindowClass, int] = defaultdict(int)
    for window in plan.windows:
        c = window_class(plan, window)
        class_windows[c] += 1
        for r in sorted({r for slot in window.slots for r in may_cover[slot]}):
            open_to[(r, c)] += 1
        for slot in window.slots:
            site = plan.slots[slot].site_id
            demand[(site, c)] += 1
            most_points[(site, c)] = max(most_points[(site, c)], plan.slot_points[slot])
            if loads is not None:
                least_load[(site, c)] = min(least_load.get((site, c), cap), loads[slot])
            for r in may_cover[slot]:
                site_open_to[(r, site, c)] += 1
    windows = {key: solver.NumVar(0.0, float(n), "") for key, n in sorted(open_to.items())}
    covers = {key: solver.NumVar(0.0, float(n), "") for key, n in sorted(site_open_to.items())}
    covered_by: dict[tuple[str, WindowClass], list] = defaultdict(list)
    covering: dict[tuple[str, WindowClass], list[tuple[str, pywraplp.Variable]]] = defaultdict(list)
    for (r, site, c), var in covers.items():
        covered_by[(site, c)].append(var)
        covering[(r, c)].append((site, var))
        _row(solver, -INF, 0.0, [(var, 1.0), (windows[(r, c)], -1.0)])
    for key, n in demand.items():
        _row(solver, n, n, [(var, 1.0) for var in covered_by[key]])
    limit = scenario.rules.max_sites_per_radiologist
    groupings = scenario.turnaround_limits.below_target if scenario.turnaround_limits is not None else ()
    for (r, c), on in windows.items():
        mine = covering[(r, c)]
        _row(solver, -INF, 0.0, [*((var, 1.0) for _, var in mine), (on, -float(limit))])
        _row(solver, 0.0, INF, [*((var, 1.0) for _, var in mine), (on, -1.0)])  # on call only to cover a site
        if loads is not None:
            _row(solver, -INF, 0.0, [*((var, float(least_load[(site, c)])) for site, var in mine), (on, -float(cap))])
        # A pair of sites that misses the turnaround target is never read together by one radiologist: in each
        # window they cover at most one of the two, so over the windows of a class at most as often as they are on
        # call. Larger groupings are left out: their rows made GLOP 20 times slower on a synthetic region of 20
        # sites (64 groupings) for the same optimum, where the pairs alone kept it under a second.
        sites = dict(mine)
        for grouping in groupings:
            if len(grouping) == 2 and all(site in sites for site in grouping):
                _row(solver, -INF, 0.0, [(sites[grouping[0]], 1.0), (sites[grouping[1]], 1.0), (on, -1.0)])
    _add_fixed_pools(scenario, covers, windows, demand, class_windows, solver)
    _add_monthly_limits(scenario, windows, solver)
    _add_nights_apart(plan, windows, eligible, solver)
    scale = _scales(scenario, eligible, scale)
    taken: dict[str, list[tuple[WindowClass, pywraplp.Variable]]] = defaultdict(list)
    for (r, c), on in windows.items():
        taken[r].append((c, on))
    low: Loads = {}
    high: Loads = {}
    for r in eligible:
        least = solver.Sum([c[1][0] * on for c, on in taken[r]])
        excess = solver.Sum(
            [(most_points[(site, c)] - c[1][0]) * var for c, _ in taken[r] for site, var in covering[(r, c)]]
        )
        low[r] = least * scale[r]
        high[r] = (least + excess) * scale[r]
    return low, high, _offsets(scenario, eligible, scale, carried)


def _scales(scenario: Scenario, eligible: list[str], scale: Mapping[str, float] | None) -> Mapping[str, float]:
    if scale is not None:
        return scale
    share = fair_share_weights(scenario, eligible)
    return {r: 1.0 / share[r] for r in eligible}


def _offsets(
    scenario: Scenario, eligible: list[str], scale: Mapping[str, float] | None, carried: Mapping[str, float] | None
) -> Offsets:
    """Each radiologist's points carried (by default the scenario's balances) in the loads' units."""
    scales = _scales(scenario, eligible, scale)
    carried = carried if carried is not None else scenario.balances
    return {r: carried.get(r, 0.0) * scales[r] for r in eligible}


def _candidates(scenario: Scenario, plan: WindowPlan, eligible: Iterable[str]) -> dict[int, list[str]]:
    credentialed: dict[str, list[str]] = defaultdict(list)
    for r in eligible:
        for site in sorted(scenario.coverable_sites(r)):
            credentialed[site].append(r)
    return {
        slot: [r for r in credentialed[period.site_id] if not scenario.is_unavailable(r, period.date)]
        for slot, period in enumerate(plan.slots)
    }


def _add_fixed_pools(
    scenario: Scenario,
    covers: dict[tuple[str, str, WindowClass], pywraplp.Variable],
    windows: dict[tuple[str, WindowClass], pywraplp.Variable],
    demand: Mapping[tuple[str, WindowClass], int],
    class_windows: Mapping[WindowClass, int],
    solver: pywraplp.Solver,
) -> None:
    """Pools from pools.csv: the sites of a pool are read together, so over a class of windows a radiologist covers
    each site of the pool as often as the others, where every window of the class has a period at each of them (a
    public holiday of one département only can open a site alone); and a radiologist reads one pool at a time, so
    the first sites of the pools they cover add up to no more than their windows on call."""
    sites_of: dict[str, list[str]] = defaultdict(list)
    for member in scenario.pools:
        sites_of[member.pool_id].append(member.site_id)
    pools = [sorted(sites) for _, sites in sorted(sites_of.items())]
    if not pools:
        return
    radiologists_of: dict[WindowClass, set[str]] = defaultdict(set)
    for r, _, c in covers:
        radiologists_of[c].add(r)
    for c, n in class_windows.items():
        for sites in pools:
            if len(sites) < 2 or any(demand.get((site, c), 0) != n for site in sites):
                continue
            for r in sorted(radiologists_of[c]):
                first = covers.get((r, sites[0], c))
                for site in sites[1:]:
                    other = covers.get((r, site, c))
                    if first is not None and other is not None:
                        solver.Add(first == other)
                    elif first is not None or other is not None:
                        solver.Add((first if first is not None else other) == 0)
    # On call only to read something: in a window a radiologist covers a pool's first site whenever they read the
    # pool (where every window of the class opens all its sites), so their windows on call are at most the pools'
    # first sites they cover plus the other sites they cover. Without it the relaxation could share a pool's sites
    # out among several radiologists in one window, and give a team of one pool twice the duties it has.
    pool_of = {site: index for index, sites in enumerate(pools) for site in sites}
    mine: dict[tuple[str, WindowClass], list[tuple[str, pywraplp.Variable]]] = defaultdict(list)
    for (r, site, c), var in covers.items():
        mine[(r, c)].append((site, var))
    whole_in = {  # the pools every window of a class opens all the sites of
        c: {i for i, sites in enumerate(pools) if all(demand.get((site, c), 0) == n for site in sites)}
        for c, n in class_windows.items()
    }
    for (r, c), on in windows.items():
        whole = whole_in[c]
        reading = [
            var for site, var in mine[(r, c)] if pool_of.get(site) not in whole or pools[pool_of[site]][0] == site
        ]
        _row(solver, 0.0, INF, [*((var, 1.0) for var in reading), (on, -1.0)])
    if len(pools) < 2:
        return
    for (r, c), on in windows.items():
        firsts = [covers[(r, sites[0], c)] for sites in pools if (r, sites[0], c) in covers]
        if len(firsts) > 1:
            _row(solver, -INF, 0.0, [*((var, 1.0) for var in firsts), (on, -1.0)])


def _add_monthly_limits(scenario: Scenario, windows: dict, solver: pywraplp.Solver) -> None:
    limit = scenario.rules.max_periods_per_month
    if limit is None:
        return
    by_month: dict[tuple[str, str], list] = defaultdict(list)
    for (r, c), var in windows.items():
        by_month[(r, c[0])].append(var)
    for (r, _), variables in by_month.items():
        _row(solver, -INF, month_limit(limit, scenario.radiologist(r).fte), [(var, 1.0) for var in variables])


def _add_nights_apart(plan: WindowPlan, windows: dict, eligible: list[str], solver: pywraplp.Solver) -> None:
    """No two nights too close to each other: within a run of nights each too close to the next, a radiologist works
    at most every other one. Counted by month and window class, the bound is ceil(run / 2) summed over the runs."""
    too_close = set(plan.too_close)
    nights = sorted((w for w in plan.windows if PeriodKind.NIGHT in w.kinds), key=lambda w: w.start)
    runs_by_month: dict[str, list[int]] = defaultdict(list)
    previous: Window | None = None
    for night in nights:
        month = f"{night.local_date:%Y-%m}"
        joined = previous is not None and (previous.index, night.index) in too_close
        runs = runs_by_month[month]
        if joined and runs and f"{previous.local_date:%Y-%m}" == month:  # type: ignore[union-attr]
            runs[-1] += 1
        else:
            runs.append(1)
        previous = night
    night_classes: dict[str, set[WindowClass]] = defaultdict(set)
    for night in nights:
        night_classes[f"{night.local_date:%Y-%m}"].add(window_class(plan, night))
    for month, runs in runs_by_month.items():
        most = sum(math.ceil(run / 2) for run in runs)
        for r in eligible:
            worked = [windows[(r, c)] for c in sorted(night_classes[month]) if (r, c) in windows]
            if worked:
                _row(solver, -INF, most, [(var, 1.0) for var in worked])
