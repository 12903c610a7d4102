"""Read an absences file (`radiologist_id, start, end`) for `pds-plan replan --absences`, with located errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pds_plan.errors import InputError
from pds_plan.io.schemas import DaysRow
from pds_plan.io.tables import Findings, load_table


def load_absences(path: Path) -> list[tuple[str, dt.date, dt.date]]:
    """(radiologist_id, start, end) of every row (dates as 2027-02-01 or 01/02/2027, both included); InputError
    listing every problem of the file at once."""
    findings = Findings()
    table = load_table(Path(path), DaysRow, findings)
    if findings.errors:
        raise InputError(findings.errors)
    return [(row.radiologist_id, row.start, row.end) for _, row in table.rows]
