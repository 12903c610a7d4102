"""Read back a run folder written by `pds-plan solve` (rota, blocks, summary, manifest)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pds_plan.domain.model import PeriodKind, Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.domain.run import KeyFigures
from pds_plan.errors import InputError, Problem, display_path

RUN_FILES = ("rota.csv", "rota_by_radiologist.csv", "summary.json", "manifest.json")


@dataclass(frozen=True)
class RunFolder:
    """A run as the exports, plots and report draw it (`pds_plan.io.run_store.folder_view` builds it in memory from
    a `Run`): its tables as written, and the run's objects, so that no output reads a file or recomputes a figure."""

    path: Path
    rota: pd.DataFrame  # rota.csv: one row per site per period
    blocks: pd.DataFrame  # rota_by_radiologist.csv: one row per radiologist block
    summary: dict[str, Any]
    manifest: dict[str, Any]
    scenario: Scenario | None = None  # as solved, pools included
    assignments: tuple[Assignment, ...] = ()
    baseline: tuple[Assignment, ...] = ()  # the greedy, spreadsheet-style rota
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # the analysis tables (domain.run.TABLE_NAMES)
    analysis: dict[str, Any] = field(default_factory=dict)  # analysis.json
    figures: KeyFigures | None = None
    design_table: pd.DataFrame | None = None  # pools_summary.csv, when the run designed its pools

    def pool_ids(self) -> dict[tuple[dt.date, PeriodKind, str], str]:
        """pool_id of each site period in rota.csv: the sites one radiologist covered together."""
        return _pool_ids(self.rota)


def _pool_ids(rota: pd.DataFrame) -> dict[tuple[dt.date, PeriodKind, str], str]:
    found: dict[tuple[dt.date, PeriodKind, str], str] = {}
    if "pool_id" not in rota.columns:
        return found
    for date, period, site_id, pool_id in zip(
        rota["date"], rota["period"], rota["site_id"], rota["pool_id"], strict=True
    ):
        try:
            key = (dt.date.fromisoformat(str(date)), PeriodKind(str(period)), str(site_id))
        except ValueError:
            continue  # rows that do not parse are the checker's business, not the report's
        if pool_id:
            found[key] = str(pool_id)
    return found


def load_run(folder: Path | str) -> RunFolder:
    """Read the rota files of a run folder as written (rota.csv, rota_by_radiologist.csv, summary.json,
    manifest.json), for exports of a folder a planner edited; the commands read whole runs with
    `pds_plan.io.run_store.read_run`. InputError names every missing or unreadable file."""
    from pds_plan.io.spreadsheet import restore_frame

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(display_path(folder), "is not a run folder (made by `pds-plan run` or `solve`)")])
    missing = [name for name in RUN_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError([Problem(display_path(folder / name), "missing from the run folder") for name in missing])
    try:
        rota = restore_frame(pd.read_csv(folder / "rota.csv", dtype=str, keep_default_na=False))
        blocks = restore_frame(pd.read_csv(folder / "rota_by_radiologist.csv", dtype=str, keep_default_na=False))
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        raise InputError([Problem(display_path(folder), f"unreadable run file ({error})")]) from None
    return RunFolder(folder, rota, blocks, summary, manifest)
