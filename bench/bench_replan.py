"""Benchmark of `replan`: the busiest radiologist of a published rota absent for a week.

Usage (from the repository root)::

    python bench/bench_replan.py [--scenarios lorraine-2027q1,picardie-2027q1,pays-de-la-loire-2027q1]
        [--scenario-file regions/heldout/scenario.toml] [--repeats 3] [--time-limit 20] [--publish-time-limit 30]

For each scenario it plans the published run once (`pds_plan.runs.pipeline.plan`, pools designed as `pds-plan run`
does), takes the radiologist with the most duties, and the Monday-to-Sunday week holding most of their duties, and
replans with them absent that week, `--repeats` times. It prints, per scenario: the replan's wall time (median),
the changed assignments against the forced minimum (the absent radiologist's own assignments that week: no rota
can keep them), whether the count was proven minimal, the radiologists affected, rule violations of the new rota
(independent checker), and that nothing before the week changed. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pds_plan import load_scenario  # noqa: E402
from pds_plan.bundled import resolve_scenario  # noqa: E402
from pds_plan.domain.run import Run, RunSettings  # noqa: E402
from pds_plan.optimise.rota_model import SolveOptions  # noqa: E402
from pds_plan.runs.pipeline import plan  # noqa: E402
from pds_plan.runs.replan import Absence, forced_changes, replan  # noqa: E402


def busiest_week(run: Run) -> Absence:
    """The radiologist with the most duties (site periods), and the Monday-to-Sunday week holding most of them."""
    who = Counter(a.radiologist_id for a in run.assignments).most_common(1)[0][0]
    mondays = Counter(a.date - dt.timedelta(days=a.date.weekday()) for a in run.assignments if a.radiologist_id == who)
    monday = max(sorted(mondays), key=lambda day: mondays[day])
    start, end = max(monday, run.scenario.start), min(monday + dt.timedelta(days=6), run.scenario.end)
    return Absence(who, start, end)


def measure(name: str, run: Run, repeats: int, time_limit: float) -> dict[str, object]:
    absence = busiest_week(run)
    forced = forced_changes(run, [absence])
    seconds, records = [], []
    for seed in range(repeats):
        started = time.monotonic()
        new = replan(run, [absence], options=SolveOptions(time_limit=time_limit, seed=seed))
        seconds.append(time.monotonic() - started)
        before = {a.key: a.radiologist_id for a in run.assignments if a.date < absence.start}
        kept = {a.key: a.radiologist_id for a in new.assignments if a.date < absence.start}
        record = dict(new.solve["replan"])
        record["violations"] = len(new.violations)
        record["frozen_kept"] = before == kept
        record["absent_off"] = not any(
            a.radiologist_id == absence.radiologist_id and absence.start <= a.date <= absence.end
            for a in new.assignments
        )
        record["changes_listed"] = len(new.tables["changes"])
        records.append(record)
    changes = statistics.median(int(r["changes"]) for r in records)  # type: ignore[call-overload]
    return {
        "scenario": name,
        "absent": f"{absence.radiologist_id} {absence.start}–{absence.end}",
        "forced": forced,
        "changes": changes,
        "ratio": changes / forced if forced else float("nan"),
        "proven": sum(bool(r["changes_proven_minimal"]) for r in records),
        "affected": statistics.median(int(r["radiologists_affected"]) for r in records),  # type: ignore[call-overload]
        "seconds": statistics.median(seconds),
        "violations": max(int(r["violations"]) for r in records),  # type: ignore[call-overload]
        "frozen": all(r["frozen_kept"] and r["absent_off"] for r in records),
        "listed": all(r["changes_listed"] == r["changes"] for r in records),
        "repeats": repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="lorraine-2027q1,picardie-2027q1,pays-de-la-loire-2027q1")
    parser.add_argument("--scenario-file", type=Path, action="append", default=[], help="another scenario (repeat)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=20.0, help="the replan's time limit, seconds")
    parser.add_argument("--publish-time-limit", type=float, default=30.0, help="the published run's solve limit")
    args = parser.parse_args()
    paths = [resolve_scenario(Path(name)) for name in args.scenarios.split(",") if name] + list(args.scenario_file)
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"replan --time-limit {args.time_limit:g} s, {args.repeats} repeats (seeds 0..{args.repeats - 1})\n")
    rows = []
    for path in paths:
        scenario = load_scenario(path)
        run = plan(scenario, RunSettings(time_limit=args.publish_time_limit))
        rows.append(measure(scenario.name, run, args.repeats, args.time_limit))
        row = rows[-1]
        print(f"{row['scenario']}: {row['absent']}, {row['changes']} changes for {row['forced']} forced, "
              f"{row['seconds']:.1f} s", flush=True)  # fmt: skip
    print()
    print("| scenario | absent (busiest, one week) | forced | changes (median) | changes / forced | proven minimal | "
          "radiologists affected | replan s (median) | violations | before the week unchanged, absent off | "
          "changes.csv rows = changes |")  # fmt: skip
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for row in rows:
        print(f"| {row['scenario']} | {row['absent']} | {row['forced']} | {row['changes']:g} | {row['ratio']:.2f} | "
              f"{row['proven']}/{row['repeats']} | {row['affected']:g} | {row['seconds']:.1f} | {row['violations']} | "
              f"{'yes' if row['frozen'] else 'NO'} | {'yes' if row['listed'] else 'NO'} |")  # fmt: skip


if __name__ == "__main__":
    main()
