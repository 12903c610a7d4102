"""Write the workload and cost report of `pds-plan analyse` into a run folder, one file at a time, atomically."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pds_plan.analysis.cost import Costs
from pds_plan.analysis.workload import Workload
from pds_plan.errors import OutputExistsError, display_path
from pds_plan.io.spreadsheet import csv_text
from pds_plan.io.writers import atomic_write_text

REPORT_FILES = (
    "workload_sites.csv",
    "workload_radiologists.csv",
    "workload_periods.csv",
    "daytime_days_lost.csv",
    "costs.csv",
    "analysis.json",
)
SHARE_DIGITS = 4  # shares and utilisations
FIGURE_DIGITS = 3  # exams, hours, points
MONEY_DIGITS = 2


def existing_report_files(folder: Path) -> list[Path]:
    return [Path(folder) / name for name in REPORT_FILES if (Path(folder) / name).exists()]


def refuse_existing(folder: Path, force: bool) -> None:
    """OutputExistsError naming the report files already in the folder, unless `force`: checked before any work."""
    existing = existing_report_files(folder)
    if existing and not force:
        names = ", ".join(p.name for p in existing)
        raise OutputExistsError(f"{display_path(folder)} already holds {names}: pass --force to replace them")


def _csv(frame: pd.DataFrame, digits: int, exceptions: Mapping[str, int] | None = None) -> str:
    rounded = frame.copy()
    for column in rounded.columns:
        if pd.api.types.is_float_dtype(rounded[column]):
            rounded[column] = rounded[column].round((exceptions or {}).get(column, digits))
    return csv_text(rounded)


def report_texts(report: Workload, costs: Costs, metadata: Mapping[str, Any]) -> dict[str, str]:
    """The text of every report file, by file name."""
    shares = {"sla_share_within_target": SHARE_DIGITS, "share_read_by_own_staff": SHARE_DIGITS}
    return {
        "workload_sites.csv": _csv(report.sites, FIGURE_DIGITS, shares),
        "workload_radiologists.csv": _csv(report.radiologists, FIGURE_DIGITS),
        "workload_periods.csv": _csv(
            report.periods, FIGURE_DIGITS, {"peak_utilisation": SHARE_DIGITS, "sla_share": SHARE_DIGITS}
        ),
        "daytime_days_lost.csv": _csv(report.days_lost, FIGURE_DIGITS),
        "costs.csv": _csv(
            costs.frame(), MONEY_DIGITS, {"expected_exams": FIGURE_DIGITS, "remote_exams": FIGURE_DIGITS}
        ),
        "analysis.json": json.dumps(dict(metadata), indent=2, ensure_ascii=False, default=str) + "\n",
    }


def write_workload_report(
    folder: Path, report: Workload, costs: Costs, metadata: Mapping[str, Any], force: bool = False
) -> list[Path]:
    """Write REPORT_FILES into the run folder; existing ones are only replaced with `force` (all checked first).

    Each file is written atomically (a temporary file renamed into place): a file is whole or absent, though an
    interrupted run may leave some files new and others old.
    """
    folder = Path(folder)
    refuse_existing(folder, force)
    return [
        atomic_write_text(folder / name, text, force=force)
        for name, text in report_texts(report, costs, metadata).items()
    ]
