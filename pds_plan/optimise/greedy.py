"""The spreadsheet planner's rota: period by period, the least loaded radiologist who may take it.

It is the baseline every report compares the optimiser with, and the optimiser's starting point (hint). It obeys
the same hard rules, looking only backwards, so it can get stuck: such periods are returned as uncovered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.model import AvailabilityKind, Scenario
from pds_plan.domain.rota import Assignment, fair_share_weights
from pds_plan.optimise.rota_model import month_limit
from pds_plan.optimise.rules import capacity_tenths, peak_load_tenths
from pds_plan.optimise.windows import WindowPlan, plan_windows


@dataclass(frozen=True)
class GreedyRota:
    assignments: tuple[Assignment, ...]
    uncovered: tuple[Period, ...]


@dataclass
class _State:
    on: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # radiologist -> windows on call
    slots_in: dict[tuple[str, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    points: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    window_points: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))  # earned in a window
    month_count: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    weekends: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    reader: dict[int, str] = field(default_factory=dict)  # slot -> radiologist


class _Greedy:
    def __init__(self, scenario: Scenario, plan: WindowPlan) -> None:
        self.scenario = scenario
        self.plan = plan
        self.rules = scenario.rules
        self.loads = peak_load_tenths(scenario, plan)
        self.cap = capacity_tenths(scenario)
        self.state = _State()
        self.close_to: dict[int, set[int]] = defaultdict(set)
        for a, b in plan.too_close:
            self.close_to[a].add(b)
            self.close_to[b].add(a)
        self.chains_of: dict[int, list[tuple[int, ...]]] = defaultdict(list)
        for chain in plan.too_long:
            for w in chain:
                self.chains_of[w].append(chain)
        self.groups_of: dict[int, list[tuple[int, ...]]] = defaultdict(list)
        for group in plan.overlapping:
            for w in group:
                self.groups_of[w].append(group)
        self.pool_of = {m.site_id: m.pool_id for m in scenario.pools}
        # Groupings below the turnaround target that contain each site (rules.add_pools_meet_turnaround).
        self.below_target: dict[str, list[frozenset[str]]] = defaultdict(list)
        limits = scenario.turnaround_limits
        for grouping in limits.below_target if limits is not None else ():
            for site in grouping:
                self.below_target[site].append(frozenset(grouping))
        self.credentialed: dict[str, list[str]] = defaultdict(list)
        for radiologist in scenario.radiologists:
            for site in sorted(scenario.coverable_sites(radiologist.radiologist_id)):
                self.credentialed[site].append(radiologist.radiologist_id)
        everyone = sorted({r for rs in self.credentialed.values() for r in rs})
        self.share = fair_share_weights(scenario, everyone) if everyone else {}
        # Looked up on every try of a radiologist for a slot (close to a million on a synthetic year): computed once.
        self.coverable = {r.radiologist_id: scenario.coverable_sites(r.radiologist_id) for r in scenario.radiologists}
        self.unavailable = {
            r.radiologist_id: scenario.days_marked(r.radiologist_id, AvailabilityKind.UNAVAILABLE)
            for r in scenario.radiologists
        }
        limit = self.rules.max_periods_per_month
        self.month_cap = {
            r.radiologist_id: month_limit(limit, r.fte) if limit is not None else None for r in scenario.radiologists
        }
        self.month_of = [f"{window.local_date:%Y-%m}" for window in plan.windows]
        self.weekend_of = [window.weekend for window in plan.windows]

    def may_take(self, r: str, slot: int) -> bool:
        plan, state, rules = self.plan, self.state, self.rules
        period = plan.slots[slot]
        w = plan.window_of_slot[slot]
        if period.date in self.unavailable[r] or period.site_id not in self.coverable[r]:
            return False
        already_on = w in state.on[r]
        if not already_on:
            if state.on[r] & self.close_to[w]:
                return False
            if any(all(c == w or c in state.on[r] for c in chain) for chain in self.chains_of[w]):
                return False
            cap = self.month_cap[r]
            if cap is not None and state.month_count[(r, self.month_of[w])] >= cap:
                return False
            saturday = self.weekend_of[w]
            if (
                rules.max_weekends_per_month is not None
                and saturday is not None
                and saturday not in state.weekends[r]
                and sum(1 for s in state.weekends[r] if (s.year, s.month) == (saturday.year, saturday.month))
                >= rules.max_weekends_per_month
            ):
                return False
        pool = self.pool_of.get(period.site_id)
        for group in self.groups_of[w]:
            mine = [s for g in group for s in state.slots_in.get((r, g), [])]
            if len(mine) + 1 > rules.max_sites_per_radiologist:
                return False
            if pool is not None and any(self.pool_of.get(plan.slots[s].site_id, pool) != pool for s in mine):
                return False  # already reading another pool at that time
            if self.loads is not None and mine and sum(self.loads[s] for s in mine) + self.loads[slot] > self.cap:
                return False
            if mine and self.below_target.get(period.site_id):
                reading = {plan.slots[s].site_id for s in mine} | {period.site_id}
                if any(grouping <= reading for grouping in self.below_target[period.site_id]):
                    return False  # it would complete a grouping that misses the turnaround target
        return True

    def candidates(self, slot: int) -> list[str]:
        return [r for r in self.credentialed[self.plan.slots[slot].site_id] if self.may_take(r, slot)]

    def take(self, r: str, slot: int) -> None:
        plan, state = self.plan, self.state
        w = plan.window_of_slot[slot]
        window = plan.windows[w]
        earned = self.plan.slot_points[slot]
        state.points[r] += max(0, earned - state.window_points[(r, w)])
        state.window_points[(r, w)] = max(earned, state.window_points[(r, w)])
        if w not in state.on[r]:
            state.on[r].add(w)
            state.month_count[(r, f"{window.local_date:%Y-%m}")] += 1
            if window.weekend is not None:
                state.weekends[r].add(window.weekend)
        state.slots_in[(r, w)].append(slot)
        state.reader[slot] = r

    def choose(self, slot: int, candidates: list[str]) -> str | None:
        """The least loaded of `candidates` who may still take the slot: radiologists who could not take it before
        this period's first slot was given cannot now either (taking slots only adds to what the rules forbid)."""
        plan, state = self.plan, self.state
        period = plan.slots[slot]
        w = plan.window_of_slot[slot]
        pool = self.pool_of.get(period.site_id)
        if pool is not None:  # a pool's sites go to whoever already reads the pool in this window
            for other in plan.windows[w].slots:
                if other in state.reader and self.pool_of.get(plan.slots[other].site_id) == pool:
                    r = state.reader[other]
                    return r if self.may_take(r, slot) else None

        def load_after(r: str) -> tuple[float, str]:
            extra = max(0, plan.slot_points[slot] - state.window_points.get((r, w), 0))
            return ((state.points[r] + extra) / self.share[r], r)

        eligible = [r for r in candidates if self.may_take(r, slot)]
        return min(eligible, key=load_after) if eligible else None

    def run(self, fixed: Iterable[Assignment] = ()) -> GreedyRota:
        slot_of = {p.key: i for i, p in enumerate(self.plan.slots)}
        agreed = [Assignment(p.date, p.period, p.site_id, p.radiologist_id) for p in self.scenario.pins]
        for a in [*agreed, *fixed]:
            slot = slot_of.get(a.key)
            if slot is not None and slot not in self.state.reader:
                self.take(a.radiologist_id, slot)
        uncovered = []
        for window in self.plan.windows:
            # Within a period, the site with the fewest radiologists who may take it goes first: it has the least
            # room, and a reader taken by an easier site could leave it with nobody. Counted once per period.
            waiting = [slot for slot in window.slots if slot not in self.state.reader]
            room = {slot: self.candidates(slot) for slot in waiting}
            for slot in sorted(waiting, key=lambda s: (len(room[s]), self.plan.slots[s].site_id)):
                r = self.choose(slot, room[slot])
                if r is None:
                    uncovered.append(self.plan.slots[slot])
                else:
                    self.take(r, slot)
        uncovered.sort(key=lambda p: (p.start_utc, p.site_id))
        assignments = sorted(
            Assignment(self.plan.slots[s].date, self.plan.slots[s].kind, self.plan.slots[s].site_id, r)
            for s, r in self.state.reader.items()
        )
        return GreedyRota(tuple(assignments), tuple(uncovered))


def greedy_rota(
    scenario: Scenario,
    plan: WindowPlan | None = None,
    fixed: Iterable[Assignment] = (),
    carried: dict[str, int] | None = None,
    shares: dict[str, float] | None = None,
) -> GreedyRota:
    """The baseline rota; `plan` may be given to reuse the optimiser's windows.

    `fixed` assignments are kept as they are (like pins), `carried` points count as already earned and `shares`
    replace the fair shares of this horizon: used when a long horizon is built month by month.
    """
    plan = plan or plan_windows(build_calendar(scenario), scenario.rules, scenario.points)
    greedy = _Greedy(scenario, plan)
    if carried is None:
        carried = {r: round(points) for r, points in scenario.balances.items()}
    greedy.state.points.update(carried)
    greedy.share.update(shares or {})
    return greedy.run(fixed)
