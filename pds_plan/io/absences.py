"""Read an absences file (`radiologist_id, start, end`) for `pds-plan replan --absences`, with located errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import ValidationInfo, field_validator

from pds_plan.errors import InputError
from pds_plan.io.tables import Date, Findings, Row, Text, load_table


class AbsenceRow(Row):
    """One absence: a radiologist off from `start` to `end`, both included (dates as 2027-02-01 or 01/02/2027)."""

    radiologist_id: Text
    start: Date
    end: Date

    @field_validator("end")
    @classmethod
    def end_not_before_start(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and value < start:
            raise ValueError(f"end {value} is before start {start}")
        return value


def load_absences(path: Path) -> list[tuple[str, dt.date, dt.date]]:
    """(radiologist_id, start, end) of every row; InputError listing every problem of the file at once."""
    findings = Findings()
    table = load_table(Path(path), AbsenceRow, findings)
    if findings.errors:
        raise InputError(findings.errors)
    return [(row.radiologist_id, row.start, row.end) for _, row in table.rows]
