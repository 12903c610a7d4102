"""Benchmark the rota solver on bundled and synthetic regions: speed, gap, memory, fairness, rule checks.

Usage (from the repository root)::

    python bench/bench_solve.py [--sizes lorraine,picardie,pays-de-la-loire,medium] [--repeats 3]
        [--time-limit 30] [--workers 2] [--json FILE] [--stages]

Each repetition runs in a fresh Python subprocess that calls the library exactly as a notebook would
(`load_scenario`, then `pds_plan.runs.solve` with an `on_progress` callback) and streams what it sees to a
JSON-lines file; the parent takes the child's peak resident memory from `os.wait4` (per child, not cumulative),
kills a child that exceeds `--run-timeout` or `--max-rss-gb`, and prints the median of each figure over the
repetitions. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GAP_THRESHOLDS = (0.01, 0.02)


@dataclass(frozen=True)
class Size:
    name: str
    scenario: str | None = None  # bundled scenario, relative to the repository root
    synthetic: tuple[int, int, int] | None = None  # sites, radiologists, days

    def describe(self) -> str:
        if self.synthetic:
            sites, radiologists, days = self.synthetic
            return f"synthetic: {sites} sites, {radiologists} radiologists, {days} days"
        return f"bundled: {self.scenario}"


SIZES = {
    size.name: size
    for size in (
        Size("lorraine", scenario="scenarios/lorraine-2027q1.toml"),
        Size("picardie", scenario="scenarios/picardie-2027q1.toml"),
        Size("pays-de-la-loire", scenario="scenarios/pays-de-la-loire-2027q1.toml"),
        Size("medium", synthetic=(25, 100, 90)),
        Size("large", synthetic=(60, 250, 365)),
    )
}
DEFAULT_SIZES = "lorraine,picardie,pays-de-la-loire,medium"


# --------------------------------------------------------------------------------------------------------------
# Child side: one repetition in a fresh interpreter, writing JSON lines as it goes (so a killed run still tells
# how far it got).
# --------------------------------------------------------------------------------------------------------------


class EventLog:
    def __init__(self, path: Path) -> None:
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the whole child run
        self.started = time.monotonic()

    def write(self, event: str, **fields: Any) -> None:
        record = {"event": event, "t": round(time.monotonic() - self.started, 4), **fields}
        self.file.write(json.dumps(record, default=str) + "\n")
        self.file.flush()


def current_rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def instrument_library(log: EventLog) -> None:
    """Log every model build and every CP-SAT solve the library makes during a run (timing wrappers, child only).

    `solve` may build and solve several models (e.g. month by month, then the whole horizon): the build time in
    RunResult covers only the last one, so each call is timed here instead. Nothing in pds_plan is changed on disk.
    """
    import pds_plan.optimise.solve as solve_module
    from pds_plan.optimise import rota_model

    original_build, original_solve = solve_module.build_rota_model, rota_model.solve_model

    def build(scenario: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        rota = original_build(scenario, *args, **kwargs)
        proto = rota.model.proto
        log.write(
            "build",
            seconds=round(time.monotonic() - started, 4),
            days=scenario.days,
            variables=len(proto.variables),
            constraints=len(proto.constraints),
            rss_mb=current_rss_mb(),
        )
        return rota

    def solve(rota: Any, options: Any, *args: Any, **kwargs: Any) -> Any:
        outcome = original_solve(rota, options, *args, **kwargs)
        log.write(
            "solve_model",
            days=rota.scenario.days,
            time_limit=options.time_limit,
            status=outcome.status,
            wall=round(outcome.wall_time, 4),
            first_solution=outcome.first_solution_time,
            gap=outcome.gap,
            rss_mb=current_rss_mb(),
        )
        return outcome

    for name, module in list(sys.modules.items()):
        if not name.startswith("pds_plan"):
            continue
        if getattr(module, "build_rota_model", None) is original_build:
            module.build_rota_model = build  # type: ignore[attr-defined]
        if getattr(module, "solve_model", None) is original_solve:
            module.solve_model = solve  # type: ignore[attr-defined]


def child_solve(scenario_path: Path, time_limit: float, workers: int, seed: int, log: EventLog) -> None:
    """Load the scenario and solve it through the library; every progress event is logged with two clocks."""
    from pds_plan.errors import InfeasibleError
    from pds_plan.io.scenario import load_scenario
    from pds_plan.optimise.rota_model import Progress, SolveOptions
    from pds_plan.runs import solve

    instrument_library(log)
    log.write("imported", rss_mb=current_rss_mb())
    scenario = load_scenario(scenario_path)
    log.write("loaded", rss_mb=current_rss_mb(), scenario=scenario.name, days=scenario.days)
    called = time.monotonic()

    def on_progress(progress: Progress) -> None:
        log.write(
            "progress",
            since_call=round(time.monotonic() - called, 4),
            solver_elapsed=round(progress.elapsed, 4),
            solutions=progress.solutions,
            objective=progress.objective,
            bound=progress.bound,
            gap=progress.gap,
            source=progress.source,
        )

    try:
        options = SolveOptions(time_limit=time_limit, workers=workers, seed=seed)
        result = solve(scenario, options, on_progress=on_progress)
    except InfeasibleError as error:
        log.write(
            "infeasible",
            since_call=round(time.monotonic() - called, 4),
            explanation=error.explanation,
            timed_out=any(line.startswith("no rota found within") for line in error.explanation),
        )
        return
    solve_seconds = time.monotonic() - called
    summary = result.summary()
    summary.pop("objective_breakdown", None)
    outcome = result.outcome
    log.write(
        "result",
        solve_call_seconds=round(solve_seconds, 4),
        solver_wall_seconds=outcome.wall_time if outcome else None,
        summary=summary,
        rss_mb=current_rss_mb(),
    )


def child_stages(scenario_path: Path, log: EventLog) -> None:
    """Time each stage of the pipeline separately (no search): where a run that never finds a rota spends its time."""
    from pds_plan.check import check_rota
    from pds_plan.domain.calendar import build_calendar
    from pds_plan.io.scenario import load_scenario
    from pds_plan.optimise.explain import precheck
    from pds_plan.optimise.greedy import greedy_rota
    from pds_plan.optimise.solve import build_rota_model
    from pds_plan.optimise.windows import plan_windows

    def stage(name: str, work: Callable[[], Any], **extra: Callable[[Any], Any]) -> Any:
        started = time.monotonic()
        value = work()
        fields = {key: describe(value) for key, describe in extra.items()}
        log.write("stage", stage=name, seconds=round(time.monotonic() - started, 3), rss_mb=current_rss_mb(), **fields)
        return value

    scenario = stage("load_scenario", lambda: load_scenario(scenario_path))
    periods = stage("build_calendar", lambda: build_calendar(scenario), slots=len)
    stage(
        "plan_windows",
        lambda: plan_windows(periods, scenario.rules, scenario.points),
        windows=lambda p: len(p.windows),
        too_close_pairs=lambda p: len(p.too_close),
        too_long_chains=lambda p: len(p.too_long),
        overlap_groups=lambda p: len(p.overlapping),
    )
    stage("precheck", lambda: precheck(scenario, periods), reasons=lambda v: len(v[0]))
    greedy = stage("greedy_rota", lambda: greedy_rota(scenario), uncovered=lambda g: len(g.uncovered))
    stage("check_greedy", lambda: check_rota(scenario, greedy.assignments), violations=len)
    stage(
        "build_rota_model",
        lambda: build_rota_model(scenario),
        variables=lambda r: len(r.model.proto.variables),
        constraints=lambda r: len(r.model.proto.constraints),
        x_variables=lambda r: len(r.x),
        on_variables=lambda r: len(r.on),
        penalties=lambda r: len(r.penalties),
    )


# --------------------------------------------------------------------------------------------------------------
# Parent side: subprocesses, their memory and time, and the figures.
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRun:
    events: list[dict[str, Any]]
    process_seconds: float
    peak_rss_mb: float  # from os.wait4: the child's own high-water mark
    returncode: int
    killed: str | None  # why the parent stopped it, if it did
    stderr_tail: str
    load_before: float  # 1-minute load average of the machine when the run started: other work disturbs timings
    load_after: float


def run_child(arguments: list[str], events: Path, timeout: float, max_rss_mb: float) -> ChildRun:
    import psutil

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
    watched = psutil.Process(process.pid)
    killed = None
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        try:
            rss = watched.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            rss = 0.0
        elapsed = time.monotonic() - started
        if killed is None and (elapsed > timeout or rss > max_rss_mb):
            killed = f"timeout after {elapsed:.0f} s" if elapsed > timeout else f"memory above {max_rss_mb:.0f} MB"
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


def time_to_gap(progress: list[dict[str, Any]], result: dict[str, Any] | None, threshold: float) -> float | None:
    """Seconds from the solve() call to the first rota within `threshold` of the bound.

    Progress events come with solutions only; if the bound alone closed the gap afterwards (e.g. OPTIMAL proven
    later), the end of the solve call is when it was known.
    """
    for event in progress:
        if event["gap"] <= threshold:
            return event["since_call"]
    if result is not None:
        gap = result["summary"]["gap"]
        if gap is not None and gap <= threshold:
            return result["solve_call_seconds"]
    return None


def figures_of(run: ChildRun) -> dict[str, Any]:
    """The figures of one repetition, from what the child logged and what the parent measured."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for event in run.events:
        by_kind.setdefault(event["event"], []).append(event)
    progress = by_kind.get("progress", [])
    result = by_kind.get("result", [None])[0]
    loaded = by_kind.get("loaded", [None])[0]
    imported = by_kind.get("imported", [None])[0]
    summary = result["summary"] if result else {}
    builds = by_kind.get("build", [])
    if result:
        status = summary["status"]
    elif "infeasible" in by_kind:
        status = "NO ROTA IN TIME" if by_kind["infeasible"][0]["timed_out"] else "INFEASIBLE"
    elif run.killed:
        status = f"KILLED ({run.killed})"
    else:
        status = f"CRASHED (exit {run.returncode})"
    figures: dict[str, Any] = {
        "status": status,
        "scenario": loaded["scenario"] if loaded else None,
        "load_seconds": round(loaded["t"] - imported["t"], 3) if loaded and imported else None,
        "build_seconds": round(sum(b["seconds"] for b in builds), 3) if builds else None,
        "builds": len(builds),
        "largest_build_seconds": max((b["seconds"] for b in builds), default=None),
        "first_feasible_seconds": progress[0]["since_call"] if progress else None,
        "first_feasible_search_seconds": progress[0]["solver_elapsed"] if progress else None,
        "solutions": len(progress),
        "final_gap": summary.get("gap"),
        "objective": summary.get("objective"),
        # The greedy rota reported first on a horizon solved month by month has no objective (Progress.source).
        "first_objective": next((e["objective"] for e in progress if e.get("source", "search") == "search"), None),
        "best_bound": summary.get("best_bound"),
        "solve_call_seconds": result["solve_call_seconds"] if result else None,
        "process_seconds": round(run.process_seconds, 3),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "load_before": round(run.load_before, 2),
        "load_after": round(run.load_after, 2),
        "variables": max((b["variables"] for b in builds), default=None),
        "constraints": max((b["constraints"] for b in builds), default=None),
        "assignments": summary.get("assignments"),
        "fairness_ratio": summary.get("fairness", {}).get("spread_ratio_max_min"),
        "greedy_fairness_ratio": summary.get("greedy_baseline", {}).get("fairness", {}).get("spread_ratio_max_min"),
        "fairness_floor": (summary.get("fairness_floor") or {}).get("spread_ratio_at_least"),
        "fairness_within_groups": summary.get("fairness", {}).get("spread_ratio_within_credential_groups"),
        "greedy_fairness_within_groups": summary.get("greedy_baseline", {})
        .get("fairness", {})
        .get("spread_ratio_within_credential_groups"),
        "fairness_floor_within_groups": (summary.get("fairness_floor") or {}).get(
            "spread_ratio_within_credential_groups_at_least"
        ),
        "without_duty": summary.get("fairness", {}).get("radiologists_without_duty"),
        "greedy_without_duty": summary.get("greedy_baseline", {}).get("fairness", {}).get("radiologists_without_duty"),
        "hours_ratio": summary.get("fairness", {}).get("hours_spread_ratio_max_min"),
        "greedy_hours_ratio": summary.get("greedy_baseline", {}).get("fairness", {}).get("hours_spread_ratio_max_min"),
        **months_improved(summary.get("stages") or []),
        "violations": summary.get("rule_check", {}).get("violations"),
        "greedy_violations": summary.get("greedy_baseline", {}).get("rule_check_violations"),
        "greedy_uncovered": summary.get("greedy_baseline", {}).get("uncovered_periods"),
        "last_event": run.events[-1]["event"] if run.events else None,
        "last_event_seconds": run.events[-1]["t"] if run.events else None,
        "progress": [
            {key: e[key] for key in ("since_call", "solver_elapsed", "objective", "bound", "gap")} for e in progress
        ],
        "model_solves": [
            {key: e[key] for key in ("days", "time_limit", "status", "wall", "first_solution", "gap")}
            for e in by_kind.get("solve_model", [])
        ],
    }
    for threshold in GAP_THRESHOLDS:
        figures[f"gap_{threshold:.0%}_seconds"] = time_to_gap(progress, result, threshold)
    if "infeasible" in by_kind:
        figures["explanation"] = by_kind["infeasible"][0]["explanation"]
    if run.killed or not result:
        figures["stderr_tail"] = run.stderr_tail
    return figures


def months_improved(stages: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Of the months of a horizon solved month by month, how many had a stage whose search beat the rota it started
    from (a lower largest load, hours spread or penalty, a higher smallest load)."""
    improved: dict[str, bool] = {}
    for stage in stages:
        if stage.get("part") is None:
            continue
        before, after = stage.get("start"), stage.get("objective")
        better = before is not None and after is not None
        better = better and (after > before if stage["name"] == "smallest_load" else after < before)
        improved[stage["part"]] = improved.get(stage["part"], False) or bool(better)
    return {"months": len(improved), "months_improved": sum(improved.values())} if improved else {}


def median(values: Sequence[Any]) -> Any:
    """Median of the numbers; None (not reached) counts as +infinity, so it wins only when most runs missed.

    With an even count the upper of the two middle values is taken (a measured value, and the cautious one).
    """
    numbers = [float("inf") if v is None else v for v in values]
    if not numbers or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
        return None
    middle = statistics.median_high(numbers)
    return None if middle == float("inf") else middle


def mode(values: Sequence[Any]) -> str:
    counts = Counter(str(v) for v in values)
    return ", ".join(f"{value} ×{n}" if len(values) > 1 else value for value, n in counts.most_common())


def measure(size: Size, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    scenario = ROOT / size.scenario if size.scenario else None
    if size.synthetic:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from synthetic_region import generate_region

        sites, radiologists, days = size.synthetic
        scenario = generate_region(sites, radiologists, days, seed=args.region_seed, out=work / size.name)
    assert scenario is not None
    runs = []
    for repeat in range(args.repeats):
        events = work / f"{size.name}-{repeat}.jsonl"
        child = run_child(
            [
                "--child-solve",
                str(scenario),
                "--time-limit",
                str(args.time_limit),
                "--workers",
                str(args.workers),
                "--seed",
                str(repeat),
            ],
            events,
            args.run_timeout or 3 * args.time_limit + 300,
            args.max_rss_gb * 1024,
        )
        figures = figures_of(child)
        figures["seed"] = repeat
        runs.append(figures)
        print(
            f"  {size.name} #{repeat + 1}: {figures['status']}, gap {fmt(figures['final_gap'], 'pct')}, "
            f"first {fmt(figures['first_feasible_seconds'], 's')}, {fmt(figures['process_seconds'], 's')} process, "
            f"peak {fmt(figures['peak_rss_mb'], 'mb')}",
            file=sys.stderr,
            flush=True,
        )
    stages = None
    if args.stages:
        events = work / f"{size.name}-stages.jsonl"
        child = run_child(["--child-stages", str(scenario)], events, args.run_timeout or 1800, args.max_rss_gb * 1024)
        stages = {
            "stages": [e for e in child.events if e["event"] == "stage"],
            "peak_rss_mb": round(child.peak_rss_mb, 1),
            "killed": child.killed,
        }
    numeric = [key for key, value in runs[0].items() if isinstance(value, int | float) or value is None]
    summary = {key: median([r.get(key) for r in runs]) for key in numeric}
    summary["status"] = mode([r["status"] for r in runs])
    for threshold in GAP_THRESHOLDS:
        key = f"gap_{threshold:.0%}_seconds"
        summary[f"{key}_reached"] = sum(r[key] is not None for r in runs)
    return {
        "size": size.name,
        "description": size.describe(),
        "scenario_file": str(scenario),
        "runs": runs,
        "median": summary,
        "stages": stages,
    }


# --------------------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------------------


def fmt(value: Any, kind: str = "") -> str:
    if value is None:
        return "—"
    if kind == "s":
        return f"{value:.1f} s"
    if kind == "pct":
        return f"{100 * value:.2f} %"
    if kind == "mb":
        return f"{value:,.0f} MB"
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "x":
        return "∞" if value == float("inf") else f"{value:.2f}"
    return str(value)


def gap_cell(result: dict[str, Any], threshold: float) -> str:
    key = f"gap_{threshold:.0%}_seconds"
    value = result["median"][key]
    reached, runs = result["median"][f"{key}_reached"], len(result["runs"])
    text = fmt(value, "s") if value is not None else "not reached"
    return f"{text} ({reached}/{runs})" if 0 < reached < runs or (runs > 1 and reached == 0) else text


def months_cell(result: dict[str, Any]) -> str:
    runs = [run for run in result["runs"] if run.get("months")]
    if not runs:
        return "—"
    return f"{min(run['months_improved'] for run in runs)} of {runs[0]['months']}"


def solves_cell(result: dict[str, Any]) -> str:
    """The CP-SAT solves the library made in the first run: e.g. month by month, then the whole horizon."""
    solves = result["runs"][0].get("model_solves", [])
    counts = Counter(f"{s['days']} d: {s['status']}" for s in solves)
    return ", ".join(f"{n} × {text}" if n > 1 else text for text, n in counts.items()) or "—"


ROWS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("model variables / constraints", lambda r: f"{fmt(r['median']['variables'], 'int')} / "
     f"{fmt(r['median']['constraints'], 'int')}"),
    ("load scenario", lambda r: fmt(r["median"]["load_seconds"], "s")),
    ("model build (all builds)", lambda r: f"{fmt(r['median']['build_seconds'], 's')}"
     + (f" ({r['median']['builds']:.0f} models)" if (r["median"]["builds"] or 0) > 1 else "")),
    ("first feasible rota (from solve call)", lambda r: fmt(r["median"]["first_feasible_seconds"], "s")),
    ("first feasible rota (search clock)", lambda r: fmt(r["median"]["first_feasible_search_seconds"], "s")),
    ("reached 1 % gap", lambda r: gap_cell(r, 0.01)),
    ("reached 2 % gap", lambda r: gap_cell(r, 0.02)),
    ("objective: first solution → final", lambda r: f"{fmt(r['median']['first_objective'], 'int')} → "
     f"{fmt(r['median']['objective'], 'int')}"),
    ("final gap", lambda r: fmt(r["median"]["final_gap"], "pct")),
    ("final status", lambda r: r["median"]["status"]),
    ("solutions found", lambda r: fmt(r["median"]["solutions"], "int")),
    ("wall: solve call", lambda r: fmt(r["median"]["solve_call_seconds"], "s")),
    ("wall: whole process", lambda r: fmt(r["median"]["process_seconds"], "s")),
    ("peak memory (RSS)", lambda r: fmt(r["median"]["peak_rss_mb"], "mb")),
    ("fairness max/min: optimised", lambda r: fmt(r["median"]["fairness_ratio"], "x")),
    ("fairness max/min: greedy", lambda r: fmt(r["median"]["greedy_fairness_ratio"], "x")),
    ("fairness max/min: floor (no rota below)", lambda r: fmt(r["median"].get("fairness_floor"), "x")),
    ("fairness within credential groups: optimised / greedy / floor", lambda r: " / ".join(
        fmt(r["median"].get(key), "x")
        for key in ("fairness_within_groups", "greedy_fairness_within_groups", "fairness_floor_within_groups"))),
    ("on-call hours max/min: optimised / greedy", lambda r: f"{fmt(r['median'].get('hours_ratio'), 'x')} / "
     f"{fmt(r['median'].get('greedy_hours_ratio'), 'x')}"),
    ("months whose search beat their start (least of the runs)", lambda r: months_cell(r)),
    ("rule-check violations: optimised", lambda r: fmt(r["median"]["violations"], "int")),
    ("rule-check violations: greedy", lambda r: fmt(r["median"]["greedy_violations"], "int")),
    ("CP-SAT solves in run 1 (horizon: status)", solves_cell),
    ("machine load before / after run", lambda r: f"{r['median']['load_before']:.1f} / "
     f"{r['median']['load_after']:.1f}"),
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


def render_stages(results: list[dict[str, Any]]) -> str:
    lines = []
    for result in results:
        if not result["stages"]:
            continue
        lines.append(f"{result['size']} pipeline stages (peak {fmt(result['stages']['peak_rss_mb'], 'mb')}):")
        for stage in result["stages"]["stages"]:
            extra = ", ".join(
                f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                for k, v in stage.items()
                if k not in {"event", "t", "stage", "seconds", "rss_mb"}
            )
            lines.append(
                f"  {stage['stage']:<18} {stage['seconds']:>8.2f} s  RSS {stage['rss_mb']:>7,.0f} MB  {extra}".rstrip()
            )
        if result["stages"]["killed"]:
            lines.append(f"  stopped: {result['stages']['killed']}")
    return "\n".join(lines)


def targets(results: list[dict[str, Any]], time_limit: float) -> list[str]:
    """The targets of the issue, checked against the medians (a target needing more time than allowed is 'n/a')."""
    lines = []
    for result in results:
        m = result["median"]
        if result["size"] == "lorraine":
            hit = m["gap_1%_seconds"] is not None and m["gap_1%_seconds"] <= 30
            lines.append(f"lorraine: optimal or ≤ 1 % gap in < 30 s on 2 cores: {'MET' if hit else 'NOT MET'}")
        if result["size"] == "large":
            first = m["first_feasible_seconds"]
            lines.append(
                f"large: a feasible rota within 60 s: {'MET' if first is not None and first <= 60 else 'NOT MET'}"
            )
            gap2 = m["gap_2%_seconds"]
            if gap2 is not None:
                verdict = "MET" if gap2 <= 600 else "NOT MET"
            else:
                verdict = "NOT MET" if time_limit >= 600 else f"not reached within the {time_limit:g} s limit"
            lines.append(f"large: < 2 % gap within 10 minutes: {verdict}")
            peak = m["peak_rss_mb"]
            lines.append(f"large: peak memory < 4 GB: {'MET' if peak is not None and peak < 4096 else 'NOT MET'}")
    return lines


def machine() -> dict[str, Any]:
    cpu = "unknown"
    memory_gb = None
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
    }


def render_machine(info: dict[str, Any], args: argparse.Namespace) -> str:
    return (
        f"machine: {info['cpu']}, {info['logical_cores']} logical cores ({info['usable_cores']} usable), "
        f"{info['ram_gb']} GB RAM, {info['os']}\n"
        f"software: Python {info['python']}, OR-Tools {info['ortools']}, pds-plan at {info['pds_plan_commit']} "
        "(plus any uncommitted changes)\n"
        f"settings: --time-limit {args.time_limit:g} s, --workers {args.workers}, --repeats {args.repeats} "
        f"(solver seeds 0..{args.repeats - 1}), synthetic regions with seed {args.region_seed}"
    )


def report(info: dict[str, Any], args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    print(render_machine(info, args))
    print()
    print(render_table(results))
    stages = render_stages(results)
    if stages:
        print()
        print(stages)
    print()
    for line in targets(results, args.time_limit):
        print(f"target {line}")


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated, of: {', '.join(SIZES)}")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions per size (median reported)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver time limit per run, seconds")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT worker threads")
    parser.add_argument("--region-seed", type=int, default=1, help="seed of the synthetic regions")
    parser.add_argument("--json", type=Path, help="save every raw figure (and progress events) to this file")
    parser.add_argument("--work-dir", type=Path, help="where synthetic regions and logs go (default: a temp dir)")
    parser.add_argument("--stages", action="store_true", help="also time the pipeline stages, without search")
    parser.add_argument("--run-timeout", type=float, help="kill a run after this many seconds (3 × limit + 300)")
    parser.add_argument("--max-rss-gb", type=float, default=16.0, help="kill a run above this resident memory")
    parser.add_argument("--from-json", type=Path, help="print the report of a saved --json file again, no run")
    parser.add_argument("--child-solve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-stages", type=Path, help=argparse.SUPPRESS)
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
        report(saved["machine"], argparse.Namespace(**saved["settings"]), saved["results"])
        return
    if args.child_solve:
        child_solve(args.child_solve, args.time_limit, args.workers, args.seed, EventLog(args.events))
        return
    if args.child_stages:
        child_stages(args.child_stages, EventLog(args.events))
        return
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="pds-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(render_machine(info, args), file=sys.stderr, flush=True)
    results = []
    for name in [s.strip() for s in args.sizes.split(",")]:
        print(f"{name} ({SIZES[name].describe()})", file=sys.stderr, flush=True)
        results.append(measure(SIZES[name], args, work))
    report(info, args, results)
    if args.json:
        args.json.write_text(
            json.dumps({"machine": info, "settings": vars(args), "results": results}, indent=1, default=str),
            encoding="utf-8",
        )
        print(f"\nraw figures: {args.json}")


if __name__ == "__main__":
    main()
