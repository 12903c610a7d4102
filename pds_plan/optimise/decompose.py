"""Long horizons solved month by month, carrying each radiologist's points and hours over, then polished as a whole.

A quarter or a year at once is a large model in which the search improves fairness slowly; a month is small enough
for it to do well. Each month is solved with the points earned in the months before counted in its fairness terms,
and with the last two days of the month before fixed, so that rest and block rules hold across the boundary.
The months' rota then seeds a search over the whole horizon with the time that remains, which gives a global bound.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment, fair_share_weights, period_points
from pds_plan.optimise.greedy import greedy_rota
from pds_plan.optimise.rota_model import Progress, SolveOptions, SolveOutcome
from pds_plan.optimise.stages import StagedModel, StageRecord, build_staged_model, set_carried, solve_stages

OVERLAP_DAYS = 2  # decisions of the month before that rest and block rules can still reach
MONTHS_SHARE_OF_TIME = 0.6
# Above this many x variables the whole horizon is not polished: a synthetic year of 60 sites and 250 radiologists
# (421,000 x variables) built a 529,000-variable model whose presolve alone outlasted a 120 s limit and peaked at
# 5.9 GB (bench/README.md).
POLISH_MAX_ASSIGNMENT_VARIABLES = 150_000


# The model_size key of an outcome whose months were never searched as a whole horizon (see searched_whole).
MONTHS_ONLY = "assignment_variables_by_month"


def searched_whole(outcome: SolveOutcome) -> bool:
    """Whether the outcome's horizon was searched as a whole (and has a bound over it), not only month by month."""
    return MONTHS_ONLY not in outcome.model_size


def month_spans(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    spans = []
    first = start
    while first <= end:
        following = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        last = min(end, following - dt.timedelta(days=1))
        spans.append((first, last))
        first = last + dt.timedelta(days=1)
    return spans


def carried_points(
    scenario: Scenario, assignments: list[Assignment], before: dt.date, periods: Mapping[tuple, Period] | None = None
) -> dict[str, int]:
    """Points each radiologist earned in the assignments before a date, one duty per on-call period; `periods`: the
    scenario's calendar by period key, when the caller has it already."""
    return carried_loads(scenario, assignments, before, periods)[0]


def carried_hours(
    scenario: Scenario, assignments: list[Assignment], before: dt.date, periods: Mapping[tuple, Period] | None = None
) -> dict[str, float]:
    """On-call hours each radiologist worked in the assignments before a date, one duty per on-call period."""
    return carried_loads(scenario, assignments, before, periods)[1]


def carried_loads(
    scenario: Scenario, assignments: list[Assignment], before: dt.date, periods: Mapping[tuple, Period] | None = None
) -> tuple[dict[str, int], dict[str, float]]:
    """Points and on-call hours each radiologist earned in the assignments before a date, in one pass."""
    if periods is None:
        periods = calendar_by_key(scenario)
    duties: dict[str, dict[tuple, tuple[int, float]]] = defaultdict(dict)
    for a in assignments:
        if a.date < before and a.key in periods:
            _add_duty(duties[a.radiologist_id], periods[a.key], scenario)
    points = {r: sum(p for p, _ in spans.values()) for r, spans in duties.items()}
    hours = {r: sum(h for _, h in spans.values()) for r, spans in duties.items()}
    return points, hours


def calendar_by_key(scenario: Scenario) -> dict[tuple, Period]:
    return {p.key: p for p in build_calendar(scenario)}


def _add_duty(spans: dict[tuple, tuple[int, float]], period: Period, scenario: Scenario) -> None:
    """One duty per time span however many sites are read in it: the most points of its periods, and its hours."""
    span = (period.start_utc, period.end_utc)
    points = max(spans.get(span, (0, 0.0))[0], period_points(period, scenario.points))
    spans[span] = (points, (period.end_utc - period.start_utc).total_seconds() / 3600)


def month_of(scenario: Scenario, first: dt.date, last: dt.date) -> Scenario:
    """The scenario of one month, from OVERLAP_DAYS before its first day (those days' rota is fixed)."""
    overlap = max(scenario.start, first - dt.timedelta(days=OVERLAP_DAYS))
    return replace(scenario, start=overlap, end=last, pins=tuple(p for p in scenario.pins if overlap <= p.date <= last))


def most_carried(scenario: Scenario, periods: Mapping[tuple, Period]) -> tuple[int, float]:
    """Bounds on the points and hours anyone can carry into a month: what one radiologist on call in every period of
    the horizon would earn, balances included."""
    spans: dict[tuple, tuple[int, float]] = {}
    for period in periods.values():
        _add_duty(spans, period, scenario)
    balances = max((round(b) for b in scenario.balances.values()), default=0)
    return sum(p for p, _ in spans.values()) + max(0, balances), sum(h for _, h in spans.values())


def solve_by_month(
    scenario: Scenario,
    options: SolveOptions,
    on_progress: Callable[[Progress], None] | None = None,
) -> tuple[SolveOutcome, tuple[StageRecord, ...]] | None:
    """The rota solved month by month, each month in the stages of optimise/stages.py with the points and hours of
    the months before carried, then polished as a whole (in the same stages) when that is small enough.

    A month whose search finds nothing in its share of the time keeps its greedy rota; None is returned only when
    a month has neither (solve the horizon whole instead).
    """
    started = time.monotonic()
    spans = month_spans(scenario.start, scenario.end)
    everyone = sorted({r.radiologist_id for r in scenario.radiologists})
    shares = fair_share_weights(scenario, everyone)
    periods = calendar_by_key(scenario)
    per_month: float | None = None  # set once the first month's model tells the size of the whole horizon
    polish_whole = True
    chosen: list[Assignment] = []
    statuses: list[str] = []
    reproducible: list[bool] = []
    records: list[StageRecord] = []
    assignment_variables = 0
    interrupted = False
    outcome: SolveOutcome | None = None
    # Each month's model is built in a thread while the month before it is searched (CP-SAT's search leaves Python
    # free), and the points and hours carried into it are fixed once that month is solved.
    bound = most_carried(scenario, periods)
    builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="month-model")

    def build(first: dt.date, last: dt.date) -> StagedModel:
        return build_staged_model(month_of(scenario, first, last), shares=shares, carried_at_most=bound)

    next_model = builder.submit(build, *spans[0])
    try:
        for index, (first, last) in enumerate(spans):
            month = month_of(scenario, first, last)
            overlap = month.start
            earned, hours = carried_loads(scenario, chosen, overlap, periods)
            carried = {
                r: earned.get(r, 0) + round(scenario.balances.get(r, 0)) for r in set(earned) | set(scenario.balances)
            }
            before = [a for a in chosen if a.date >= overlap]
            if not interrupted:
                try:
                    staged = next_model.result()
                    if index + 1 < len(spans):
                        next_model = builder.submit(build, *spans[index + 1])
                    set_carried(staged, carried, hours)
                    rota = staged.rota
                    slot_of = {period.key: slot for slot, period in enumerate(rota.plan.slots)}
                    for a in before:
                        if (a.radiologist_id, slot_of.get(a.key)) in rota.x:
                            rota.model.add(rota.x[(a.radiologist_id, slot_of[a.key])] == 1)
                    start = greedy_rota(month, rota.plan, fixed=before, carried=carried, shares=shares)
                    hint = list(start.assignments) if not start.uncovered else None
                except KeyboardInterrupt:  # Ctrl-C while the month was being set up
                    interrupted = True
            if interrupted:  # after Ctrl-C, the months left keep their greedy rota, and nothing is searched any more
                kept = greedy_rota(month, fixed=before, carried=carried, shares=shares)
                if kept.uncovered:
                    raise KeyboardInterrupt  # no complete rota to keep
                chosen += [a for a in kept.assignments if a.date >= first]
                statuses.append(f"{first:%Y-%m}: greedy kept (interrupted)")
                continue
            if per_month is None:
                # The whole horizon is polished only when it is small enough to build and search (about the first
                # month's size times the months); otherwise the months have all the time.
                polish_whole = len(rota.x) * len(spans) <= POLISH_MAX_ASSIGNMENT_VARIABLES
                per_month = options.time_limit * (MONTHS_SHARE_OF_TIME if polish_whole else 1.0) / len(spans)
            month_options = replace(options, time_limit=per_month, quick_start=True)
            outcome, month_records = solve_stages(staged, month_options, scenario.stages, hint)
            records += [replace(record, part=f"{first:%Y-%m}") for record in month_records]
            interrupted = outcome.interrupted
            assignment_variables += len(rota.x)
            if outcome.found:
                month_assignments = outcome.assignments
                statuses.append(f"{first:%Y-%m}: {outcome.status}")
            elif hint is not None:  # no better rota within its share of the time: keep the month's greedy rota
                month_assignments = tuple(start.assignments)
                statuses.append(f"{first:%Y-%m}: greedy kept ({outcome.status})")
            else:
                return None
            chosen += [a for a in month_assignments if a.date >= first]
            reproducible.append(bool(outcome.parameters.get("reproducible", False)))
    finally:
        builder.shutdown(wait=False, cancel_futures=True)
    parameters = {
        **(outcome.parameters if outcome is not None else {}),
        "decomposition": statuses,
        "reproducible": all(reproducible) and not interrupted,
    }
    if interrupted or not polish_whole:
        # Interrupted, or the whole horizon is too large to build and search in memory and time: the months' rota
        # stands, with no global bound (gap unknown).
        months_outcome = SolveOutcome(
            status="FEASIBLE",
            assignments=tuple(sorted(chosen)),
            objective=None,
            bound=None,
            wall_time=time.monotonic() - started,
            first_solution_time=None,
            penalties={},
            parameters=parameters,
            model_size={MONTHS_ONLY: assignment_variables},
            interrupted=interrupted,
        )
        return months_outcome, tuple(records)
    # A fixed share of the limit, not the time left on the clock, so that the same inputs give the same polish.
    polish = max(1.0, options.time_limit * (1 - MONTHS_SHARE_OF_TIME))
    whole = build_staged_model(scenario)
    final, whole_records = solve_stages(
        whole, replace(options, time_limit=polish), scenario.stages, chosen, on_progress
    )
    months = {"decomposition": statuses, "months_reproducible": all(reproducible)}
    merged = {**final.parameters, **months}
    merged["reproducible"] = bool(final.parameters.get("reproducible", False)) and all(reproducible)
    if not final.found:  # the polish found nothing within its time: the months' rota stands
        final = replace(final, status="FEASIBLE", assignments=tuple(sorted(chosen)), objective=None, bound=None)
    return replace(final, wall_time=time.monotonic() - started, parameters=merged), (*records, *whole_records)
