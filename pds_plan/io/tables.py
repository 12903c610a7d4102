"""Read CSV tables as they come out of Excel and validate them row by row.

Real files are exported from Excel by hand: a `,` or `;` separator, UTF-8 with or without a byte-order mark or
Windows-1252, decimal commas, French booleans (oui/non), stray spaces and any column-name case. Every problem of a
file is collected, one line each with its row and column, so that the user can fix them all in one go.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from pds_plan.errors import Problem, display_path
from pds_plan.io.spreadsheet import restore

SEPARATORS = (";", ",", "\t")
TRUE_WORDS = {"true", "vrai", "oui", "o", "yes", "y", "1", "x"}
FALSE_WORDS = {"false", "faux", "non", "n", "no", "0"}
LIST_SEPARATORS = re.compile(r"[;,|]")


@dataclass
class Findings:
    """Errors and warnings gathered while reading a scenario."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class RawTable:
    """A CSV file decoded and split: normalised column names and the non-blank rows with their line numbers."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]
    separator: str
    encoding: str
    overlong: tuple[int, ...] = ()  # rows with more values than the header has columns

    @property
    def name(self) -> str:
        return display_path(self.path)


def normalise_column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().strip("\ufeff").strip().lower())


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name of a file in UTF-8 (with or without BOM) or Windows-1252."""
    if b"\x00" in data:
        raise ValueError("is not a text file in UTF-8 or Windows-1252 (it holds NUL bytes: UTF-16 or binary?)")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise ValueError("is neither UTF-8 nor Windows-1252 text") from error


def sniff_separator(header_line: str) -> str:
    """The separator is the one the header line uses most: header names never contain one."""
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def read_raw_table(path: Path) -> RawTable:
    """Decode and split a CSV file; raises ValueError with a message (without the file name) when unreadable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise ValueError("file not found") from error
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror})") from error
    text, encoding = decode(data)
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise ValueError("file is empty: expected a header line and one row per record")
    separator = sniff_separator(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    columns: tuple[str, ...] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    line_before = 0
    overlong: list[int] = []
    while True:
        first_line = line_before + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            if "end of data" in str(error) or "field larger" in str(error):
                raise UnreadableRow(first_line, 'a quote (") opened in this row is never closed') from error
            raise UnreadableRow(first_line, f"is not valid CSV ({error})") from error
        line_before = reader.line_num
        if not any(value.strip() for value in record):
            continue
        if columns is None:
            columns = tuple(normalise_column(c) for c in record)
            continue
        if len(record) > len(columns) and any(v.strip() for v in record[len(columns) :]):
            overlong.append(first_line)
        values = {col: (record[i].strip() if i < len(record) else "") for i, col in enumerate(columns)}
        rows.append((first_line, values))
    assert columns is not None
    return RawTable(path, columns, tuple(rows), separator, encoding, tuple(overlong))


def restored(table: RawTable) -> RawTable:
    """The table with every cell `restore`d: what was written before the tool neutralised it."""
    rows = tuple((line, {column: restore(value) for column, value in values.items()}) for line, values in table.rows)
    return replace(table, rows=rows)


class UnreadableRow(ValueError):
    def __init__(self, row: int, message: str) -> None:
        self.row = row
        super().__init__(message)


# --- cell parsers: each takes the stripped text of a cell and raises ValueError with the user's explanation ---


def parse_text(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("is empty: a value is required")
    return text


def parse_optional_text(value: Any) -> str | None:
    text = str(value).strip()
    return text or None


def parse_number(value: Any) -> float:
    text = str(value).strip()
    if not text:
        raise ValueError("is empty: expected a number")
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError as error:
        raise ValueError(f"'{text}' is not a number") from error
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"'{text}' is not a finite number")
    return number


def parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    if not text:
        raise ValueError("is empty: expected a yes/no value (true/false, oui/non or 1/0)")
    raise ValueError(f"'{value}' is not a yes/no value (expected true/false, oui/non or 1/0)")


def parse_date(value: Any) -> dt.date:
    text = str(value).strip()
    if not text:
        raise ValueError("is empty: expected a date (YYYY-MM-DD or DD/MM/YYYY)")
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")


def parse_list(value: Any) -> tuple[str, ...]:
    """A `;`-separated list (`,` and `|` are accepted too, Excel users mix them)."""
    items = [item.strip() for item in LIST_SEPARATORS.split(str(value))]
    return tuple(item for item in items if item)


def parse_choice(choices: tuple[str, ...], case_sensitive_output: bool = True) -> Callable[[Any], str]:
    lookup = {c.lower(): c for c in choices}

    def parse(value: Any) -> str:
        text = str(value).strip()
        if text.lower() in lookup:
            return lookup[text.lower()]
        expected = ", ".join(choices)
        if not text:
            raise ValueError(f"is empty: expected one of {expected}")
        raise ValueError(f"'{text}' is not one of {expected}")

    return parse


Text = Annotated[str, BeforeValidator(parse_text)]
OptionalText = Annotated[str | None, BeforeValidator(parse_optional_text)]
Number = Annotated[float, BeforeValidator(parse_number)]
Bool = Annotated[bool, BeforeValidator(parse_bool)]
Date = Annotated[dt.date, BeforeValidator(parse_date)]
TextList = Annotated[tuple[str, ...], BeforeValidator(parse_list)]


class Row(BaseModel):
    """Base of the row schemas: every field is a column, named as in the input contract."""

    model_config = ConfigDict(frozen=True, extra="ignore")


RowT = TypeVar("RowT", bound=Row)


def required_columns(schema: type[Row]) -> list[str]:
    return [name for name, info in schema.model_fields.items() if info.is_required()]


def _message(error: Any) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "assertion_error":
        return str(error["msg"]).removeprefix("Assertion failed, ")
    return str(error["msg"])


def iter_row_errors(error: ValidationError) -> Iterator[tuple[str | None, str]]:
    for item in error.errors():
        column = str(item["loc"][0]) if item["loc"] else None
        yield column, _message(item)


@dataclass(frozen=True)
class LoadedTable(Generic[RowT]):
    """The rows that passed the schema (with their line numbers) and the text of every row, valid or not."""

    rows: list[tuple[int, RowT]]
    raw: tuple[tuple[int, dict[str, str]], ...] = ()
    failed: bool = False  # the file as a whole could not be read: references to it are not checked

    def declared(self, column: str) -> set[str]:
        """Values of a column in every row, valid or not: references to them are not reported a second time."""
        return {values.get(column, "").strip() for _, values in self.raw}


def load_table(
    path: Path,
    schema: type[RowT],
    findings: Findings,
    allow_empty: bool = False,
    column_id: Callable[[str], str] | None = None,
    headings: Sequence[str] | None = None,
) -> LoadedTable[RowT]:
    """Rows of a CSV file that pass its schema, with their line numbers; every problem goes to `findings`.

    Text the tool quoted against spreadsheet formulas (io/spreadsheet.py) is restored first, so that a rota or pools
    file it wrote reads back with the names and ids of the scenario. `column_id` reads headings written for people
    ("Période") as the columns they stand for; `headings`, the header as the file writes it, names a problem's
    column as the reader sees it.
    """
    name = display_path(path)
    try:
        table = restored(read_raw_table(path))
    except UnreadableRow as error:
        findings.errors.append(Problem(name, str(error), row=error.row))
        return LoadedTable([], failed=True)
    except ValueError as error:
        findings.errors.append(Problem(name, str(error)))
        return LoadedTable([], failed=True)
    shown: dict[str, str] = {}
    if column_id is not None:
        ids = tuple(column_id(c) for c in table.columns)
        shown = dict(zip(ids, headings or table.columns, strict=False))
        renamed = dict(zip(table.columns, ids, strict=True))
        as_ids = tuple((line, {renamed[c]: v for c, v in values.items()}) for line, values in table.rows)
        table = replace(table, columns=ids, rows=as_ids)
    missing = [c for c in required_columns(schema) if c not in table.columns]
    if missing:
        listed = ", ".join(f"'{c}'" for c in missing)
        findings.errors.append(
            Problem(
                name,
                f"missing column(s) {listed}; expected columns: {', '.join(schema.model_fields)}",
                row=1,
            )
        )
        return LoadedTable([], failed=True)
    duplicates = sorted({shown.get(c, c) for c in table.columns if table.columns.count(c) > 1 and c})
    if duplicates:
        findings.errors.append(Problem(name, f"column(s) {', '.join(duplicates)} appear more than once", row=1))
        return LoadedTable([], failed=True)
    if not table.rows:
        if not allow_empty:
            findings.errors.append(Problem(name, "has a header but no rows"))
        return LoadedTable([], failed=not allow_empty)
    known = set(schema.model_fields)
    rows: list[tuple[int, RowT]] = []
    overlong = set(table.overlong)
    for line, values in table.rows:
        if line in overlong:  # its values are shifted: checking them would only add false errors
            findings.errors.append(
                Problem(
                    name,
                    f"more values than the header has columns ({len(table.columns)}); a decimal comma or a list "
                    "in a comma-separated file must be quoted, or use ';' as separator",
                    row=line,
                )
            )
            continue
        present = {k: v for k, v in values.items() if k in known and (v != "" or schema.model_fields[k].is_required())}
        try:
            rows.append((line, schema.model_validate(present)))
        except ValidationError as error:
            for column, message in iter_row_errors(error):
                findings.errors.append(Problem(name, message, row=line, column=shown.get(column or "", column)))
    return LoadedTable(rows, table.rows)
