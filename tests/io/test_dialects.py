"""The same tables written in any accepted CSV dialect load into exactly the same Scenario objects.

Accepted dialects (docs/input-contract.md "Accepted dialects"): `,` or `;` separator, UTF-8 with or without BOM
or Windows-1252, decimal comma or point, booleans as true/false, TRUE/FALSE, oui/non or 1/0, stray spaces around
values and column names, any column-name case and order, CRLF or LF line endings. Values holding the separator
(decimal commas in a comma file, `;`-lists in a semicolon file, names with either) are quoted, as Excel and the csv
module do.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import currently_in_test_context, example, given, note, settings
from hypothesis import strategies as st

from pds_plan import Scenario, load_scenario

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
TABLES = ("sites", "radiologists", "availability", "volumes")

# Names with characters outside ASCII (some only in Windows-1252's 0x80-0x9F range: – ’ Œ), quotes and both
# separators, so that encodings and quoting are really exercised.
SITE_NAMES = {
    "nancy": "CHRU de Nancy, Brabois (test)",
    "metz": "CHR Metz–Thionville; Mercy (test)",
    "verdun": "CH Verdun « Saint-Nicolas » (test)",
    "pont": 'Clinique "Notre-Dame" de Pont-à-Mousson (test)',
}
RADIOLOGIST_NAMES = {
    "R1": "Dr Élodie Lefèvre",
    "R2": "Dr Jürgen Müller",
    "R3": "Dr Œdipe Çelik",
    "R4": "Dr Zoë O’Brien",
    "R5": "Dr François Dupré-Hébert",
}
# Optional columns of sites.csv, to cover them too (an empty cell is None / the default).
SITE_EXTRAS = {
    "nancy": ("540023264", "GHT Sud Lorraine", "true"),
    "metz": ("", "GHT Lorraine Nord", "false"),
    "verdun": ("", "", "false"),
    "pont": ("", "GHT Sud Lorraine", "true"),
}

NUMBERS = {"lat", "lon", "fte", "mean_exams"}
BOOLEANS = {"emergency", "pds", "onsite_required", "remote"}
LISTS = {"modalities", "sites"}
BOOLEAN_WORDS = (("true", "false"), ("TRUE", "FALSE"), ("True", "False"), ("oui", "non"), ("OUI", "NON"), ("1", "0"))


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]


@cache
def canonical_tables() -> dict[str, Table]:
    """The tiny fixture's tables, with the names and optional columns above: comma, point, true/false."""
    tables = {}
    for name in TABLES:
        with (TINY / f"{name}.csv").open(encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            columns = tuple(reader.fieldnames or ())
            rows = [dict(row) for row in reader]
        if name == "sites":
            columns += ("finess", "ght", "onsite_required")
            for row in rows:
                row["name"] = SITE_NAMES[row["site_id"]]
                row["finess"], row["ght"], row["onsite_required"] = SITE_EXTRAS[row["site_id"]]
        if name == "radiologists":
            for row in rows:
                row["name"] = RADIOLOGIST_NAMES[row["radiologist_id"]]
        tables[name] = Table(columns, tuple(rows))
    return tables


@dataclass(frozen=True)
class Dialect:
    separator: str
    encoding: str
    line_end: str
    decimal_comma: bool
    quote_all: bool


CANONICAL = Dialect(",", "utf-8", "\n", decimal_comma=False, quote_all=False)
EXCEL_FR = Dialect(";", "cp1252", "\r\n", decimal_comma=True, quote_all=False)

dialects = st.builds(
    Dialect,
    separator=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
    decimal_comma=st.booleans(),
    quote_all=st.booleans(),
)


def pad(text: str, rng: random.Random | None) -> str:
    if rng is None:
        return text
    return " " * rng.choice([0, 0, 1, 2]) + text + " " * rng.choice([0, 0, 1, 3])


def header(column: str, rng: random.Random | None) -> str:
    if rng is None:
        return column
    letters = "".join(c.upper() if rng.random() < 0.4 else c for c in column)
    spelled = letters.replace("_", rng.choice(["_", "_", " ", "-"]))
    return pad(spelled, rng)


def cell(column: str, value: str, dialect: Dialect, rng: random.Random | None) -> str:
    if column in NUMBERS and dialect.decimal_comma:
        value = value.replace(".", ",")
    if column in BOOLEANS and rng is not None and value:
        yes, no = rng.choice(BOOLEAN_WORDS)
        value = yes if value == "true" else no
    if column in LISTS and rng is not None:
        value = ";".join(pad(item, rng) for item in value.split(";"))
    return pad(value, rng) if value else value


def render(table: Table, dialect: Dialect, rng: random.Random | None) -> bytes:
    """The table as a file of this dialect; `rng` draws the per-cell variations (None: none)."""
    columns = list(table.columns)
    if rng is not None:
        rng.shuffle(columns)
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=dialect.separator,
        lineterminator=dialect.line_end,
        quoting=csv.QUOTE_ALL if dialect.quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow([header(c, rng) for c in columns])
    for row in table.rows:
        writer.writerow([cell(c, row[c], dialect, rng) for c in columns])
    return buffer.getvalue().encode(dialect.encoding)


def write_scenario(folder: Path, dialect: Dialect, rng: random.Random | None) -> dict[str, bytes]:
    shutil.copy(TINY / "scenario.toml", folder / "scenario.toml")
    written = {}
    for name, table in canonical_tables().items():
        written[name] = render(table, dialect, rng)
        (folder / f"{name}.csv").write_bytes(written[name])
    return written


def load(dialect: Dialect, rng: random.Random | None) -> Scenario:
    with tempfile.TemporaryDirectory() as folder:
        for name, data in write_scenario(Path(folder), dialect, rng).items():
            if currently_in_test_context():
                note(f"{name}.csv: {data!r}")
        return load_scenario(Path(folder) / "scenario.toml")


@cache
def canonical() -> Scenario:
    return load(CANONICAL, None)


def test_canonical_tables_are_the_tiny_fixture_with_other_names():
    scenario, tiny = canonical(), load_scenario(TINY / "scenario.toml")
    assert [s.site_id for s in scenario.sites] == [s.site_id for s in tiny.sites]
    assert scenario.site("metz").name == "CHR Metz–Thionville; Mercy (test)"
    assert scenario.site("nancy").finess == "540023264" and scenario.site("metz").finess is None
    assert scenario.site("verdun").ght is None and scenario.site("pont").onsite_required is True
    assert scenario.radiologist("R4").name == "Dr Zoë O’Brien"
    assert scenario.radiologists == tuple(
        type(r)(r.radiologist_id, RADIOLOGIST_NAMES[r.radiologist_id], r.home_site, r.fte, r.sites, r.remote)
        for r in tiny.radiologists
    )
    assert scenario.availability == tiny.availability and scenario.volumes == tiny.volumes


@settings(max_examples=40, deadline=None)
@example(dialect=EXCEL_FR, rng=random.Random(0))
@example(dialect=Dialect(",", "utf-8-sig", "\r\n", decimal_comma=True, quote_all=False), rng=random.Random(1))
@given(dialect=dialects, rng=st.randoms(use_true_random=False))
def test_any_accepted_dialect_loads_the_same_scenario(dialect: Dialect, rng: random.Random):
    scenario, reference = load(dialect, rng), canonical()
    assert scenario.sites == reference.sites
    assert scenario.radiologists == reference.radiologists
    assert scenario.availability == reference.availability
    assert scenario.volumes == reference.volumes
