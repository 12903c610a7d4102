"""A rota that lives: replan after an absence with the fewest changes, agreed swaps, and who can take a duty.

Library functions on a published `Run` (read back from its folder, or just planned). Each returns a new `Run`
whose parent is the published one, with its changes (`changes` and `notifications` tables), analysed again; or
says, in planner's words, why it cannot. The rules are kept by the optimiser (replan) and checked by the
independent checker (swap, cover, and every result).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from pds_plan.analysis.fairness import fairness
from pds_plan.check import Violation, check_rota
from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.model import Availability, AvailabilityKind, PeriodKind, Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.domain.run import Run, in_order, plain_json
from pds_plan.errors import InfeasibleError, InputError, PdsPlanError, Problem
from pds_plan.optimise.replan import ReplanOutcome, replan_rota
from pds_plan.optimise.rota_model import SolveOptions, relative_gap
from pds_plan.runs.pipeline import analyse

CHANGE_COLUMNS = [
    "date", "period", "site_id", "site_name", "before", "before_name", "after", "after_name",
]  # fmt: skip
NOTIFICATION_COLUMNS = ["radiologist_id", "radiologist_name", "change", "date", "period", "site_id", "site_name"]


@dataclass(frozen=True)
class Absence:
    radiologist_id: str
    start: dt.date
    end: dt.date  # inclusive


class SwapRefused(PdsPlanError):
    """A swap that would break hard rules: nothing is written."""

    exit_code = 1

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        super().__init__(f"the swap would break {len(self.violations)} hard rule(s)")


# --- the changes between two rotas -------------------------------------------------------------------------------


def changes_table(scenario: Scenario, before: Iterable[Assignment], after: Iterable[Assignment]) -> pd.DataFrame:
    """One row per site period whose radiologist differs between the two rotas, names with ids."""
    old = {a.key: a.radiologist_id for a in before}
    new = {a.key: a.radiologist_id for a in after}
    rows = []
    for key in sorted(set(old) | set(new), key=lambda k: (k[0], k[1].value, k[2])):
        if old.get(key) == new.get(key):
            continue
        date, period, site = key
        was, now = old.get(key, ""), new.get(key, "")
        rows.append(
            {
                "date": date.isoformat(),
                "period": period.value,
                "site_id": site,
                "site_name": scenario.site(site).name,
                "before": was,
                "before_name": scenario.radiologist(was).name if was else "",
                "after": now,
                "after_name": scenario.radiologist(now).name if now else "",
            }
        )
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def notifications_table(changes: pd.DataFrame) -> pd.DataFrame:
    """Who to tell what: one row per radiologist and duty gained or lost, by radiologist and date."""
    rows = []
    for change in changes.to_dict("records"):
        where = {k: change[k] for k in ("date", "period", "site_id", "site_name")}
        if change["before"]:
            rows.append({"radiologist_id": change["before"], "radiologist_name": change["before_name"],
                         "change": "loses", **where})  # fmt: skip
        if change["after"]:
            rows.append({"radiologist_id": change["after"], "radiologist_name": change["after_name"],
                         "change": "gains", **where})  # fmt: skip
    frame = pd.DataFrame(rows, columns=NOTIFICATION_COLUMNS)
    return frame.sort_values(["radiologist_id", "date", "period", "site_id"], kind="stable").reset_index(drop=True)


def derived_run(
    parent: Run, scenario: Scenario, assignments: Iterable[Assignment], record: dict[str, Any], note: str, name: str
) -> Run:
    """A run derived from `parent` (same pools, settings and baseline), analysed again, with its changes."""
    assignments = in_order(assignments)
    solve = plain_json(
        {
            **parent.solve,
            **record,
            "fairness": fairness(scenario, assignments).as_dict(),
            "assignments": len(assignments),
        }
    )
    analysed = analyse(scenario, solve, assignments, parent.settings)
    changes = changes_table(scenario, parent.assignments, assignments)
    tables = {**analysed.tables, "changes": changes, "notifications": notifications_table(changes)}
    return replace(
        analysed,
        pools_origin=parent.pools_origin,
        baseline=parent.baseline,
        design=parent.design,
        design_table=parent.design_table,
        tables=tables,
        notes=(*parent.notes, note),
        parent=name,
    )


# --- replan ------------------------------------------------------------------------------------------------------


def with_absences(scenario: Scenario, absences: Sequence[Absence]) -> Scenario:
    """The scenario with the absences as unavailability; InputError for an unknown radiologist or bad dates."""
    known = {r.radiologist_id for r in scenario.radiologists}
    problems = []
    for absence in absences:
        where = f"absence of {absence.radiologist_id}"
        if absence.radiologist_id not in known:
            problems.append(Problem(where, f"unknown radiologist '{absence.radiologist_id}' (not in the scenario)"))
        if absence.end < absence.start:
            problems.append(Problem(where, f"ends {absence.end} before it starts {absence.start}"))
        if absence.end < scenario.start or absence.start > scenario.end:
            problems.append(Problem(where, f"{absence.start} to {absence.end} is outside the rota's horizon"))
    if problems:
        raise InputError(problems)
    extra = tuple(Availability(a.radiologist_id, a.start, a.end, AvailabilityKind.UNAVAILABLE) for a in absences)
    return replace(scenario, availability=(*scenario.availability, *extra))


def forced_changes(run: Run, absences: Sequence[Absence]) -> int:
    """The published assignments of the absent radiologists on the days they are absent: changes no rota avoids."""
    return sum(
        1
        for a in run.assignments
        for absence in absences
        if a.radiologist_id == absence.radiologist_id and absence.start <= a.date <= absence.end
    )


def replan(
    run: Run,
    absences: Sequence[Absence],
    start: dt.date | None = None,
    options: SolveOptions | None = None,
    parent_name: str = "",
) -> Run:
    """The published run replanned for the absences: nothing changes before `start` (default: the first absent
    day), then the fewest changes, the fewest radiologists affected, fairness. InfeasibleError naming each duty
    nobody can take, with why each credentialed radiologist cannot, when no rota keeps every rule."""
    if not absences:
        raise InputError([Problem("absences", "no absence given")])
    start = start or min(a.start for a in absences)
    scenario = with_absences(run.scenario, absences)
    outcome = replan_rota(scenario, run.assignments, start, options or SolveOptions(time_limit=20.0))
    if not outcome.assignments:
        raise unstaffable(run, scenario, absences, start, outcome)
    who = ", ".join(f"{a.radiologist_id} {a.start}–{a.end}" for a in absences)
    forced = forced_changes(run, absences)
    last = outcome.stages[-1]
    record = {
        "method": "replan",
        "status": outcome.status,
        "proven_optimal": False,
        "interrupted": outcome.interrupted,
        # The figures of the last stage's search, not of the published run's.
        "objective": last.objective,
        "best_bound": last.bound,
        "gap": relative_gap(last.objective, last.bound)
        if last.objective is not None and last.bound is not None
        else None,
        "wall_time_seconds": round(sum(stage.seconds for stage in outcome.stages), 3),
        "replan": {
            "from": start.isoformat(),
            "absences": [
                {"radiologist_id": a.radiologist_id, "start": a.start.isoformat(), "end": a.end.isoformat()}
                for a in absences
            ],
            "changes": outcome.changes,
            "changes_proven_minimal": outcome.changes_proven_minimal,
            "forced_changes": forced,
            "radiologists_affected": outcome.radiologists_affected,
            "stages": [stage.as_dict() for stage in outcome.stages],
        },
    }
    minimal = "proven minimal" if outcome.changes_proven_minimal else "not proven minimal"
    note = (f"replanned from {start} for {who}: {outcome.changes} changed assignments ({minimal}; {forced} forced by "
            f"the absence), {outcome.radiologists_affected} radiologists affected")  # fmt: skip
    return derived_run(run, scenario, outcome.assignments, record, note, parent_name)


def unstaffable(
    run: Run, scenario: Scenario, absences: Sequence[Absence], start: dt.date, outcome: ReplanOutcome
) -> InfeasibleError:
    """Why no replanned rota exists: each duty of the absent radiologists that nobody can take, with the reason of
    every radiologist credentialed for it."""
    if outcome.status not in ("INFEASIBLE", "MODEL_INVALID"):
        return InfeasibleError(
            [f"no replanned rota found within the time limit (solver status {outcome.status})"],
            ["allow more time with --time-limit"],
        )
    absent = {a.radiologist_id for a in absences}
    lines: list[str] = []
    for duty in duties_of_absent(run, scenario, absent, start):
        candidates, refused = cover_candidates(run.scenario, scenario, run.assignments, duty)
        if candidates:
            continue
        lines.append(f"nobody can take {describe(scenario, duty)}:")
        lines += [f"  {scenario.radiologist(r).name} ({r}): {why}" for r, why in refused.items()]
    if not lines:
        lines = ["each duty of the absence could be taken by someone alone, but not all of them together"]
    return InfeasibleError(
        lines,
        ["credential another radiologist for these sites, shorten the absence, or replan from a later date"],
    )


# --- who can take a duty -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duty:
    """One radiologist's sites in one period: what moves together (a fixed pool moves whole)."""

    date: dt.date
    period: PeriodKind
    site_ids: tuple[str, ...]
    holder: str


def duty_at(scenario: Scenario, assignments: Iterable[Assignment], site_id: str, date: dt.date,
            period: PeriodKind) -> Duty:  # fmt: skip
    """The duty holding a site in a period: the site, and the other sites of its fixed pool read by the same
    radiologist then. InputError when the rota has no such site period."""
    holder = next((a.radiologist_id for a in assignments if a.key == (date, period, site_id)), None)
    if holder is None:
        raise InputError([Problem("rota", f"no {period.value} of {site_id} on {date} in the rota")])
    pool = next((m.pool_id for m in scenario.pools if m.site_id == site_id), None)
    sites = {site_id}
    if pool is not None:
        members = {m.site_id for m in scenario.pools if m.pool_id == pool}
        sites |= {a.site_id for a in assignments if a.date == date and a.period == period
                  and a.radiologist_id == holder and a.site_id in members}  # fmt: skip
    return Duty(date, period, tuple(sorted(sites)), holder)


def duties_of_absent(run: Run, scenario: Scenario, absent: set[str], start: dt.date) -> list[Duty]:
    seen: set[tuple[dt.date, PeriodKind, tuple[str, ...]]] = set()
    found = []
    for a in run.assignments:
        if a.radiologist_id in absent and a.date >= start and scenario.is_unavailable(a.radiologist_id, a.date):
            duty = duty_at(scenario, run.assignments, a.site_id, a.date, a.period)
            if (duty.date, duty.period, duty.site_ids) not in seen:
                seen.add((duty.date, duty.period, duty.site_ids))
                found.append(duty)
    return found


def describe(scenario: Scenario, duty: Duty) -> str:
    sites = " + ".join(scenario.site(s).name for s in duty.site_ids)
    return f"the {duty.period.value} of {duty.date} at {sites}"


def moved(assignments: Iterable[Assignment], duty: Duty, to: str) -> list[Assignment]:
    keys = {(duty.date, duty.period, s) for s in duty.site_ids}
    return [replace(a, radiologist_id=to) if a.key in keys else a for a in assignments]


def _new_violations(scenario: Scenario, before: Sequence[Violation], after: Sequence[Violation]) -> list[Violation]:
    known = {str(v) for v in before}
    return [v for v in after if str(v) not in known]


def cover_candidates(
    published_scenario: Scenario, scenario: Scenario, assignments: Sequence[Assignment], duty: Duty
) -> tuple[list[tuple[str, float]], dict[str, str]]:
    """Who could take `duty` without breaking a rule (by the independent checker), each with the rota's fairness
    spread after the move, fairest first; and why each other radiologist credentialed for its sites cannot."""
    baseline = check_rota(scenario, assignments)
    sites = set(duty.site_ids)
    credentialed = [
        r.radiologist_id for r in scenario.radiologists if sites <= r.sites and r.radiologist_id != duty.holder
    ]
    candidates: list[tuple[str, float]] = []
    refused: dict[str, str] = {}
    for r in credentialed:
        rota = moved(assignments, duty, r)
        broken = _new_violations(scenario, baseline, check_rota(scenario, rota))
        if broken:
            refused[r] = "; ".join(sorted({f"{v.rule}: {v.message}" for v in broken}))
        else:
            candidates.append((r, fairness(scenario, rota).spread_ratio))
    candidates.sort(key=lambda c: (c[1], c[0]))
    return candidates, refused


@dataclass(frozen=True)
class Cover:
    duty: Duty
    # radiologist, the rota's spread after the move, their points before and after, and after against fair share
    candidates: tuple[tuple[str, float, float, float, float], ...]
    refused: dict[str, str]  # radiologist -> the rules the move would break, in the checker's words
    spread_now: float


def cover(run: Run, site_id: str, date: dt.date, period: PeriodKind | None = None) -> Cover:
    """Everyone who could take the duty holding `site_id` on `date` (its night by default, else the only period
    of that day), ranked by the fairness spread after the move, and why each other credentialed one cannot."""
    periods = [p for p in build_calendar(run.scenario) if p.site_id == site_id and p.date == date]
    if not periods:
        raise InputError([Problem("--site/--date", f"{site_id} has no PDS period on {date}")])
    chosen = _period_of(periods, period)
    duty = duty_at(run.scenario, run.assignments, site_id, date, chosen.kind)
    candidates, refused = cover_candidates(run.scenario, run.scenario, list(run.assignments), duty)
    before = fairness(run.scenario, run.assignments).per_radiologist.set_index("radiologist_id")["points"]
    ranked = []
    for r, spread in candidates:
        after = fairness(run.scenario, moved(run.assignments, duty, r)).per_radiologist.set_index("radiologist_id")
        # Fairest first: the rota's spread after the move, then how far the taker would be above their fair share.
        deviation = float(after["deviation"].get(r, 0.0))
        ranked.append((spread, deviation, r, float(before.get(r, 0.0)), float(after["points"].get(r, 0.0))))
    ranked.sort(key=lambda row: (round(row[0], 9), row[1], row[2]))
    found = tuple((r, spread, points, then, deviation) for spread, deviation, r, points, then in ranked)
    return Cover(duty, found, refused, fairness(run.scenario, run.assignments).spread_ratio)


def _period_of(periods: list[Period], period: PeriodKind | None) -> Period:
    if period is not None:
        found = [p for p in periods if p.kind == period]
        if not found:
            kinds = ", ".join(p.kind.value for p in periods)
            raise InputError([Problem("--period", f"no {period.value} that day (there is: {kinds})")])
        return found[0]
    nights = [p for p in periods if p.kind == PeriodKind.NIGHT]
    return nights[0] if nights else periods[0]


# --- swap --------------------------------------------------------------------------------------------------------


def swap(run: Run, first: str, second: str, date: dt.date, back: dt.date | None = None, parent_name: str = "") -> Run:
    """`first`'s duties starting on `date` go to `second` (and `second`'s on `back` to `first`), checked against
    every hard rule and the pools: SwapRefused listing each broken rule when it would break any."""
    scenario = run.scenario
    known = {r.radiologist_id for r in scenario.radiologists}
    problems = [Problem("swap", f"unknown radiologist '{r}'") for r in (first, second) if r not in known]
    if first == second:
        problems.append(Problem("swap", "the two radiologists are the same"))
    if problems:
        raise InputError(problems)
    moves: dict[tuple[dt.date, PeriodKind, str], str] = {}
    for giver, taker, day in ((first, second, date), (second, first, back)):
        if day is None:
            continue
        mine = [a for a in run.assignments if a.radiologist_id == giver and a.date == day]
        if not mine:
            raise InputError([Problem("swap", f"{giver} has no duty starting on {day}")])
        moves.update({a.key: taker for a in mine})
    rota = [replace(a, radiologist_id=moves[a.key]) if a.key in moves else a for a in run.assignments]
    broken = _new_violations(scenario, check_rota(scenario, run.assignments), check_rota(scenario, rota))
    if broken:
        raise SwapRefused(broken)
    agreed = f"{first} ↔ {second} on {date}" + (f" and {back}" if back else "")
    record = {"method": "swap", "status": "SWAP", "proven_optimal": False, "objective": None, "best_bound": None,
              "gap": None, "wall_time_seconds": None,
              "swap": {"first": first, "second": second, "date": date.isoformat(),
                       "back": back.isoformat() if back else None}}  # fmt: skip
    return derived_run(run, scenario, rota, record, f"swap agreed: {agreed}", parent_name)


def points_of(run: Run, radiologists: Iterable[str]) -> dict[str, float]:
    """Each radiologist's weighted load (fairness points) in the run."""
    frame = fairness(run.scenario, run.assignments).per_radiologist.set_index("radiologist_id")["points"]
    return {r: float(frame.get(r, 0.0)) for r in radiologists}


def by_radiologist(changes: pd.DataFrame) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for row in changes.to_dict("records"):
        found[str(row["radiologist_id"])].append(f"{row['change']} {row['date']} {row['period']} {row['site_name']}")
    return dict(found)
