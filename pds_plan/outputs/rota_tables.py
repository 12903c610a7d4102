"""The rota of a run folder as tables: what the CSV, XLSX and ICS exports are all made from.

The export modules (outputs/xlsx.py, outputs/calendar_ics.py and outputs/exports.py, which chains them) build on
this one and never on each other, so that none imports another back.

`long_frame` and `grid_frame` are the tables people read, in their language (French by default): headings
("Période", "Début"), period names ("samedi après-midi"), dates and times as `dt.date` and `dt.datetime`, which each
file writes its own way (`as_text` for CSV). `pds-plan check` reads them back: io/rota.py knows these headings
(`column_id`) and period names. rota.csv itself keeps its English column ids (io/run_store.py).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from babel.dates import format_date, format_datetime

from pds_plan.domain.language import Language, period_word
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.rota import column_id
from pds_plan.io.run_folder import RunFolder, load_run
from pds_plan.io.writers import atomic_write_bytes, refuse_to_overwrite

CellLabel = Literal["name", "id"]

ROTA_REQUIRED = ("date", "period", "site_id", "radiologist_id", "start", "end", "site_name", "radiologist_name")
BLOCKS_REQUIRED = ("radiologist_id", "radiologist_name", "start", "end", "periods", "sites")
GRID_KEY_COLUMNS = ["date", "period", "start", "end"]
NUMERIC_ROTA_COLUMNS = ("expected_exams",)

DATE = "%Y-%m-%d"
LOCAL_TIME = "%Y-%m-%dT%H:%M"  # local Europe/Paris wall-clock time, as rota.csv and rota_by_radiologist.csv hold it
MAX_PROBLEMS = 20
PERIOD_ORDER = {"saturday": 0, "sunday_holiday": 0, "night": 1}

# Column headings people read, by column id; io/rota.py's `column_id` reads each back as its id (tests hold it).
HEADINGS: Mapping[Language, Mapping[str, str]] = {
    Language.FR: {
        "date": "Date",
        "period": "Période",
        "site_id": "Identifiant du site",
        "radiologist_id": "Identifiant du radiologue",
        "start": "Début",
        "end": "Fin",
        "pool_id": "Mutualisation",
        "site_name": "Site",
        "radiologist_name": "Radiologue",
        "expected_exams": "Examens attendus",
    },
    Language.EN: {
        "date": "Date",
        "period": "Period",
        "site_id": "Site id",
        "radiologist_id": "Radiologist id",
        "start": "Start",
        "end": "End",
        "pool_id": "Pool",
        "site_name": "Site",
        "radiologist_name": "Radiologist",
        "expected_exams": "Expected exams",
    },
}


def heading(column: str, language: Language = Language.FR) -> str:
    """The heading people read for a column id; a column the table does not know keeps its id."""
    return HEADINGS[language].get(column, column)


def as_run(run: RunFolder | Path | str) -> RunFolder:
    """A loaded run folder, with the columns the exports rely on (InputError naming the missing ones)."""
    loaded = run if isinstance(run, RunFolder) else load_run(run)
    problems = [
        Problem(display_path(loaded.path / file), f"column '{column}' is missing")
        for file, frame, required in (
            ("rota.csv", loaded.rota, ROTA_REQUIRED),
            ("rota_by_radiologist.csv", loaded.blocks, BLOCKS_REQUIRED),
        )
        for column in required
        if column not in frame.columns
    ]
    if not problems:
        problems = _unreadable_times(loaded)
    if problems:
        raise InputError(problems)
    return loaded


def _unreadable_times(run: RunFolder) -> list[Problem]:
    """Dates and times the exports parse (grid months, calendar events), checked up front with their rows."""
    problems = []
    checks = (
        ("rota.csv", run.rota, "date", DATE),
        ("rota.csv", run.rota, "start", LOCAL_TIME),
        ("rota.csv", run.rota, "end", LOCAL_TIME),
        ("rota_by_radiologist.csv", run.blocks, "start", LOCAL_TIME),
        ("rota_by_radiologist.csv", run.blocks, "end", LOCAL_TIME),
    )
    for file, frame, column, layout in checks:
        for row, value in enumerate(frame[column], start=2):  # row 1 is the header
            try:
                dt.datetime.strptime(str(value), layout)
            except ValueError:
                example = dt.datetime(2027, 1, 31, 18, 30).strftime(layout)
                message = f"{value!r} is not a date or time written like {example}"
                problems.append(Problem(display_path(run.path / file), message, row, column))
                if len(problems) >= MAX_PROBLEMS:
                    return problems
    return problems


def long_frame(run: RunFolder | Path | str, language: Language = Language.FR) -> pd.DataFrame:
    """The rota in long form for people: rota.csv's rows and columns under their headings, periods named, dates
    and times as `dt.date` and `dt.datetime`, numeric columns as numbers."""
    frame = as_run(run).rota.copy()
    for column in NUMERIC_ROTA_COLUMNS:
        if column in frame.columns:
            numbers = pd.to_numeric(frame[column].replace("", None), errors="coerce")
            if numbers.notna().sum() == (frame[column] != "").sum():  # keep the text if anything is not a number
                frame[column] = numbers.astype(float)
    frame["date"] = [dt.datetime.strptime(str(v), DATE).date() for v in frame["date"]]  # as_run checked them
    frame["period"] = [period_word(str(v), language) for v in frame["period"]]
    for column in ("start", "end"):
        moments = [dt.datetime.strptime(str(v), LOCAL_TIME) for v in frame[column]]
        frame[column] = pd.Series(moments, index=frame.index, dtype=object)  # datetimes, not pandas Timestamps
    return frame.rename(columns={c: heading(c, language) for c in frame.columns})


def as_text(frame: pd.DataFrame, language: Language = Language.FR) -> pd.DataFrame:
    """A table's dates and times as the locale writes them short ("04/01/2027", "04/01/2027 08:30"), for CSV.

    The short date is also what French Excel takes for a date, and what io/rota.py reads back (DD/MM/YYYY)."""

    def text(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return format_datetime(value, format="short", locale=language.locale)
        if isinstance(value, dt.date):
            return format_date(value, format="short", locale=language.locale)
        return value

    return frame.apply(lambda column: column.map(text) if column.dtype == object else column)


def site_labels(rota: pd.DataFrame) -> dict[str, str]:
    """Grid column header of each site, in column order: its name (sorted), with the id when two names clash."""
    names: dict[str, str] = {}
    for site, name in zip(rota["site_id"], rota["site_name"], strict=True):
        names.setdefault(str(site), str(name))
    counts = Counter(names.values())
    # A site named like a grid heading ("Date", "Fin") would be read back as that column: its id tells it apart.
    labels = {
        s: n if n and counts[n] == 1 and column_id(n) not in GRID_KEY_COLUMNS else f"{n} ({s})".strip()
        for s, n in names.items()
    }
    return dict(sorted(labels.items(), key=lambda item: (_sort_key(item[1]), item[0])))


def _sort_key(text: str) -> str:
    """Alphabetical order as a French reader expects it: "CH Épinal" between "CH Bar-le-Duc" and "CH Verdun"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _clock(moment: str) -> str:
    return moment[11:16] if len(moment) >= 16 else moment


def grid_frame(run: RunFolder | Path | str, cell: CellLabel = "name", language: Language = Language.FR) -> pd.DataFrame:
    """The planner's grid: one row per date and period, one column per site, the radiologist on call in each cell.

    Rows are in time order (the day period of a Saturday, Sunday or holiday before its night); the date is a
    `dt.date`, the period named in `language`, `start` and `end` local clock times, the end of a night being next
    morning. An empty cell means that the site has no such period that day (a Moselle holiday, say) or that nobody
    was put on it.
    """
    if cell not in ("name", "id"):
        raise ValueError(f"cell must be 'name' or 'id', not {cell!r}")
    rota = as_run(run).rota
    labels = site_labels(rota)
    value_column = "radiologist_name" if cell == "name" else "radiologist_id"
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for record in rota.to_dict("records"):
        key = (str(record["date"]), str(record["period"]))
        row = rows.setdefault(key, {"start": _clock(str(record["start"])), "end": _clock(str(record["end"]))})
        label = labels[str(record["site_id"])]
        value = str(record[value_column])
        # One radiologist per site and period in a valid rota; an edited rota with two keeps both, visibly.
        row[label] = f"{row[label]} / {value}" if label in row else value
    ordered = sorted(rows, key=lambda k: (k[0], PERIOD_ORDER.get(k[1], 2), rows[k]["start"], k[1]))
    columns = GRID_KEY_COLUMNS + list(labels.values())
    records = [
        {"date": dt.datetime.strptime(d, DATE).date(), "period": period_word(p, language), **rows[(d, p)]}
        for d, p in ordered
    ]
    frame = pd.DataFrame(records, columns=columns).fillna("")
    return frame.rename(columns={c: heading(c, language) for c in GRID_KEY_COLUMNS})


# --- writing ----------------------------------------------------------------------------------------------------------


def write_files(out: Path | str, files: Mapping[str, bytes], force: bool = False) -> list[Path]:
    """Write files (relative name → content) below `out`, each atomically.

    Every target is checked before the first is written, so that without `force` an existing file leaves the
    folder exactly as it was.
    """
    out = Path(out)
    targets = [(out / name, data) for name, data in files.items()]
    for path, _ in targets:
        refuse_to_overwrite(path, force)
    return [atomic_write_bytes(path, data, force=force) for path, data in targets]
