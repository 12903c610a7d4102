"""A run folder: rota.csv, rota_by_radiologist.csv, summary.json and manifest.json, written atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
from collections import defaultdict
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.demand import mean_exams_per_period
from pds_plan.domain.rota import blocks_of
from pds_plan.io.writers import atomic_folder
from pds_plan.runs import RunResult

ROTA_COLUMNS = [
    "date", "period", "site_id", "radiologist_id", "start", "end", "pool_id", "site_name", "radiologist_name",
    "expected_exams",
]  # fmt: skip


def _local(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def rota_frame(result: RunResult) -> pd.DataFrame:
    """One row per site per period (docs/input-contract.md, "Output: rota.csv"), with the pool each site was read in."""
    scenario = result.scenario
    periods = {p.key: p for p in build_calendar(scenario)}
    fixed_pool = {m.site_id: m.pool_id for m in scenario.pools}
    means = mean_exams_per_period(scenario)
    together: dict[tuple, list[str]] = defaultdict(list)
    for a in result.assignments:
        p = periods[a.key]
        together[(a.radiologist_id, p.start_utc, p.end_utc)].append(a.site_id)
    rows = []
    for a in sorted(result.assignments, key=lambda a: (periods[a.key].start_utc, a.site_id)):
        p = periods[a.key]
        group = sorted(together[(a.radiologist_id, p.start_utc, p.end_utc)])
        rows.append(
            {
                "date": a.date.isoformat(),
                "period": a.period.value,
                "site_id": a.site_id,
                "radiologist_id": a.radiologist_id,
                "start": _local(p.start),
                "end": _local(p.end),
                "pool_id": fixed_pool.get(a.site_id, "+".join(group)),
                "site_name": scenario.site(a.site_id).name,
                "radiologist_name": scenario.radiologist(a.radiologist_id).name,
                "expected_exams": round(means.get((a.site_id, a.period), 0.0), 2),
            }
        )
    return pd.DataFrame(rows, columns=ROTA_COLUMNS)


def blocks_frame(result: RunResult) -> pd.DataFrame:
    """One row per radiologist block (touching periods worked in one go)."""
    scenario = result.scenario
    periods = {p.key: p for p in build_calendar(scenario)}
    mine: dict[str, list[Period]] = defaultdict(list)
    for a in result.assignments:
        mine[a.radiologist_id].append(periods[a.key])
    rows = []
    for r in sorted(mine):
        for block in blocks_of(r, mine[r]):
            rows.append(
                {
                    "radiologist_id": r,
                    "radiologist_name": scenario.radiologist(r).name,
                    "start": _local(block.start),
                    "end": _local(block.end),
                    "hours": round(block.hours, 2),
                    "periods": ";".join(sorted({f"{p.date}/{p.kind.value}" for p in block.periods})),
                    "sites": ";".join(block.sites),
                    "site_periods": len(block.periods),
                }
            )
    return pd.DataFrame(rows)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def manifest(result: RunResult, folder: Path | None = None) -> dict[str, Any]:
    scenario = result.scenario
    inputs = {role: {"file": path.name, "sha256": _sha256(path)} for role, path in scenario.input_files.items()}
    if scenario.source is not None:
        inputs["scenario"] = {"file": scenario.source.name, "sha256": _sha256(scenario.source)}
    location = None
    if scenario.source is not None:
        # Relative to the run folder, so that a copied project (runs/ beside scenarios/) still finds it.
        location = os.path.relpath(scenario.source, Path(folder).resolve()) if folder else scenario.source.name
    if "pools" in scenario.input_files:
        pools = f"fixed by {scenario.input_files['pools'].name}"
    elif scenario.pools:
        pools = "designed by pds-plan pools design (pools.csv in this folder)"
    else:
        pools = "formed by the optimiser, period by period"
    return {
        "scenario": scenario.name,
        "pools": pools,
        "written_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scenario_file": location,
        "inputs": inputs,
        "method": result.method,
        "seed": result.options.seed,
        "workers": result.options.workers,
        "time_limit_seconds": result.options.time_limit,
        "versions": {
            "pds-plan": _version("pds-plan"),
            "ortools": _version("ortools"),
            "python": platform.python_version(),
        },
    }


def write_run(result: RunResult, out: Path, force: bool = False, extra_files: Mapping[str, str] | None = None) -> Path:
    """Write the run folder atomically; an existing folder is only replaced with `force`. `extra_files` (name →
    text) are written into it too, such as the pool design the rota was built on."""
    with atomic_folder(Path(out), force=force) as staging:
        for name, text in (extra_files or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        rota_frame(result).to_csv(staging / "rota.csv", index=False, lineterminator="\n")
        blocks_frame(result).to_csv(staging / "rota_by_radiologist.csv", index=False, lineterminator="\n")
        (staging / "summary.json").write_text(json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n")
        document = manifest(result, Path(out))
        (staging / "manifest.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return Path(out)
