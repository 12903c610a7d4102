"""Cells that a spreadsheet would run, made inert on writing and restored on reading ("CSV injection").

Planners open every CSV and XLSX file of the tool in Excel or LibreOffice, which run a cell beginning with `=`, `+`,
`-` or `@` as a formula: a radiologist's name typed into an input file could become a live link or a command.
`neutralise` puts a `'` in front of such text (a spreadsheet shows it as text) and `restore` takes it off again, so
that a file the tool wrote reads back as what was written. Numbers, and text that is a plain number ("-3.5" read
from a CSV), are left alone: a spreadsheet reads them as numbers, never as formulas.

`csv_text` is how the tool renders every CSV file it writes, so that none of them can carry a formula.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd

# OWASP's list: tab and carriage return also start a formula in some spreadsheet applications.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def _would_run(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(text)


def neutralise(value: Any) -> Any:
    """`value` made inert for a spreadsheet: text beginning with a formula character gets a leading `'`.

    Only text is touched. Neutralising twice changes nothing more (the `'` is not a trigger), so a file that was
    read back without `restore` and written again does not grow a second quote.
    """
    if isinstance(value, str) and _would_run(value):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    """The inverse of `neutralise`: the leading `'` of text that `neutralise` would have quoted is taken off.

    Text such as `'-3.5` or `'Dr A` keeps its quote, since `neutralise` never writes one there. Text that began with
    `'` followed by a formula character before it was ever written cannot be told apart and loses that quote.
    """
    if isinstance(value, str) and value.startswith(QUOTE) and _would_run(value[1:]):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and column header neutralised (numbers kept as numbers)."""
    return _map_text(frame, neutralise)


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and column header restored (see `restore`)."""
    return _map_text(frame, restore)


def _map_text(frame: pd.DataFrame, change: Callable[[Any], Any]) -> pd.DataFrame:
    changed = frame.copy()
    for column in changed.columns:
        if not pd.api.types.is_numeric_dtype(changed[column]):
            changed[column] = changed[column].map(change)
    changed.columns = [change(str(c)) for c in changed.columns]
    return changed


def csv_text(frame: pd.DataFrame, separator: str = ",", *, line_end: str = "\n", decimal: str = ".") -> str:
    """A frame as CSV text, neutralised first: the one way the tool renders a CSV file.

    Without an index, one line per row ending in `line_end`; `decimal` is the decimal mark of float columns (French
    Excel expects a comma with the `;` separator).
    """
    text: str = neutralise_frame(frame).to_csv(index=False, sep=separator, lineterminator=line_end, decimal=decimal)
    return text
