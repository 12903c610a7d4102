"""Read an exam log exported from a PACS or RIS: one row per exam with `site_id, modality, timestamp`.

The log goes through the same reader as the scenario's tables (tables.py: `,`/`;`/tab, UTF-8 with or without BOM or
Windows-1252, any column-name case, extra columns ignored), so each problem is located by file, row and column and
every problem of the file is reported at once. Timestamps may be ISO 8601 with or without a UTC offset, or
`DD/MM/YYYY HH:MM[:SS]` as French exports write them; a timestamp without an offset is Europe/Paris wall-clock time,
the time the hospital's own systems keep.

A log of a region over a year holds hundreds of thousands of rows, and a site named differently in the export than in
sites.csv makes every one of its rows wrong: past `MAX_PROBLEMS_PER_COLUMN` problems in a column the rest are counted
on one line rather than listed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import BeforeValidator

from pds_plan.domain.calendar import PARIS
from pds_plan.domain.model import MODALITIES, Site
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.scenario import unique_rows
from pds_plan.io.schemas import SiteRow
from pds_plan.io.tables import Findings, Row, Text, load_table

MAX_PROBLEMS_PER_COLUMN = 20
LOG_COLUMNS = ("site_id", "modality", "timestamp")

# PACS exports name modalities with DICOM codes (MR, CR, DX) rather than the contract's names.
MODALITY_ALIASES = {"MR": "MRI", "CR": "XR", "DX": "XR"}

TIMESTAMP_FORMATS = "YYYY-MM-DDTHH:MM[:SS] with or without a UTC offset such as +01:00, or DD/MM/YYYY HH:MM[:SS]"
_ISO_WITH_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}")
# A regular expression rather than strptime: a year's log of a region has hundreds of thousands of rows.
_FRENCH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?")
_MODALITY_LOOKUP = {m.lower(): m for m in MODALITIES} | {alias.lower(): m for alias, m in MODALITY_ALIASES.items()}


def parse_timestamp(value: Any) -> dt.datetime:
    """An aware Europe/Paris date-time from an ISO 8601 or French `DD/MM/YYYY HH:MM[:SS]` cell.

    A naive time is local wall-clock time. A local time skipped by the spring change (02:30 on the last Sunday of
    March) can only come from a misset clock; it is read with the offset in force before the change, as zoneinfo
    does, rather than rejected: the exam did happen that night.
    """
    text = str(value).strip()
    if not text:
        raise ValueError(f"is empty: expected a date and time ({TIMESTAMP_FORMATS})")
    parsed: dt.datetime | None = None
    if _ISO_WITH_TIME.match(text):
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            parsed = None
    elif french := _FRENCH.fullmatch(text):
        day, month, year, hour, minute, second = (int(part or 0) for part in french.groups())
        try:
            parsed = dt.datetime(year, month, day, hour, minute, second)
        except ValueError:
            parsed = None
    if parsed is None:
        if _DATE_ONLY.fullmatch(text):
            raise ValueError(f"'{text}' has no time of day (expected {TIMESTAMP_FORMATS})")
        raise ValueError(f"'{text}' is not a date and time (expected {TIMESTAMP_FORMATS})")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PARIS)
    # Through UTC so that a skipped local time comes back as a real one.
    return parsed.astimezone(dt.UTC).astimezone(PARIS)


def parse_log_modality(value: Any) -> str:
    text = str(value).strip()
    if text.lower() in _MODALITY_LOOKUP:
        return _MODALITY_LOOKUP[text.lower()]
    expected = f"one of {', '.join(MODALITIES)} (or the DICOM codes {', '.join(MODALITY_ALIASES)})"
    if not text:
        raise ValueError(f"is empty: expected {expected}")
    raise ValueError(f"'{text}' is not {expected}")


Timestamp = Annotated[dt.datetime, BeforeValidator(parse_timestamp)]
LogModality = Annotated[str, BeforeValidator(parse_log_modality)]


class ExamRow(Row):
    """One exam of the log; other columns of the export (accession number, patient...) are ignored."""

    site_id: Text
    modality: LogModality
    timestamp: Timestamp


@dataclass(frozen=True)
class ExamLog:
    """The exams of a log and the sites they refer to.

    Attributes
    ----------
    path
        The log file.
    exams
        One row per exam: `line` (in the file), `site_id`, `modality` (one of MODALITIES) and `timestamp`
        (datetime64, Europe/Paris).
    sites
        The sites of sites.csv (or of the scenario), in their file's order.
    sites_file
        The sites file as shown to the user.
    warnings
        Worth showing, not fatal (an exam of a modality its site does not list).
    """

    path: Path
    exams: pd.DataFrame
    sites: tuple[Site, ...]
    sites_file: str
    warnings: tuple[Problem, ...] = ()

    @property
    def name(self) -> str:
        return display_path(self.path)


def exam_frame(rows: Iterable[tuple[int, str, str, dt.datetime]]) -> pd.DataFrame:
    """The exams as a DataFrame from (line, site_id, modality, aware timestamp) tuples."""
    lines, site_ids, modalities, timestamps = [], [], [], []
    for line, site_id, modality, timestamp in rows:
        lines.append(line)
        site_ids.append(site_id)
        modalities.append(modality)
        timestamps.append(timestamp)
    return pd.DataFrame(
        {
            "line": pd.Series(lines, dtype="int64"),
            "site_id": pd.Series(site_ids, dtype="object"),
            "modality": pd.Series(modalities, dtype="object"),
            "timestamp": pd.Series(pd.to_datetime(timestamps, utc=True)).dt.tz_convert("Europe/Paris"),
        }
    )


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS_PER_COLUMN problems per column, in file order, then one line per column counting the
    others."""
    seen: dict[str | None, int] = defaultdict(int)
    rest: dict[str | None, list[Problem]] = defaultdict(list)
    kept: list[Problem] = []
    for problem in problems:
        seen[problem.column] += 1
        if seen[problem.column] <= MAX_PROBLEMS_PER_COLUMN:
            kept.append(problem)
        else:
            rest[problem.column].append(problem)
    for column, left in rest.items():
        kept.append(
            Problem(
                left[0].file,
                f"{len(left)} more row(s) with a problem in this column, not listed (lines {left[0].row} to "
                f"{left[-1].row}); the ones above show what is wrong",
                column=column,
            )
        )
    return kept


def read_exam_log(
    path: Path,
    sites: Mapping[str, Site] | None,
    findings: Findings,
    sites_file: str = "sites.csv",
    unchecked_sites: Collection[str] = (),
) -> tuple[pd.DataFrame, list[Problem]]:
    """The valid exams of a log and its warnings; every error goes to `findings` (capped per column).

    `sites` None means sites.csv could not be read at all: the log's rows are checked, not their site_ids.
    `unchecked_sites` are site_ids whose own row of sites.csv failed: already reported, so the exams that name them
    are not reported a second time.
    """
    name = display_path(path)
    local = Findings()
    table = load_table(path, ExamRow, local)
    rows: list[tuple[int, str, str, dt.datetime]] = []
    offered_not: dict[tuple[str, str], list[int]] = defaultdict(list)
    for line, row in table.rows:
        site = sites.get(row.site_id) if sites is not None else None
        if site is None:
            if sites is not None and row.site_id not in unchecked_sites:
                local.errors.append(
                    Problem(name, f"unknown site '{row.site_id}' (not in {sites_file})", line, "site_id")
                )
            continue
        if row.modality not in site.modalities:
            offered_not[(row.site_id, row.modality)].append(line)
        rows.append((line, row.site_id, row.modality, row.timestamp))
    warnings = [
        Problem(
            name,
            f"site {site_id} does not list modality {modality} in {sites_file}: its {len(lines)} exam(s) are "
            "counted anyway (first on this line)",
            lines[0],
            "modality",
        )
        for (site_id, modality), lines in offered_not.items()
    ]
    # The schema's problems come first, then the site references: put them back in file order.
    findings.errors.extend(_capped(sorted(local.errors, key=lambda p: p.row or 0)))
    return exam_frame(rows), warnings


def read_sites(path: Path, findings: Findings) -> tuple[dict[str, Site], set[str] | None]:
    """The sites of a sites.csv (errors to `findings`) and the ids of the rows that failed their checks, or None for
    those when the file as a whole could not be read."""
    name = display_path(path)
    table = load_table(path, SiteRow, findings)
    rows = unique_rows(table.rows, "site_id", name, findings)
    sites = {row.site_id: Site(**row.model_dump()) for _, row in rows}
    return sites, None if table.failed else table.declared("site_id") - set(sites)


def load_exam_log(path: Path | str, sites: Sequence[Site], sites_file: str = "sites.csv") -> ExamLog:
    """Read and check an exam log against known sites (e.g. a loaded scenario's); InputError lists every problem."""
    path = Path(path)
    findings = Findings()
    exams, warnings = read_exam_log(path, {s.site_id: s for s in sites}, findings, sites_file)
    if findings.errors:
        raise InputError(findings.errors)
    return ExamLog(path, exams, tuple(sites), sites_file, tuple(warnings))


def load_exam_log_with_sites(path: Path | str, sites_path: Path | str) -> ExamLog:
    """Read sites.csv and the exam log; InputError lists every problem of both files at once."""
    path, sites_path = Path(path), Path(sites_path)
    findings = Findings()
    sites, broken = read_sites(sites_path, findings)
    sites_file = display_path(sites_path)
    known = None if broken is None else sites
    exams, warnings = read_exam_log(path, known, findings, sites_file, unchecked_sites=broken or set())
    if findings.errors:
        raise InputError(findings.errors)
    return ExamLog(path, exams, tuple(sites.values()), sites_file, tuple(warnings))
