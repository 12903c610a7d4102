"""THE run folder: its layout (file names as constants), written atomically from a `Run`, read back into one.

A run folder holds everything a run found, so that any later command (check, export, report, compare) reads it
back into the same `Run` the pipeline made, without solving or simulating again:

    rota.csv                  one row per site per period (the output contract, docs/input-contract.md)
    rota_by_radiologist.csv   one row per radiologist block
    baseline_rota.csv         the greedy, spreadsheet-style rota the optimised one is compared with
    summary.json              the solver's record, the key figures, the run's settings and rule check
    manifest.json             inputs and their hashes, versions, the scenario file (relative to the folder)
    workload_*.csv, daytime_days_lost.csv, costs.csv, analysis.json   the analysis of the rota
    pools.csv, pools_summary.csv, pools_design.json                   the pools designed for the run, if any
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.demand import mean_exams_per_period
from pds_plan.domain.model import PoolMember, Scenario, TurnaroundLimits
from pds_plan.domain.rota import Assignment, blocks_of
from pds_plan.domain.run import TABLE_NAMES, KeyFigures, PoolsOrigin, Run, RunSettings, in_order, plain_json
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.rota import load_rota
from pds_plan.io.run_folder import RunFolder
from pds_plan.io.scenario import load_scenario
from pds_plan.io.spreadsheet import csv_text, restore_frame
from pds_plan.io.writers import atomic_folder, atomic_write_text, folder_lock

ROTA_FILE = "rota.csv"
BLOCKS_FILE = "rota_by_radiologist.csv"
BASELINE_FILE = "baseline_rota.csv"
SUMMARY_FILE = "summary.json"
MANIFEST_FILE = "manifest.json"
ANALYSIS_FILE = "analysis.json"
POOLS_FILE = "pools.csv"
POOLS_SUMMARY_FILE = "pools_summary.csv"
POOLS_DESIGN_FILE = "pools_design.json"
TABLE_FILES = {name: f"{name}.csv" for name in TABLE_NAMES}
# Tables a run derived from another holds (replan, swap): the changed assignments, and whom to tell.
DERIVED_TABLE_FILES = {name: f"{name}.csv" for name in ("changes", "notifications")}
REQUIRED_FILES = (ROTA_FILE, BLOCKS_FILE, BASELINE_FILE, SUMMARY_FILE, MANIFEST_FILE, ANALYSIS_FILE,
                  *TABLE_FILES.values())  # fmt: skip

ROTA_COLUMNS = [
    "date", "period", "site_id", "radiologist_id", "start", "end", "pool_id", "site_name", "radiologist_name",
    "expected_exams",
]  # fmt: skip
BASELINE_COLUMNS = ["date", "period", "site_id", "radiologist_id"]
# Identifier columns are text even when they look like numbers (a site "0540" must stay "0540").
TEXT_COLUMNS = {"site_id": str, "radiologist_id": str, "id": str, "home_site": str, "pool_id": str, "date": str,
                "month": str, "sites": str, "period": str, "scope": str}  # fmt: skip


RUNS_FOLDER = Path("runs")


def default_run_folder(name: str) -> Path:
    """runs/NAME-YYYYMMDD-HHMMSS: a new folder per run, so that a run never replaces another by default."""
    return RUNS_FOLDER / f"{name}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def _local(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M"))


def rota_frame(scenario: Scenario, assignments: Iterable[Assignment]) -> pd.DataFrame:
    """rota.csv: one row per site per period, with the pool each site was read in."""
    periods = {p.key: p for p in build_calendar(scenario)}
    fixed_pool = {m.site_id: m.pool_id for m in scenario.pools}
    means = mean_exams_per_period(scenario)
    assignments = list(assignments)
    together: dict[tuple, list[str]] = defaultdict(list)
    for a in assignments:
        p = periods[a.key]
        together[(a.radiologist_id, p.start_utc, p.end_utc)].append(a.site_id)
    rows = []
    for a in sorted(assignments, key=lambda a: (periods[a.key].start_utc, a.site_id)):
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


def blocks_frame(scenario: Scenario, assignments: Iterable[Assignment]) -> pd.DataFrame:
    """rota_by_radiologist.csv: one row per radiologist block (touching periods worked in one go)."""
    periods = {p.key: p for p in build_calendar(scenario)}
    mine: dict[str, list[Period]] = defaultdict(list)
    for a in assignments:
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


def _baseline_frame(assignments: Iterable[Assignment]) -> pd.DataFrame:
    rows = [(a.date.isoformat(), a.period.value, a.site_id, a.radiologist_id) for a in assignments]
    return pd.DataFrame(rows, columns=BASELINE_COLUMNS)


def summary_document(run: Run) -> dict[str, Any]:
    """summary.json: the solver's record at the top level (as `pds-plan solve` always wrote it), then the key
    figures and what the run was made with."""
    document = dict(run.solve)
    document["rule_check"] = {"violations": len(run.violations), "messages": list(run.violations)}
    document["key_figures"] = run.figures.as_dict()
    document["run"] = {
        "settings": run.settings.as_dict(),
        "pools_origin": run.pools_origin.value,
        "notes": list(run.notes),
        "parent": run.parent,
        "variant": run.variant,
        "turnaround_limits": asdict(run.scenario.turnaround_limits) if run.scenario.turnaround_limits else None,
    }
    return plain_json(document)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


POOLS_WORDS = {
    PoolsOrigin.SCENARIO: "fixed by a pools file of the scenario or solve --pools (pools.csv in this folder)",
    PoolsOrigin.DESIGNED: "designed by pds-plan pools design (pools.csv in this folder)",
    PoolsOrigin.SELF_FORMED: "formed by the optimiser, period by period",
}


def manifest(run: Run, folder: Path) -> dict[str, Any]:
    scenario = run.scenario
    # Each input by name, hash and path relative to the run folder: reading the run back finds the same files.
    inputs = {
        role: {"file": path.name, "path": os.path.relpath(path, Path(folder).resolve()), "sha256": _sha256(path)}
        for role, path in scenario.input_files.items()
    }
    location = None
    if scenario.source is not None:
        inputs["scenario"] = {"file": scenario.source.name, "sha256": _sha256(scenario.source)}
        # Relative to the run folder, so that a copied project (runs/ beside scenarios/) still finds it.
        location = os.path.relpath(scenario.source, Path(folder).resolve())
    return {
        "scenario": scenario.name,
        "pools": POOLS_WORDS[run.pools_origin],
        "written_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scenario_file": location,
        "inputs": inputs,
        "method": run.settings.method,
        "seed": run.settings.seed,
        "workers": run.settings.workers,
        "time_limit_seconds": run.settings.time_limit,
        "parent": run.parent,
        # A sweep's variant is the scenario file with some settings changed: its key (a hash of the files, the
        # changes and the run's settings) says which content the run was made from.
        "variant": run.variant,
        "versions": {
            "pds-plan": _version("pds-plan"),
            "ortools": _version("ortools"),
            "python": platform.python_version(),
        },
    }


def run_files(run: Run, folder: Path) -> dict[str, str]:
    """The text of every file of the run folder, by name."""
    files = {
        ROTA_FILE: csv_text(rota_frame(run.scenario, run.assignments)),
        BLOCKS_FILE: csv_text(blocks_frame(run.scenario, run.assignments)),
        BASELINE_FILE: csv_text(_baseline_frame(run.baseline)),
        SUMMARY_FILE: _json(summary_document(run)),
        MANIFEST_FILE: _json(manifest(run, folder)),
        ANALYSIS_FILE: _json(plain_json(run.analysis)),
    }
    for name, frame in run.tables.items():
        files[{**TABLE_FILES, **DERIVED_TABLE_FILES}[name]] = csv_text(frame)
    if run.scenario.pools:
        # The pools the rota was solved under, whoever fixed them (a design, the scenario, `solve --pools`): the
        # run is read back, checked and analysed under these, whatever the scenario file says later.
        pools = pd.DataFrame([(m.pool_id, m.site_id) for m in run.scenario.pools], columns=["pool_id", "site_id"])
        files[POOLS_FILE] = csv_text(pools)
    if run.pools_origin is PoolsOrigin.DESIGNED:
        if run.design is not None:
            files[POOLS_DESIGN_FILE] = _json(plain_json(run.design))
        if run.design_table is not None:
            files[POOLS_SUMMARY_FILE] = csv_text(run.design_table)
    return files


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_run(run: Run, folder: Path | str, force: bool = False) -> Path:
    """Write the run folder atomically: all its files appear at once, or none. An existing folder is replaced only
    with `force`; a folder another run is writing is always refused."""
    folder = Path(folder)
    files = run_files(run, folder)
    with atomic_folder(folder, force=force) as staging:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
    return folder


ANALYSIS_FILES = (SUMMARY_FILE, ANALYSIS_FILE, *TABLE_FILES.values())


def write_analysis(run: Run, folder: Path | str) -> list[Path]:
    """Replace the analysis of a run folder (summary.json with its key figures, analysis.json and the tables), each
    file atomically, leaving the rota, the pools and the exports in place; refused while another run writes it."""
    folder = Path(folder)
    files = run_files(run, folder)
    with folder_lock(folder):
        return [atomic_write_text(folder / name, files[name], force=True) for name in ANALYSIS_FILES]


# --- reading back ------------------------------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        raise InputError([Problem(display_path(path), f"unreadable run file ({error})")]) from None


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=TEXT_COLUMNS, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (ValueError, OSError) as error:
        raise InputError([Problem(display_path(path), f"unreadable run file ({error})")]) from None
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c])]
    frame[text] = frame[text].fillna("")
    return restore_frame(frame)


def scenario_file_of(folder: Path, manifest_document: dict[str, Any], given: Path | None = None) -> Path:
    """The scenario a run was made from: the one given, else the one its manifest records (relative to the run
    folder); InputError naming manifest.json when it cannot be found."""
    if given is not None:
        return Path(given)
    recorded = manifest_document.get("scenario_file")
    if recorded and (folder / recorded).is_file():
        return (folder / recorded).resolve()
    why = f"records scenario file '{recorded}', which is not found" if recorded else "records no scenario file"
    raise InputError([Problem(display_path(folder / MANIFEST_FILE), f"{why}: pass --scenario FILE")])


def _run_pools(folder: Path) -> tuple[PoolMember, ...]:
    rows = _read_csv(folder / POOLS_FILE)
    try:
        return tuple(PoolMember(str(p), str(s)) for p, s in zip(rows["pool_id"], rows["site_id"], strict=True))
    except KeyError as error:
        raise InputError([Problem(display_path(folder / POOLS_FILE), f"column {error} is missing")]) from None


def run_scenario(folder: Path | str, scenario: Path | None = None) -> Scenario:
    """The scenario a run was solved under: its scenario file (the one given, else the manifest's), with the pools
    the run was solved under (its pools.csv) and the turnaround limits its self-formed pools were solved under. Only the
    manifest, pools.csv and summary.json are read: a rota being checked may be the very file that is broken."""
    folder = Path(folder)
    if not (folder / MANIFEST_FILE).is_file():
        raise InputError(
            [Problem(display_path(folder / MANIFEST_FILE), "missing: not a run folder (made by `pds-plan run`)")]
        )
    document = _read_json(folder / MANIFEST_FILE)
    files = {}
    pools_input = ((document.get("inputs") or {}).get("pools") or {}).get("path")
    if scenario is None and pools_input and (folder / pools_input).is_file():
        files["pools"] = (folder / pools_input).resolve()  # a pools file given to `solve --pools`
    # A sweep's variant: the scenario file with the settings it changed, as the variant was solved.
    overrides = dict((document.get("variant") or {}).get("overrides") or {})
    loaded = load_scenario(scenario_file_of(folder, document, scenario), files, overrides)
    if (folder / POOLS_FILE).is_file():
        solved_under = _run_pools(folder)
        if set(solved_under) != set(loaded.pools):  # designed for the run, or a pools file changed since
            loaded = replace(loaded, pools=solved_under)
    if loaded.turnaround_limits is None and (folder / SUMMARY_FILE).is_file():
        limits = (_read_json(folder / SUMMARY_FILE).get("run") or {}).get("turnaround_limits")
        if limits:
            loaded = replace(loaded, turnaround_limits=_limits(limits))
    return loaded


def read_run(folder: Path | str, scenario: Path | None = None) -> Run:
    """Read a run folder back into the `Run` that was written; InputError names every missing or unreadable file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(display_path(folder), "is not a run folder (made by `pds-plan run` or `solve`)")])
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError([Problem(display_path(folder / name), "missing from the run folder") for name in missing])
    summary = _read_json(folder / SUMMARY_FILE)
    manifest_document = _read_json(folder / MANIFEST_FILE)
    record = summary.get("run") or {}
    origin = PoolsOrigin(record.get("pools_origin", PoolsOrigin.SELF_FORMED.value))
    solved = run_scenario(folder, scenario)
    solve = {k: v for k, v in summary.items() if k not in ("key_figures", "run")}
    rule_check = solve.get("rule_check") or {}
    design = _read_json(folder / POOLS_DESIGN_FILE) if (folder / POOLS_DESIGN_FILE).is_file() else None
    design_table = _read_csv(folder / POOLS_SUMMARY_FILE) if (folder / POOLS_SUMMARY_FILE).is_file() else None
    return Run(
        scenario=solved,
        settings=RunSettings.from_dict(record.get("settings") or {}),
        pools_origin=origin,
        assignments=in_order(_rota(folder / ROTA_FILE, solved)),
        baseline=in_order(_rota(folder / BASELINE_FILE, solved)),
        solve=solve,
        violations=tuple(rule_check.get("messages") or ()),
        figures=KeyFigures.from_dict(summary.get("key_figures") or {}),
        tables={
            **{name: _read_csv(folder / file) for name, file in TABLE_FILES.items()},
            **{
                name: _read_csv(folder / file)
                for name, file in DERIVED_TABLE_FILES.items()
                if (folder / file).is_file()
            },
        },
        analysis=_read_json(folder / ANALYSIS_FILE),
        design=design,
        design_table=design_table,
        manifest=manifest_document,
        parent=record.get("parent"),
        notes=tuple(record.get("notes") or ()),
        variant=record.get("variant"),
    )


def _rota(path: Path, scenario: Scenario) -> list[Assignment]:
    """A rota file of the run: one the tool wrote may hold no assignment at all (a run derived without a baseline),
    which a planner's rota file may not."""
    if not _read_csv(path).shape[0]:
        return []
    return load_rota(path, scenario)


def _limits(document: Any) -> TurnaroundLimits:
    return TurnaroundLimits(
        target_minutes=float(document["target_minutes"]),
        target_share=float(document["target_share"]),
        below_target=tuple(tuple(g) for g in document["below_target"]),
    )


def folder_view(run: Run, folder: Path | str) -> RunFolder:
    """The run as the exports, plots and report read it: its rota and blocks tables, summary and manifest, built
    in memory (nothing is read from the folder)."""
    folder = Path(folder)
    rota = rota_frame(run.scenario, run.assignments).astype(str)
    blocks = blocks_frame(run.scenario, run.assignments).astype(str)
    return RunFolder(
        folder,
        rota,
        blocks,
        summary_document(run),
        run.manifest or manifest(run, folder),
        scenario=run.scenario,
        assignments=run.assignments,
        baseline=run.baseline,
        tables=run.tables,
        analysis=run.analysis,
        figures=run.figures,
        design_table=run.design_table,
    )


def stored_figures(folder: Path | str, variant_key: str) -> dict[str, Any] | None:
    """The key figures of a run folder made from the sweep variant `variant_key`; None when the folder is missing,
    incomplete or made from other content (so that a sweep runs that variant again)."""
    folder = Path(folder)
    try:
        manifest_document = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (manifest_document.get("variant") or {}).get("key") != variant_key:
        return None
    figures = summary.get("key_figures")
    return figures if isinstance(figures, dict) else None
