"""The CSV and XLSX files of a run opened in a real spreadsheet, LibreOffice Calc headless: no cell is a formula.

Each file is converted to XLSX by `soffice --convert-to`, which loads it exactly as Calc opens it for a planner,
then the converted workbook is read with openpyxl: a cell Calc took for a formula has data_type "f". CSV files are
loaded with formula evaluation on (`CSV_IMPORT`), and the control tests below show that an un-neutralised
`=HYPERLINK(...)` cell is detected, so that these tests can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pds_plan import load_scenario
from pds_plan.domain.language import Language
from pds_plan.domain.run import RunSettings
from pds_plan.io.rota import load_rota
from pds_plan.io.run_store import write_run
from pds_plan.io.spreadsheet import csv_text
from pds_plan.outputs.exports import GRID_CSV, LONG_CSV, XLSX_FILE, export_run
from pds_plan.runs.pipeline import plan

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
HOSTILE_NAMES = {
    "Dr A (test)": '=HYPERLINK("http://x","y")',
    "Dr B (test)": "+1+1",
    "Dr C (test)": "-2+3",
    "Dr D (test)": "@SUM(1)",
}
# CSV import filter options: comma, double quote, UTF-8 (76), from line 1, standard columns, default language,
# quoted fields not forced to text, special numbers detected, and token 13 "evaluate formulas" on: a cell holding
# `=...` becomes a live formula, as when a planner double-clicks the file.
CSV_IMPORT = "CSV:44,34,76,1,,0,false,true,false,false,false,-1,true"
TIMEOUT_SECONDS = 180


def soffice_or_skip() -> str:
    """LibreOffice's soffice; without it the test is skipped, or fails when the environment requires it (CI)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("PDS_PLAN_REQUIRE_SPREADSHEET") == "1":
            pytest.fail("PDS_PLAN_REQUIRE_SPREADSHEET=1 but soffice is not found (Debian: libreoffice-calc-nogui)")
        pytest.skip("soffice not found (set PDS_PLAN_REQUIRE_SPREADSHEET=1 to make this a failure)")
    return found


def test_a_missing_spreadsheet_skips_unless_required(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("PDS_PLAN_REQUIRE_SPREADSHEET", "1")
    with pytest.raises(pytest.fail.Exception, match="PDS_PLAN_REQUIRE_SPREADSHEET"):
        soffice_or_skip()
    monkeypatch.delenv("PDS_PLAN_REQUIRE_SPREADSHEET")
    with pytest.raises(pytest.skip.Exception):
        soffice_or_skip()


def open_in_calc(files: Iterable[Path], work: Path) -> dict[str, openpyxl.Workbook]:
    """Each file as LibreOffice Calc loads it, by file name: converted to XLSX, then read back with openpyxl.

    A profile of its own (a first start writes one) keeps the test away from the user's and from other runs.
    """
    soffice = soffice_or_skip()
    books = {}
    for index, file in enumerate(files):
        out = work / f"converted-{index}"  # rota.csv and the export's rota.xlsx would both become rota.xlsx
        command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore"]
        if file.suffix == ".csv":
            command.append(f"--infilter={CSV_IMPORT}")
        command += ["--convert-to", "xlsx", "--outdir", str(out), str(file)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
        converted = out / f"{file.stem}.xlsx"
        assert done.returncode == 0 and converted.is_file(), f"{file.name}: {done.stdout}{done.stderr}"
        books[file.name] = openpyxl.load_workbook(converted)
    return books


def formula_cells(book: openpyxl.Workbook) -> list[str]:
    return [
        f"{sheet.title}!{cell.coordinate}={cell.value!r}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def text_cells(book: openpyxl.Workbook) -> set[str]:
    return {
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "s"
    }


def assert_names_inert_and_visible(name: str, book: openpyxl.Workbook) -> None:
    assert formula_cells(book) == [], name
    texts = text_cells(book)
    for hostile in HOSTILE_NAMES.values():
        assert hostile in texts or "'" + hostile in texts, f"{name}: {hostile!r} not shown as text"


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    """A greedy run of the tiny scenario whose radiologists are named like formulas."""
    base = tmp_path_factory.mktemp("hostile")
    shutil.copytree(TINY, base / "scenario")
    radiologists = pd.read_csv(base / "scenario" / "radiologists.csv", dtype=str, keep_default_na=False)
    radiologists["name"] = radiologists["name"].replace(HOSTILE_NAMES)
    radiologists.to_csv(base / "scenario" / "radiologists.csv", index=False)
    scenario = load_scenario(base / "scenario" / "scenario.toml")
    assert set(HOSTILE_NAMES.values()) <= {r.name for r in scenario.radiologists}
    return write_run(plan(scenario, RunSettings(method="greedy", design_pools=False)), base / "run")


def test_control_an_unsafe_csv_and_xlsx_do_hold_a_live_formula(tmp_path):
    """What the other tests look for is really there when a file is not neutralised."""
    link = HOSTILE_NAMES["Dr A (test)"]
    unsafe_csv = tmp_path / "unsafe.csv"
    unsafe_csv.write_text(pd.DataFrame({"name": [link]}).to_csv(index=False), encoding="utf-8")  # as before csv_text
    unsafe_xlsx = tmp_path / "unsafe_book.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = link  # openpyxl stores text beginning with `=` as a formula
    book.save(unsafe_xlsx)
    books = open_in_calc([unsafe_csv, unsafe_xlsx], tmp_path)
    assert formula_cells(books["unsafe.csv"]) == [f"unsafe!A2={link!r}"]
    assert formula_cells(books["unsafe_book.xlsx"]) == [f"Sheet!A1={link!r}"]


def test_csv_text_leaves_no_formula_in_calc(tmp_path):
    frame = pd.DataFrame({"name": list(HOSTILE_NAMES.values()), "points": [-2, 3, -1.5, 0]})
    path = tmp_path / "frame.csv"
    path.write_text(csv_text(frame), encoding="utf-8")
    [book] = open_in_calc([path], tmp_path).values()
    assert_names_inert_and_visible(path.name, book)
    numbers = [c.value for row in book.active.iter_rows(min_row=2, min_col=2) for c in row]
    assert numbers == [-2, 3, -1.5, 0]  # numbers stay numbers, negative ones included


def test_the_exports_leave_no_formula_in_calc(hostile_run, tmp_path):
    export_run(hostile_run, tmp_path / "exports", ["csv", "xlsx"])
    files = [tmp_path / "exports" / name for name in (LONG_CSV, GRID_CSV, XLSX_FILE)]
    for name, book in open_in_calc(files, tmp_path).items():
        assert_names_inert_and_visible(name, book)


@pytest.mark.parametrize(
    ("language", "sheets", "words"),
    [
        (Language.FR, ["Synthèse", "janvier 2027", "Planning"], {"Période", "samedi après-midi", "Écart à la borne"}),
        (Language.EN, ["Summary", "January 2027", "Rota"], {"Period", "Saturday afternoon", "Gap to the bound"}),
    ],
)
def test_the_workbook_keeps_its_language_in_calc_and_reads_back(hostile_run, tmp_path, language, sheets, words):
    """Sheet names with accents and spaces, headings and period names as Calc saves them again; and the workbook
    Calc saved still reads back to the rota (dates stay dates through the locale code of their format)."""
    export_run(hostile_run, tmp_path / "exports", ["xlsx"], language=language)
    books = open_in_calc([tmp_path / "exports" / XLSX_FILE], tmp_path)
    book = books[XLSX_FILE]
    assert book.sheetnames == sheets
    assert words <= text_cells(book)
    scenario = load_scenario(hostile_run.parent / "scenario" / "scenario.toml")
    saved = tmp_path / "converted-0" / XLSX_FILE
    assert sorted(load_rota(saved, scenario)) == sorted(load_rota(hostile_run / "rota.csv", scenario))


def test_the_run_folder_csvs_leave_no_formula_in_calc(hostile_run, tmp_path):
    """rota.csv and rota_by_radiologist.csv, written by io.run_store.write_run through csv_text."""
    files = [hostile_run / "rota.csv", hostile_run / "rota_by_radiologist.csv"]
    for name, book in open_in_calc(files, tmp_path).items():
        assert_names_inert_and_visible(name, book)
