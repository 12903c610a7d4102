"""The staged objective: fairness first and proven, then on-call hours, then everybody's preferences.

One weighted sum of a max-min spread, deviations and the other soft terms has a linear relaxation of about 0: CP-SAT
proves nothing and converges slowly. OR-Tools' maintainers answer "which objective first" by solving in stages:
optimise one, hold it near its optimum, hint the solution and optimise the next (or-tools #1344); for balance they
advise max-min over variance (#1581); Timefold defines the fairest schedule lexicographically, the largest load
first. So the rota is solved in four stages, each started from the rota of the one before:

1. `largest_load`: the largest normalised load (points per fair share, for a radiologist of average share) over
   every radiologist who may take PDS, across credential groups (pooling changes how many duties a group needs, so
   load can be traded between groups). Its bound is the linear relaxation of fairness_floor.py in the same units,
   so that the stage's gap is a real one.
2. `smallest_load`: with the largest held at stage 1's value, the smallest normalised load raised, then each
   credential group's smallest where there are several; bounded by the same relaxation with every load capped at
   stage 1's value.
3. `hours_spread`: with stages 1 and 2 held within the tolerance, the spread (most minus least) of normalised
   on-call hours, plus each credential group's where there are several: a night is 14 h for 2 points, a Sunday
   day 10 h for 2 points, so a rota even in points can leave some radiologists with half again the hours of others.
4. `preferences`: with stages 1 to 3 held within the tolerance, requests, stable pools, reading for one's own home
   site and fewer on-call duties (objective.py's soft terms, their weights from [weights]).

Each stage has its share of the time limit (the scenario's [stages] table) and its deterministic budget, so that the
same inputs and seed give the same rota.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ortools.sat.python import cp_model

from pds_plan.domain.model import Scenario, Stages
from pds_plan.domain.rota import Assignment, credential_groups, fair_share_weights
from pds_plan.optimise.fairness_floor import LoadRelaxation
from pds_plan.optimise.objective import (
    add_home_site_preference,
    add_on_call_duties,
    add_requests,
    add_stable_pools,
    earned_in_window,
    weighted_penalties,
)
from pds_plan.optimise.rota_model import (
    Progress,
    RotaModel,
    SolveOptions,
    SolveOutcome,
    completed_values,
    relative_gap,
    solve_model,
)
from pds_plan.optimise.solve import build_rota_model

SCALE = 100  # normalised loads in hundredths of a point (and of an hour), to keep every coefficient integer
HOUR_SCALE = 10  # on-call hours in tenths (a night of a clock change is 13 or 15 h)
PREFERENCE_RULES = (add_requests, add_stable_pools, add_home_site_preference, add_on_call_duties)
MIN_STAGE_SECONDS = 0.5  # a month of a synthetic year (60 sites) needs about this to presolve and start
LP_SECONDS = 10.0  # the relaxation's own limit: without an optimum in time, the stage's bound is CP-SAT's


@dataclass(frozen=True)
class StageRecord:
    """One stage as summary.json keeps it: what it optimised, the value reached, the bound proven, in solve order."""

    name: str
    objective: float | None  # in `unit`
    bound: float | None
    seconds: float
    status: str
    unit: str
    part: str | None = None  # the month ("2027-01") of a horizon solved month by month; None: the whole horizon
    start: float | None = None  # the objective of the rota the stage started from: what its search improved on

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return relative_gap(self.objective, self.bound)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "objective": self.objective,
            "bound": self.bound,
            "gap": None if self.gap is None else round(self.gap, 6),
            "seconds": round(self.seconds, 3),
            "status": self.status,
            "unit": self.unit,
            "part": self.part,
            "start": self.start,
        }


@dataclass
class StagedModel:
    """The rota model with every stage's variables, built once: a stage only changes the objective and adds holds,
    so that each stage's rota is a complete starting point for the next."""

    rota: RotaModel
    factor: dict[str, int]  # SCALE × mean share / own share: a radiologist's points count as an average one's
    points: dict[str, cp_model.IntVar]  # normalised points, carried ones included
    hours: dict[str, cp_model.IntVar]  # normalised on-call hours, in tenths
    largest: cp_model.IntVar
    smallest: cp_model.IntVar
    most_hours: cp_model.IntVar
    least_hours: cp_model.IntVar
    relaxation: LoadRelaxation
    lower_bound: int | None  # the relaxation's least largest load, in the model's units (None when not proven)
    hours_spread: cp_model.IntVar  # most minus least normalised hours
    # What stages 2 and 3 optimise: the overall smallest load and hours spread, and with several credential groups
    # also each group's (the smallest load's weight makes the overall one come first).
    smallest_objective: cp_model.LinearExprT = 0
    smallest_weight: int = 1
    groups_least: int = 0  # the least the groups' smallest loads can add up to
    smallest_range: int = 1  # more than the smallest load's objective can range over
    hours_objective: cp_model.IntVar | None = None
    largest_held: int | None = None  # the largest load, once stage 1 has held it
    points_carried: dict[str, cp_model.IntVar] = field(default_factory=dict)  # fixed by set_carried
    tenths_carried: dict[str, cp_model.IntVar] = field(default_factory=dict)
    initial_domains: dict[int, tuple[int, int]] = field(default_factory=dict)  # of the held variables


def build_staged_model(
    scenario: Scenario,
    carried: Mapping[str, int] | None = None,
    shares: Mapping[str, float] | None = None,
    carried_hours: Mapping[str, float] | None = None,
    carried_at_most: tuple[int, float] | None = None,
) -> StagedModel:
    """Every hard rule, the preference terms, and the normalised loads and their extremes (module docstring).

    The points and hours carried from before the horizon (`carried`, `carried_hours`; by default the scenario's
    balances and none) are variables whose values `set_carried` fixes. Given `carried_at_most` (bounds on them:
    points, hours), the model is returned without them fixed, for the caller's `set_carried`: a month's model can
    then be built before the month before it is solved (optimise/decompose.py).
    """
    deferred = carried_at_most is not None
    carried = dict(carried) if carried is not None else {r: round(p) for r, p in scenario.balances.items()}
    carried_hours = dict(carried_hours or {})
    rota = build_rota_model(scenario, objective=False, carried=carried, shares=dict(shares) if shares else None)
    for rule in PREFERENCE_RULES:
        rule(rota)
    model, plan = rota.model, rota.plan
    radiologists = sorted({r for r, _ in rota.on})
    share = {**fair_share_weights(scenario, radiologists), **(shares or {})}
    mean_share = sum(share[r] for r in radiologists) / max(len(radiologists), 1)
    factor = {r: round(SCALE * mean_share / share[r]) for r in radiologists}
    windows_of: dict[str, list[int]] = defaultdict(list)
    for r, w in rota.on:
        windows_of[r].append(w)
    if carried_at_most is None:
        carried_at_most = (max(carried.values(), default=0), max(carried_hours.values(), default=0.0))
    most_carried, most_carried_tenths = max(0, carried_at_most[0]), max(0, round(HOUR_SCALE * carried_at_most[1]))
    # A negative balance (did less than their share before) is carried as it is, and may leave a load below 0.
    least_carried = min([0, *carried.values(), *(round(b) for b in scenario.balances.values())])
    most_points = sum(w.points for w in plan.windows) + most_carried
    most_tenths = sum(round(w.hours * HOUR_SCALE) for w in plan.windows) + most_carried_tenths
    points, hours, points_carried, tenths_carried = {}, {}, {}, {}
    for r in radiologists:
        points_carried[r] = model.new_int_var(least_carried, most_carried, f"carried_points[{r}]")
        points[r] = model.new_int_var(least_carried * factor[r], most_points * factor[r], f"normalised_points[{r}]")
        earned = sum(earned_in_window(rota, r, w) for w in windows_of[r])
        model.add(points[r] == factor[r] * (points_carried[r] + earned))
        tenths_carried[r] = model.new_int_var(0, most_carried_tenths, f"carried_hours[{r}]")
        hours[r] = model.new_int_var(0, most_tenths * factor[r], f"normalised_hours[{r}]")
        worked = sum(round(plan.windows[w].hours * HOUR_SCALE) * rota.on[(r, w)] for w in windows_of[r])
        model.add(hours[r] == factor[r] * (tenths_carried[r] + worked))
    relaxation = LoadRelaxation(scenario, plan, radiologists, factor, {})
    top_points = max((most_points * f for f in factor.values()), default=0)
    bottom_points = min((least_carried * f for f in factor.values()), default=0)
    top_hours = max((most_tenths * f for f in factor.values()), default=0)
    largest = model.new_int_var(bottom_points, top_points, "largest_normalised_points")
    smallest = model.new_int_var(bottom_points, top_points, "smallest_normalised_points")
    most_hours = model.new_int_var(0, top_hours, "most_normalised_hours")
    least_hours = model.new_int_var(0, top_hours, "least_normalised_hours")
    hours_spread = model.new_int_var(0, top_hours, "normalised_hours_spread")
    model.add(hours_spread == most_hours - least_hours)
    for r in radiologists:  # bounds are enough: each extreme is pushed against them by its own stage
        model.add(largest >= points[r])
        model.add(smallest <= points[r])
        model.add(most_hours >= hours[r])
        model.add(least_hours <= hours[r])
    # Within each group of radiologists linked by credentials, too: where groups share no site, the overall smallest
    # load and hours spread are set by the groups' different needs, and would leave each group's own uneven.
    teams: dict[str, list[str]] = defaultdict(list)
    for r, group in credential_groups(scenario, radiologists).items():
        teams[group].append(r)
    teams = {group: team for group, team in sorted(teams.items()) if len(team) > 1}
    smallest_objective: cp_model.LinearExprT = smallest
    hours_objective = hours_spread
    if len(teams) > 1:
        group_smallest: list[cp_model.IntVar] = []
        group_spreads: list[cp_model.LinearExpr] = []
        for group, team in teams.items():
            group_low = model.new_int_var(bottom_points, top_points, f"smallest_normalised_points[{group}]")
            group_most = model.new_int_var(0, top_hours, f"most_normalised_hours[{group}]")
            group_least = model.new_int_var(0, top_hours, f"least_normalised_hours[{group}]")
            for r in team:
                model.add(group_low <= points[r])
                model.add(group_most >= hours[r])
                model.add(group_least <= hours[r])
            group_smallest.append(group_low)
            group_spreads.append(group_most - group_least)
        # The overall smallest first, strictly: one hundredth of a point of it outweighs any change of the groups'.
        smallest_objective = (len(teams) * (top_points - bottom_points) + 1) * smallest + sum(group_smallest)
        hours_objective = model.new_int_var(0, (len(teams) + 1) * top_hours, "normalised_hours_spreads")
        model.add(hours_objective == hours_spread + sum(group_spreads))
    built = StagedModel(
        rota, factor, points, hours, largest, smallest, most_hours, least_hours, relaxation, None, hours_spread,
        smallest_objective=smallest_objective,
        smallest_weight=len(teams) * (top_points - bottom_points) + 1 if len(teams) > 1 else 1,
        groups_least=len(teams) * bottom_points if len(teams) > 1 else 0,
        smallest_range=(len(teams) * (top_points - bottom_points) + 2) * (top_points - bottom_points) + 1,
        hours_objective=hours_objective, points_carried=points_carried, tenths_carried=tenths_carried,
    )  # fmt: skip
    if not deferred:
        set_carried(built, carried, carried_hours)
    return built


def set_carried(staged: StagedModel, carried: Mapping[str, int], carried_hours: Mapping[str, float]) -> None:
    """Fix the points and hours carried from before the horizon, and bound the largest load with the relaxation
    that counts them; before any stage is solved."""
    variables = staged.rota.model.proto.variables
    for values, carried_vars in (
        ({r: carried.get(r, 0) for r in staged.points_carried}, staged.points_carried),
        ({r: round(HOUR_SCALE * carried_hours.get(r, 0.0)) for r in staged.tenths_carried}, staged.tenths_carried),
    ):
        for r, var in carried_vars.items():
            domain = variables[var.index].domain  # made by new_int_var: one interval, two numbers
            if not domain[0] <= values[r] <= domain[1]:
                raise ValueError(f"{r} carries {values[r]}, beyond the model's bound {domain[1]} (carried_at_most)")
            domain[0] = domain[1] = values[r]
    staged.rota.carried = dict(carried)
    staged.relaxation.set_carried(staged.rota.carried)
    least = staged.relaxation.least_largest(LP_SECONDS) if staged.points else None
    staged.lower_bound = math.ceil(least) if least is not None else None
    if staged.lower_bound is not None:
        domain = variables[staged.largest.index].domain
        domain[0] = min(max(domain[0], staged.lower_bound), domain[1])


def solve_stages(
    staged: StagedModel,
    options: SolveOptions,
    settings: Stages,
    hint: list[Assignment] | None,
    on_progress: Callable[[Progress], None] | None = None,
) -> tuple[SolveOutcome, tuple[StageRecord, ...]]:
    """Solve the stages in order (module docstring), each from the rota of the one before; the outcome is the last
    rota found, with the time of all. A stage that finds nothing keeps the rota of the one before, which meets every
    hold. Stage 1 is held exactly while stage 2 raises the smallest load (else raising the largest would help it);
    from stage 3 on, every earlier stage is held within `settings.tolerance` of its value.

    A stage whose starting rota already meets the relaxation's bound is proven optimal without a search, and leaves
    its time to the stages after it; stages that would get less than the model needs to start searching
    (`least_stage_seconds`) give theirs to the stages before them, and are recorded as not searched."""
    model = staged.rota.model
    records: list[StageRecord] = []
    best: SolveOutcome | None = None
    start: tuple[int, ...] | None = None
    started = time.monotonic()
    reached: dict[str, int] = {}
    used: list[Mapping[str, Any]] = []  # each stage's solver parameters
    outcome: SolveOutcome | None = None
    if hint:
        # Every stage starts from a complete rota, the greedy one until a stage finds better: a stage that finds
        # nothing in its time (a short limit on a large model) hands the same start to the next.
        start = completed_values(staged.rota, hint)
    shares = settings.shares()
    least = least_stage_seconds(staged)
    left = float(options.time_limit)  # of the deterministic budgets: what the stages not solved yet may share
    smallest_bound: float | None = None
    searched_together = False  # the smallest load searched with the largest (below)
    for number, (name, _) in enumerate(shares):
        if name == "smallest_load" and searched_together:
            continue
        budget = _budget([s for _, s in shares[number:]], left, options.time_limit, least)
        if budget is None and used:  # no time left for this stage to start searching, nor for the ones after it
            records += [StageRecord(n, None, None, 0.0, "NOT_SEARCHED", UNITS[n]) for n, _ in shares[number:]]
            break
        _hold_earlier_stages(staged, reached, settings.tolerance if name in LOOSE_HOLDS else 0.0)
        if name == "smallest_load":
            smallest_bound = staged.relaxation.most_smallest(LP_SECONDS, staged.largest_held)
        proven = _proven_at_start(staged, name, start, smallest_bound)
        if proven is not None:
            reached[name] = proven
            records.append(_proven_record(staged, name, proven, smallest_bound))
            continue
        budget = max(MIN_STAGE_SECONDS, left) if budget is None else budget
        left -= budget
        # Each stage's deterministic budget is its share of the limit; its wall-clock cap is what the limit has
        # left once the later stages' budgets are set aside, so that a stage slowed by a busy machine may use the
        # time earlier stages did not, and the budget, not the clock, ends it (the same rota on any machine).
        wall = max(budget, options.time_limit - (time.monotonic() - started) - max(0.0, left))
        # Only the largest load has time, the smallest's stage not proven yet: one search for both, the largest first
        # (lexicographically), since lowering the most loaded alone month after month leaves the least loaded behind.
        together = (
            name == "largest_load"
            and number + 1 < len(shares)
            and shares[number + 1][0] == "smallest_load"
            and _budget([s for _, s in shares[number + 1 :]], left, options.time_limit, least) is None
        )
        objective = _objective(staged, name)
        if together:
            model.minimize(staged.smallest_range * objective - staged.smallest_objective)  # type: ignore[operator]
        elif name == "smallest_load":
            model.maximize(objective)
        else:
            model.minimize(objective)
        stage_started, stage_start = time.monotonic(), start
        outcome = solve_model(
            staged.rota,
            replace(options, time_limit=budget, wall_limit=wall, hint=hint, light_presolve=True),
            on_progress,
            watch={
                "largest_load": staged.largest,
                "smallest_load": staged.smallest,
                "hours_spread": staged.hours_objective,
            },
            start=start,
            keep_values=True,
            source=name,
        )
        seconds = time.monotonic() - stage_started
        used.append(outcome.parameters)
        if not outcome.found:
            records.append(StageRecord(name, None, None, seconds, outcome.status, UNITS[name]))
            if outcome.interrupted or outcome.status == "INFEASIBLE" or start is None:
                break
        else:
            best, start = outcome, outcome.values
            if name in HELD:
                reached[name] = outcome.watched[name]
            if together:
                records += _together_records(staged, outcome, seconds, stage_start)
                reached["smallest_load"] = outcome.watched["smallest_load"]
                searched_together = True
            else:
                records.append(_record(staged, name, outcome, seconds, smallest_bound))
            if outcome.interrupted:
                break
    if best is None:
        if outcome is None and start is not None:  # every stage proven at the start: the start is the rota
            model.minimize(staged.largest)
            outcome = solve_model(
                staged.rota, replace(options, time_limit=MIN_STAGE_SECONDS, light_presolve=True), start=start
            )
            return outcome, tuple(records)
        assert outcome is not None
        return outcome, tuple(records)
    return replace(best, wall_time=time.monotonic() - started, parameters=_all_stages(used, options)), tuple(records)


def _budget(shares: Sequence[float], left: float, total: float, least: float) -> float | None:
    """The budget of the first of the stages left: each stage its share of the whole limit, raised to `least`, for as
    many stages in order as `left` holds (each may overrun it by MIN_STAGE_SECONDS, as short stages always could),
    what remains shared by share among them; None when not even the first fits. With every stage's share above
    `least`, the budgets are the shares of the limit."""
    kept: list[tuple[float, float]] = []  # (budget, share)
    for share in shares:
        budget = max(least, total * share)
        if sum(b for b, _ in kept) + budget > left + MIN_STAGE_SECONDS * (len(kept) + 1) + 1e-9:
            break
        kept.append((budget, share))
    if not kept:
        return None
    spare = max(0.0, left - sum(b for b, _ in kept))
    return kept[0][0] + spare * kept[0][1] / sum(s for _, s in kept)


# The wall-clock time CP-SAT takes to load, presolve and start searching grows with the model: measured on a month of a
# synthetic year (60 sites, 250 radiologists, 47,000 variables, 2 workers), its first improvement came about 2 s in.
STAGE_SECONDS_PER_VARIABLE = 2.0 / 47_000


def least_stage_seconds(staged: StagedModel) -> float:
    """The shortest stage worth searching on this model (STAGE_SECONDS_PER_VARIABLE), at least MIN_STAGE_SECONDS."""
    return max(MIN_STAGE_SECONDS, STAGE_SECONDS_PER_VARIABLE * len(staged.rota.model.proto.variables))


def _together_records(
    staged: StagedModel, outcome: SolveOutcome, seconds: float, begun: Sequence[int] | None
) -> list[StageRecord]:
    """The largest and smallest loads searched in one solve: the largest with the relaxation's bound, the smallest
    with none of its own; each with its value in the rota the search began from."""
    first = _loads(staged, begun)
    bound = None if staged.lower_bound is None else staged.lower_bound / SCALE
    return [
        StageRecord("largest_load", outcome.watched["largest_load"] / SCALE, bound, seconds, outcome.status,
                    UNITS["largest_load"], start=None if first is None else first[0] / SCALE),
        StageRecord("smallest_load", outcome.watched["smallest_load"] / SCALE, None, 0.0, "TOGETHER",
                    UNITS["smallest_load"], start=None if first is None else first[1] / SCALE),
    ]  # fmt: skip


def _loads(staged: StagedModel, values: Sequence[int] | None) -> tuple[int, int] | None:
    """The largest and smallest normalised loads of a rota given by every variable's value."""
    if values is None or not staged.points:
        return None
    loads = [values[v.index] for v in staged.points.values()]
    return max(loads), min(loads)


def _proven_at_start(
    staged: StagedModel, name: str, start: Sequence[int] | None, smallest_bound: float | None
) -> int | None:
    """The stage's value in the starting rota when the relaxation proves that no rota does better, else None."""
    loads = _loads(staged, start)
    if loads is None:
        return None
    largest, smallest = loads
    if name == "largest_load" and staged.lower_bound is not None and largest <= staged.lower_bound:
        return largest
    one_group = staged.smallest_weight == 1
    if name == "smallest_load" and one_group and smallest_bound is not None and smallest >= math.floor(smallest_bound):
        return smallest
    return None


def _proven_record(staged: StagedModel, name: str, value: int, smallest_bound: float | None) -> StageRecord:
    bound = staged.lower_bound if name == "largest_load" else math.floor(smallest_bound or value)
    assert bound is not None
    return StageRecord(name, value / SCALE, bound / SCALE, 0.0, "OPTIMAL", UNITS[name], start=value / SCALE)


def _all_stages(used: Sequence[Mapping[str, Any]], options: SolveOptions) -> dict[str, Any]:
    """The solver parameters of the stages as one: the budgets added up, reproducible only if every stage was."""
    merged = {**used[-1], "max_time_in_seconds": float(options.time_limit)}
    for key in ("max_deterministic_time", "deterministic_time_used"):
        if all(key in parameters for parameters in used):
            merged[key] = round(sum(parameters[key] for parameters in used), 3)
    merged["reproducible"] = all(bool(parameters.get("reproducible")) for parameters in used)
    return merged


HELD = ("largest_load", "smallest_load", "hours_spread")  # stages whose value later stages keep
LOOSE_HOLDS = ("hours_spread", "preferences")  # stages that keep the earlier ones within the tolerance only
UNITS = {"largest_load": "points", "smallest_load": "points", "hours_spread": "hours", "preferences": "penalty"}


def _objective(staged: StagedModel, name: str) -> cp_model.LinearExprT:
    if name == "largest_load":
        return staged.largest
    if name == "smallest_load":
        return staged.smallest_objective
    if name == "hours_spread":
        assert staged.hours_objective is not None
        return staged.hours_objective
    return weighted_penalties(staged.rota)


def _hold_earlier_stages(staged: StagedModel, reached: Mapping[str, int], tolerance: float) -> None:
    """Keep each stage reached so far at its value, or within `tolerance` of it: as the domain of the variable the
    stage optimised, so that a later stage can loosen the hold again (a constraint could not be taken back)."""
    if "largest_load" in reached:
        _set_domain(staged, staged.largest, None, math.floor(reached["largest_load"] * (1 + tolerance)))
        staged.largest_held = reached["largest_load"]
    if "smallest_load" in reached:
        _set_domain(staged, staged.smallest, math.ceil(reached["smallest_load"] * (1 - tolerance)), None)
    if "hours_spread" in reached:
        assert staged.hours_objective is not None
        _set_domain(staged, staged.hours_objective, None, math.floor(reached["hours_spread"] * (1 + tolerance)))


def _set_domain(staged: StagedModel, var: cp_model.IntVar, low: int | None, high: int | None) -> None:
    domain = staged.rota.model.proto.variables[var.index].domain
    initial = staged.initial_domains.setdefault(var.index, (domain[0], domain[1]))  # (the proto's list has no [-1])
    domain[0] = initial[0] if low is None else low  # a domain made by new_int_var: one interval, two numbers
    domain[1] = initial[1] if high is None else high


def _record(
    staged: StagedModel, name: str, outcome: SolveOutcome, seconds: float, smallest_bound: float | None
) -> StageRecord:
    objective = float(outcome.objective or 0.0)
    if name == "smallest_load":
        objective = float(outcome.watched["smallest_load"])
    elif name == "hours_spread":
        objective = float(outcome.watched["hours_spread"])
    bound = float(outcome.bound or 0.0)
    if name == "largest_load":
        bound = max(bound, staged.lower_bound if staged.lower_bound is not None else bound)
    elif name == "smallest_load":
        # CP-SAT's bound is on weight × smallest + the groups' smallest (all >= 0): over the weight, one on the
        # smallest; the relaxation's, with every load at most the largest held from stage 1, is the other.
        bound = math.floor((bound - staged.groups_least) / staged.smallest_weight)
        bound = min(bound, smallest_bound) if smallest_bound is not None else bound
    scale = {"largest_load": SCALE, "smallest_load": SCALE, "hours_spread": SCALE * HOUR_SCALE}.get(name, 1)
    first = outcome.progress[0].objective / scale if outcome.progress else None
    return StageRecord(name, objective / scale, bound / scale, seconds, outcome.status, UNITS[name], start=first)
