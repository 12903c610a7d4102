"""Tabular exports: CSV files written atomically."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pds_plan.domain.calendar import Period
from pds_plan.io.writers import atomic_write_text


def calendar_frame(periods: Iterable[Period]) -> pd.DataFrame:
    """The PDS calendar in long form, one row per site per period, local ISO date-times."""
    return pd.DataFrame(
        [
            {
                "date": p.date.isoformat(),
                "period": p.kind.value,
                "site_id": p.site_id,
                "start": p.start.strftime("%Y-%m-%dT%H:%M"),
                "end": p.end.strftime("%Y-%m-%dT%H:%M"),
                "utc_offset_start": p.start.strftime("%z"),
                "hours": round(p.minutes / 60, 2),
                "holiday": p.holiday or "",
            }
            for p in periods
        ],
        columns=["date", "period", "site_id", "start", "end", "utc_offset_start", "hours", "holiday"],
    )


def write_csv(frame: pd.DataFrame, path: Path, force: bool = False, separator: str = ",", bom: bool = False) -> Path:
    text = frame.to_csv(index=False, sep=separator, lineterminator="\n")
    return atomic_write_text(path, text, force=force, encoding="utf-8-sig" if bom else "utf-8")
