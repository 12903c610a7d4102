"""Benchmark the fairness of the staged optimiser: each stage against its bound, the points spread against the
fairness floor and the greedy baseline, and the on-call hours spread against a plain CP-SAT model that minimises
nothing but the hours spread.

Usage (from the repository root)::

    python bench/bench_fairness.py [--sizes lorraine,picardie,pays-de-la-loire,held-16,held-20,held-12]
        [--repeats 3] [--time-limit 30] [--held-time-limit 60] [--workers 2] [--region-seed 7] [--json FILE]

Scenarios: the three bundled quarters (limit `--time-limit`), and held-out synthetic regions drawn by
bench/synthetic_region.py with `--region-seed` (default 7, a seed the project was never tuned on; limit
`--held-time-limit`). Every scenario is loaded with `pds_plan.io.scenario.load_scenario`.

How it runs: every repetition of every scenario runs **in fresh Python subprocesses**, one for the project
(`pds_plan.runs.solve(scenario, SolveOptions(time_limit, workers, seed))`) and one for the plain model
(`plain_hours_rota`, below), one after the other, never at the same time; repetition *i* uses solver seed *i* in
both. Each child writes JSON lines (what it loaded, then its result) to a file in the work folder; the parent reads
them, takes the child's peak memory from `os.wait4`, kills a child that runs past `--run-timeout`, and prints the
median of every figure over the repetitions (with an even number of runs, the upper of the two middle values).

The plain model (`plain_hours_rota`) is every hard rule of `build_rota_model(scenario, objective=False)` plus, per
radiologist who may be on call, the on-call hours in tenths normalised by the fair share (factor round(100 ×
mean share / own share), as optimise/stages.py does), their maximum and minimum, and the objective max − min;
it starts from the greedy rota and is solved by `solve_model` with the same time limit, workers and seed as the
project (SolveOptions' defaults otherwise: the reproducible large neighbourhood search on a deterministic budget,
the time limit a wall-clock cap). The scenario gets `with_turnaround_limits` first, as `runs.solve` does, so both
models keep the same rules; its rota is checked by `pds_plan.check.check_rota` and measured by
`pds_plan.analysis.fairness.fairness`, like the project's.

Targets (from the issue): bundled quarters in 30 s: points spread (max/min) within 10 % of the floor and
stage-1 gap at most 5 %; held-out regions in 60 s: points spread within 10 % of the floor and hours spread at most
1.25 × the plain model's. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_solve import EventLog, mode  # the same child-run log and status summary as the solver's benchmark

from pds_plan.optimise.stages import HOUR_SCALE, SCALE  # normalised values as the staged objective counts them

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("largest_load", "smallest_load", "hours_spread", "preferences")
FLOOR_TOLERANCE = 1.10  # points spread at most 10 % above the floor
HOURS_TOLERANCE = 1.25  # hours spread at most 1.25 × the plain model's
STAGE1_GAP = 0.05  # bundled quarters: stage-1 gap at most 5 %
# Read by optimise/stages.py at the time of writing (experiments): recorded with the settings when set.
WATCHED_ENVIRONMENT = ("STAGE2", "LNS")


@dataclass(frozen=True)
class Size:
    name: str
    scenario: str | None = None  # bundled scenario, relative to the repository root
    synthetic: tuple[int, int, int, dt.date] | None = None  # sites, radiologists, days, start

    @property
    def held_out(self) -> bool:
        return self.synthetic is not None

    def describe(self) -> str:
        if self.synthetic:
            sites, radiologists, days, start = self.synthetic
            return f"held-out synthetic: {sites} sites, {radiologists} radiologists, {days} days from {start}"
        return f"bundled: {self.scenario}"


SIZES = {
    size.name: size
    for size in (
        Size("lorraine", scenario="scenarios/lorraine-2027q1.toml"),
        Size("picardie", scenario="scenarios/picardie-2027q1.toml"),
        Size("pays-de-la-loire", scenario="scenarios/pays-de-la-loire-2027q1.toml"),
        Size("held-16", synthetic=(16, 64, 61, dt.date(2027, 3, 1))),  # March-April 2027
        Size("held-20", synthetic=(20, 80, 61, dt.date(2027, 3, 1))),  # March-April 2027
        Size("held-12", synthetic=(12, 48, 62, dt.date(2026, 12, 1))),  # December 2026-January 2027
    )
}


# --------------------------------------------------------------------------------------------------------------
# The plain model: every hard rule, and the spread of normalised on-call hours as the only objective.
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlainRota:
    scenario: Any  # the scenario solved (with its turnaround limits attached)
    assignments: tuple[Any, ...]
    outcome: Any  # SolveOutcome
    greedy_complete: bool  # the greedy rota covered everything and kept every rule: a complete start
    seconds: dict[str, float]  # turnaround limits, greedy rota, model build, search


def plain_hours_rota(scenario: Any, time_limit: float, workers: int, seed: int) -> PlainRota:
    """Minimise (most − least) normalised on-call hours under every hard rule, from the greedy rota."""
    from ortools.sat.python import cp_model

    from pds_plan.analysis.pool_design import with_turnaround_limits
    from pds_plan.check import check_rota
    from pds_plan.domain.rota import fair_share_weights
    from pds_plan.optimise.greedy import greedy_rota
    from pds_plan.optimise.rota_model import SolveOptions, solve_model
    from pds_plan.optimise.solve import build_rota_model

    seconds: dict[str, float] = {}
    started = time.monotonic()
    if scenario.turnaround_limits is None:  # as runs.solve does
        scenario = with_turnaround_limits(scenario)
    seconds["turnaround_limits"] = time.monotonic() - started

    started = time.monotonic()
    greedy = greedy_rota(scenario)
    greedy_complete = not greedy.uncovered and not check_rota(scenario, greedy.assignments)
    seconds["greedy"] = time.monotonic() - started

    started = time.monotonic()
    rota = build_rota_model(scenario, objective=False)
    model, plan = rota.model, rota.plan
    radiologists = sorted({r for r, _ in rota.on})
    share = fair_share_weights(scenario, radiologists)
    mean_share = sum(share[r] for r in radiologists) / max(len(radiologists), 1)
    factor = {r: round(SCALE * mean_share / share[r]) for r in radiologists}
    windows_of: dict[str, list[int]] = defaultdict(list)
    for r, w in rota.on:
        windows_of[r].append(w)
    tenths = [round(HOUR_SCALE * window.hours) for window in plan.windows]
    top = sum(tenths) * max(factor.values(), default=0)
    most: cp_model.IntVar = model.new_int_var(0, top, "plain_most_hours")
    least: cp_model.IntVar = model.new_int_var(0, top, "plain_least_hours")
    for r in radiologists:
        hours = model.new_int_var(0, top, f"plain_hours[{r}]")
        model.add(hours == factor[r] * sum(tenths[w] * rota.on[(r, w)] for w in windows_of[r]))
        model.add(most >= hours)
        model.add(least <= hours)
    model.minimize(most - least)
    seconds["build"] = time.monotonic() - started

    options = SolveOptions(
        hint=list(greedy.assignments) if greedy_complete else None, time_limit=time_limit, workers=workers, seed=seed
    )
    outcome = solve_model(rota, options)
    seconds["search"] = outcome.wall_time
    return PlainRota(scenario, tuple(outcome.assignments), outcome, greedy_complete, seconds)


# --------------------------------------------------------------------------------------------------------------
# Child side: one run in a fresh interpreter, writing JSON lines.
# --------------------------------------------------------------------------------------------------------------


def describe_scenario(scenario: Any) -> dict[str, Any]:
    return {
        "scenario": scenario.name,
        "days": scenario.days,
        "start": scenario.start.isoformat(),
        "pds_sites": len(scenario.pds_sites),
        "radiologists": len(scenario.radiologists),
    }


def child_project(scenario_path: Path, time_limit: float, workers: int, seed: int, log: EventLog) -> None:
    from pds_plan.errors import InfeasibleError
    from pds_plan.io.scenario import load_scenario
    from pds_plan.optimise.rota_model import SolveOptions
    from pds_plan.runs import solve

    scenario = load_scenario(scenario_path)
    log.write("loaded", **describe_scenario(scenario))
    called = time.monotonic()
    try:
        result = solve(scenario, SolveOptions(time_limit=time_limit, workers=workers, seed=seed))
    except InfeasibleError as error:
        log.write("infeasible", explanation=error.explanation, seconds=round(time.monotonic() - called, 4))
        return
    seconds = time.monotonic() - called
    summary = result.summary()
    summary.pop("objective_breakdown", None)
    log.write("result", solve_call_seconds=round(seconds, 4), summary=summary)


def child_plain(scenario_path: Path, time_limit: float, workers: int, seed: int, log: EventLog) -> None:
    from pds_plan.analysis.fairness import fairness
    from pds_plan.check import check_rota
    from pds_plan.io.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    log.write("loaded", **describe_scenario(scenario))
    called = time.monotonic()
    plain = plain_hours_rota(scenario, time_limit, workers, seed)
    seconds = time.monotonic() - called
    outcome = plain.outcome
    found = outcome.found
    violations = [str(v) for v in check_rota(plain.scenario, plain.assignments)] if found else None
    log.write(
        "result",
        status=outcome.status,
        greedy_complete=plain.greedy_complete,
        # The objective in hours for a radiologist of average share: the units of the project's hours_spread stage.
        objective_hours=outcome.objective / (SCALE * HOUR_SCALE) if found else None,
        bound_hours=outcome.bound / (SCALE * HOUR_SCALE) if found else None,
        gap=outcome.gap,
        seconds={key: round(value, 4) for key, value in plain.seconds.items()},
        total_seconds=round(seconds, 4),
        parameters=outcome.parameters,
        model_size=outcome.model_size,
        assignments=len(plain.assignments),
        violations=len(violations) if violations is not None else None,
        violation_messages=(violations or [])[:50],
        fairness=fairness(plain.scenario, plain.assignments).as_dict() if found else None,
    )


# --------------------------------------------------------------------------------------------------------------
# Parent side.
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRun:
    events: list[dict[str, Any]]
    process_seconds: float
    peak_rss_mb: float
    returncode: int
    killed: str | None
    stderr_tail: str
    load_before: float
    load_after: float

    def event(self, kind: str) -> dict[str, Any] | None:
        return next((e for e in self.events if e["event"] == kind), None)


def run_child(arguments: list[str], events: Path, timeout: float) -> ChildRun:
    stderr_path = events.with_suffix(".stderr")
    events.unlink(missing_ok=True)  # a reused --work-dir must not mix two runs' events
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with open(stderr_path, "w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), *arguments, "--events", str(events)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=ROOT,
        )
    killed = None
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        elapsed = time.monotonic() - started
        if killed is None and elapsed > timeout:
            killed = f"timeout after {elapsed:.0f} s"
            process.kill()  # our own child, by its pid
        time.sleep(0.1)
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = events.read_text(encoding="utf-8").splitlines() if events.exists() else []
    return ChildRun(
        events=[json.loads(line) for line in lines if line.strip()],
        process_seconds=time.monotonic() - started,
        peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        returncode=process.returncode,
        killed=killed,
        stderr_tail=stderr_path.read_text(encoding="utf-8", errors="replace")[-2000:],
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )


def run_status(run: ChildRun, result: dict[str, Any] | None, status: str | None) -> str:
    if result is not None and status is not None:
        return status
    if run.event("infeasible"):
        return "INFEASIBLE / NO ROTA IN TIME"
    if run.killed:
        return f"KILLED ({run.killed})"
    return f"CRASHED (exit {run.returncode})"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or not math.isfinite(numerator) or not math.isfinite(denominator):
        return None
    return numerator / denominator if denominator > 0 else None


def figures_of(project: ChildRun, plain: ChildRun) -> dict[str, Any]:
    """Every figure of one repetition: the project's run and the plain model's run with the same seed."""
    result = project.event("result")
    summary = result["summary"] if result else {}
    fair = summary.get("fairness") or {}
    greedy = (summary.get("greedy_baseline") or {}).get("fairness") or {}
    floor = summary.get("fairness_floor") or {}
    plain_result = plain.event("result")
    plain_fair = (plain_result or {}).get("fairness") or {}
    figures: dict[str, Any] = {
        "status": run_status(project, result, summary.get("status")),
        "plain_status": run_status(plain, plain_result, (plain_result or {}).get("status")),
        "points_spread": fair.get("spread_ratio_max_min"),
        "greedy_points_spread": greedy.get("spread_ratio_max_min"),
        "plain_points_spread": plain_fair.get("spread_ratio_max_min"),
        "floor": floor.get("spread_ratio_at_least"),
        "points_spread_within_groups": fair.get("spread_ratio_within_credential_groups"),
        "greedy_points_spread_within_groups": greedy.get("spread_ratio_within_credential_groups"),
        "floor_within_groups": floor.get("spread_ratio_within_credential_groups_at_least"),
        "hours_spread": fair.get("hours_spread_ratio_max_min"),
        "greedy_hours_spread": greedy.get("hours_spread_ratio_max_min"),
        "plain_hours_spread": plain_fair.get("hours_spread_ratio_max_min"),
        "hours_spread_within_groups": fair.get("hours_spread_ratio_within_credential_groups"),
        "greedy_hours_spread_within_groups": greedy.get("hours_spread_ratio_within_credential_groups"),
        "plain_hours_spread_within_groups": plain_fair.get("hours_spread_ratio_within_credential_groups"),
        "without_duty": fair.get("radiologists_without_duty"),
        "plain_without_duty": plain_fair.get("radiologists_without_duty"),
        "plain_objective_hours": (plain_result or {}).get("objective_hours"),
        "plain_bound_hours": (plain_result or {}).get("bound_hours"),
        "plain_gap": (plain_result or {}).get("gap"),
        "plain_greedy_complete": (plain_result or {}).get("greedy_complete"),
        "violations": (summary.get("rule_check") or {}).get("violations"),
        "greedy_violations": (summary.get("greedy_baseline") or {}).get("rule_check_violations"),
        "plain_violations": (plain_result or {}).get("violations"),
        "solve_call_seconds": result["solve_call_seconds"] if result else None,
        "process_seconds": round(project.process_seconds, 3),
        "peak_rss_mb": round(project.peak_rss_mb, 1),
        "plain_total_seconds": (plain_result or {}).get("total_seconds"),
        "plain_search_seconds": ((plain_result or {}).get("seconds") or {}).get("search"),
        "plain_process_seconds": round(plain.process_seconds, 3),
        "plain_peak_rss_mb": round(plain.peak_rss_mb, 1),
        "load_before": round(project.load_before, 2),
        "load_after": round(plain.load_after, 2),
    }
    figures["spread_over_floor"] = ratio(figures["points_spread"], figures["floor"])
    figures["greedy_spread_over_floor"] = ratio(figures["greedy_points_spread"], figures["floor"])
    figures["hours_over_plain"] = ratio(figures["hours_spread"], figures["plain_hours_spread"])
    figures["within_floor_tolerance"] = (
        figures["spread_over_floor"] <= FLOOR_TOLERANCE if figures["spread_over_floor"] is not None else None
    )
    figures["within_hours_tolerance"] = (
        figures["hours_over_plain"] <= HOURS_TOLERANCE if figures["hours_over_plain"] is not None else None
    )
    stages = {s["name"]: s for s in summary.get("stages", []) if s.get("part") is None}
    figures["stage_parts"] = len([s for s in summary.get("stages", []) if s.get("part") is not None])
    for name in STAGES:
        stage = stages.get(name) or {}
        for key in ("objective", "bound", "gap", "seconds"):
            figures[f"{name}_{key}"] = stage.get(key)
        figures[f"{name}_status"] = stage.get("status")
    # Raw material, kept for --json only.
    figures["project_summary"] = summary
    figures["plain_result"] = plain_result
    for label, run in (("project", project), ("plain", plain)):
        if run.killed or run.event("result") is None:
            figures[f"{label}_stderr_tail"] = run.stderr_tail
        infeasible = run.event("infeasible")
        if infeasible:
            figures[f"{label}_explanation"] = infeasible.get("explanation")
    return figures


def median(values: Sequence[Any]) -> Any:
    """Median of the numbers (None when any run has none); the upper middle value with an even count."""
    if not values or any(v is None or isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        return None
    return statistics.median_high(values)


def scenario_path(size: Size, args: argparse.Namespace, work: Path) -> Path:
    if size.scenario:
        return ROOT / size.scenario
    assert size.synthetic is not None
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synthetic_region import generate_region

    sites, radiologists, days, start = size.synthetic
    return generate_region(sites, radiologists, days, seed=args.region_seed, out=work / size.name, start=start)


def measure(size: Size, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    path = scenario_path(size, args, work)
    limit = args.held_time_limit if size.held_out else args.time_limit
    timeout = args.run_timeout or 3 * limit + 300
    runs = []
    loaded = None
    for repeat in range(args.repeats):
        common = [str(path), "--time-limit", str(limit), "--workers", str(args.workers), "--seed", str(repeat)]
        project = run_child(["--child-project", *common], work / f"{size.name}-{repeat}-project.jsonl", timeout)
        plain = run_child(["--child-plain", *common], work / f"{size.name}-{repeat}-plain.jsonl", timeout)
        loaded = loaded or project.event("loaded") or plain.event("loaded")
        figures = figures_of(project, plain)
        figures["seed"] = repeat
        runs.append(figures)
        print(
            f"  {size.name} #{repeat + 1}: {figures['status']}, points spread {fmt(figures['points_spread'], 'x')} "
            f"(floor {fmt(figures['floor'], 'x')}), hours spread {fmt(figures['hours_spread'], 'x')} "
            f"(plain {fmt(figures['plain_hours_spread'], 'x')}, {figures['plain_status']}), "
            f"{fmt(figures['process_seconds'], 's')} + {fmt(figures['plain_process_seconds'], 's')}",
            file=sys.stderr,
            flush=True,
        )
    numeric = [key for key, value in runs[0].items() if not isinstance(value, dict | list | str)]
    summary: dict[str, Any] = {key: median([r.get(key) for r in runs]) for key in numeric}
    for key in ("status", "plain_status", *(f"{name}_status" for name in STAGES)):
        summary[key] = mode([r[key] for r in runs])
    for key in ("within_floor_tolerance", "within_hours_tolerance"):
        summary[f"{key}_runs"] = sum(bool(r[key]) for r in runs)
    # The verdicts are taken on the medians (and each run's own verdict is counted beside them).
    summary["spread_over_floor"] = ratio(summary["points_spread"], summary["floor"])
    summary["hours_over_plain"] = ratio(summary["hours_spread"], summary["plain_hours_spread"])
    return {
        "size": size.name,
        "description": size.describe(),
        "held_out": size.held_out,
        "scenario_file": str(path),
        "scenario": loaded,
        "time_limit": limit,
        "runs": runs,
        "median": summary,
    }


# --------------------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------------------


def fmt(value: Any, kind: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    if kind == "s":
        return f"{value:.1f} s"
    if kind == "pct":
        return f"{100 * value:.1f} %"
    if kind == "x":
        return f"{value:.3f}"
    if kind == "num":
        return f"{value:,.2f}"
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "mb":
        return f"{value:,.0f} MB"
    return str(value)


def verdict(holds: bool | None, runs: int, total: int) -> str:
    if holds is None:
        return "—"
    text = "yes" if holds else "NO"
    return f"{text} ({runs}/{total} runs)" if total > 1 else text


def stage_cell(m: dict[str, Any], name: str) -> str:
    value, bound, gap = m[f"{name}_objective"], m[f"{name}_bound"], m[f"{name}_gap"]
    if value is None:
        status = m[f"{name}_status"]
        return "—" if status.startswith("None") else f"not found ({status})"
    return f"{fmt(value, 'num')} / {fmt(bound, 'num')} ({fmt(gap, 'pct')})"


def scenario_cell(r: dict[str, Any]) -> str:
    s = r.get("scenario")
    if not s:
        return "—"
    return f"{s['pds_sites']} sites, {s['radiologists']} rads, {s['days']} d"


def floor_verdict(r: dict[str, Any]) -> str:
    m = r["median"]
    holds = m["spread_over_floor"] <= FLOOR_TOLERANCE if m["spread_over_floor"] is not None else None
    return verdict(holds, m["within_floor_tolerance_runs"], len(r["runs"]))


def hours_verdict(r: dict[str, Any]) -> str:
    m = r["median"]
    holds = m["hours_over_plain"] <= HOURS_TOLERANCE if m["hours_over_plain"] is not None else None
    return verdict(holds, m["within_hours_tolerance_runs"], len(r["runs"]))


def triple(m: dict[str, Any], keys: Sequence[str], kind: str = "x") -> str:
    return " / ".join(fmt(m.get(key), kind) for key in keys)


ROWS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("scenario", scenario_cell),
    ("time limit (project and plain model)", lambda r: fmt(r["time_limit"], "s")),
    ("project status", lambda r: r["median"]["status"]),
    ("stage 1 largest load (pts): value / bound (gap)", lambda r: stage_cell(r["median"], "largest_load")),
    ("stage 2 smallest load (pts): value / bound (gap)", lambda r: stage_cell(r["median"], "smallest_load")),
    ("stage 3 hours spread (h): value / bound (gap)", lambda r: stage_cell(r["median"], "hours_spread")),
    ("stage 4 preferences (penalty): value / bound (gap)", lambda r: stage_cell(r["median"], "preferences")),
    ("stage seconds 1 / 2 / 3 / 4", lambda r: " / ".join(fmt(r["median"][f"{n}_seconds"], "num") for n in STAGES)),
    ("points spread max/min: project / greedy / floor",
     lambda r: triple(r["median"], ("points_spread", "greedy_points_spread", "floor"))),
    ("points spread ÷ floor: project / greedy", lambda r: triple(r["median"], ("spread_over_floor",
                                                                             "greedy_spread_over_floor"))),
    (f"points spread within {FLOOR_TOLERANCE - 1:.0%} of the floor", floor_verdict),
    ("points within credential groups: project / greedy / floor",
     lambda r: triple(r["median"], ("points_spread_within_groups", "greedy_points_spread_within_groups",
                                    "floor_within_groups"))),
    ("hours spread max/min: project / greedy / plain",
     lambda r: triple(r["median"], ("hours_spread", "greedy_hours_spread", "plain_hours_spread"))),
    ("hours spread: project ÷ plain", lambda r: fmt(r["median"]["hours_over_plain"], "x")),
    (f"hours spread ≤ {HOURS_TOLERANCE:g} × plain model's", hours_verdict),
    ("hours within credential groups: project / greedy / plain",
     lambda r: triple(r["median"], ("hours_spread_within_groups", "greedy_hours_spread_within_groups",
                                    "plain_hours_spread_within_groups"))),
    ("hours spread (h, avg rad): project stage 3 / plain obj",
     lambda r: triple(r["median"], ("hours_spread_objective", "plain_objective_hours"), "num")),
    ("plain model: status; gap to its bound",
     lambda r: f"{r['median']['plain_status']}; {fmt(r['median']['plain_gap'], 'pct')}"),
    ("plain model: points spread max/min", lambda r: fmt(r["median"]["plain_points_spread"], "x")),
    ("rule-check violations: project / greedy / plain",
     lambda r: triple(r["median"], ("violations", "greedy_violations", "plain_violations"), "int")),
    ("wall: project solve call / process", lambda r: triple(r["median"], ("solve_call_seconds", "process_seconds"),
                                                            "s")),
    ("wall: plain model total / search / process",
     lambda r: triple(r["median"], ("plain_total_seconds", "plain_search_seconds", "plain_process_seconds"), "s")),
    ("peak memory: project / plain", lambda r: triple(r["median"], ("peak_rss_mb", "plain_peak_rss_mb"), "mb")),
    ("machine load before / after", lambda r: triple(r["median"], ("load_before", "load_after"), "num")),
)  # fmt: skip


def render_table(results: list[dict[str, Any]]) -> str:
    header = ["figure (median)", *[r["size"] for r in results]]
    rows = [[label, *[cell(r) for r in results]] for label, cell in ROWS]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    return "\n".join(lines)


def targets(results: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, on the medians; a run with a shorter limit than the target's says so."""
    lines = []
    for r in results:
        m = r["median"]
        limit = r["time_limit"]
        target_limit = 60 if r["held_out"] else 30
        note = "" if limit >= target_limit else f" (run with {limit:g} s, target is for {target_limit} s)"
        floor_ok = m["spread_over_floor"] is not None and m["spread_over_floor"] <= FLOOR_TOLERANCE
        checks = [f"points spread ÷ floor {fmt(m['spread_over_floor'], 'x')} ≤ {FLOOR_TOLERANCE:.2f}: "
                  f"{'MET' if floor_ok else 'NOT MET'}"]  # fmt: skip
        if r["held_out"]:
            hours_ok = m["hours_over_plain"] is not None and m["hours_over_plain"] <= HOURS_TOLERANCE
            checks.append(
                f"hours spread ÷ plain {fmt(m['hours_over_plain'], 'x')} ≤ {HOURS_TOLERANCE:.2f}: "
                f"{'MET' if hours_ok else 'NOT MET'}"
            )
        else:
            gap = m["largest_load_gap"]
            gap_ok = gap is not None and gap <= STAGE1_GAP
            checks.append(f"stage-1 gap {fmt(gap, 'pct')} ≤ {STAGE1_GAP:.0%}: {'MET' if gap_ok else 'NOT MET'}")
        violations = [m.get(k) for k in ("violations", "plain_violations")]
        checks.append("0 violations: " + ("MET" if all(v == 0 for v in violations) else "NOT MET"))
        lines.append(f"target {r['size']}{note}: " + "; ".join(checks))
    return lines


def machine() -> dict[str, Any]:
    cpu, memory_gb = "unknown", None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    import ortools

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "pds_plan_commit": commit or None,
        "environment": {name: os.environ[name] for name in WATCHED_ENVIRONMENT if name in os.environ},
    }


def render_machine(info: dict[str, Any], settings: dict[str, Any]) -> str:
    text = (
        f"machine: {info['cpu']}, {info['logical_cores']} logical cores ({info['usable_cores']} usable), "
        f"{info['ram_gb']} GB RAM, {info['os']}\n"
        f"software: Python {info['python']}, OR-Tools {info['ortools']}, pds-plan at {info['pds_plan_commit']} "
        "(plus any uncommitted changes)\n"
        f"settings: bundled --time-limit {settings['time_limit']:g} s, held-out --held-time-limit "
        f"{settings['held_time_limit']:g} s, --workers {settings['workers']}, --repeats {settings['repeats']} "
        f"(solver seeds 0..{settings['repeats'] - 1}), held-out regions with seed {settings['region_seed']}"
    )
    if info.get("environment"):
        text += "\nenvironment read by the optimiser: " + ", ".join(f"{k}={v}" for k, v in info["environment"].items())
    return text


def report(info: dict[str, Any], settings: dict[str, Any], results: list[dict[str, Any]]) -> None:
    print(render_machine(info, settings))
    print()
    for r in results:
        print(f"{r['size']}: {r['description']}")
    print()
    print(render_table(results))
    print()
    print(
        "points spread: points per FTE-available day, most over least loaded radiologist; floor: no rota does "
        "better (LP).\nhours spread: on-call hours per FTE-available day, max/min; plain: CP-SAT minimising "
        "max − min normalised hours only.\nstage values in normalised units (for a radiologist of average share); "
        "gap = |value − bound| / value."
    )
    print()
    for line in targets(results):
        print(line)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated, of: {', '.join(SIZES)}")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions per scenario (median reported)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver limit, bundled quarters, seconds")
    parser.add_argument("--held-time-limit", type=float, default=60.0, help="solver limit, held-out regions")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT worker threads")
    parser.add_argument("--region-seed", type=int, default=7, help="seed of the held-out synthetic regions")
    parser.add_argument("--json", type=Path, help="save every raw figure to this file")
    parser.add_argument("--work-dir", type=Path, help="where synthetic regions and logs go (default: a temp dir)")
    parser.add_argument("--run-timeout", type=float, help="kill a run after this many seconds (3 × limit + 300)")
    parser.add_argument("--from-json", type=Path, help="print the report of a saved --json file again, no run")
    parser.add_argument("--child-project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-plain", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--events", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [s for s in args.sizes.split(",") if s.strip() not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}; known: {', '.join(SIZES)}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_arguments(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        report(saved["machine"], saved["settings"], saved["results"])
        return
    if args.child_project or args.child_plain:
        child = child_project if args.child_project else child_plain
        child(args.child_project or args.child_plain, args.time_limit, args.workers, args.seed, EventLog(args.events))
        return
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="pds-bench-fairness-"))
    work.mkdir(parents=True, exist_ok=True)
    info = machine()
    settings = {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()}
    print(render_machine(info, settings), file=sys.stderr, flush=True)
    print(f"work folder: {work}", file=sys.stderr, flush=True)
    results = []
    for name in [s.strip() for s in args.sizes.split(",")]:
        print(f"{name} ({SIZES[name].describe()})", file=sys.stderr, flush=True)
        results.append(measure(SIZES[name], args, work))
    report(info, settings, results)
    if args.json:
        args.json.write_text(
            json.dumps({"machine": info, "settings": settings, "results": results}, indent=1, default=str),
            encoding="utf-8",
        )
        print(f"\nraw figures: {args.json}")


if __name__ == "__main__":
    main()
