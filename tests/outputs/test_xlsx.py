import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pds_plan.errors import OutputExistsError
from pds_plan.outputs.exports import export_run
from pds_plan.outputs.xlsx import render_xlsx, write_xlsx

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, greedy_run) -> Path:
    return greedy_run(TINY, tmp_path_factory.mktemp("tiny") / "run")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, greedy_run) -> Path:
    """The tiny scenario with a radiologist named =HYPERLINK("x") and a site named @CH Verdun."""
    base = tmp_path_factory.mktemp("hostile")
    shutil.copytree(TINY, base / "scenario")
    radiologists = (base / "scenario" / "radiologists.csv").read_text()
    (base / "scenario" / "radiologists.csv").write_text(radiologists.replace("Dr A (test)", '"=HYPERLINK(""x"")"'))
    sites = (base / "scenario" / "sites.csv").read_text()
    (base / "scenario" / "sites.csv").write_text(sites.replace("CH Verdun (test)", "@CH Verdun"))
    return greedy_run(base / "scenario", base / "run")


def load(run: Path, **options) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(run, **options)))


def rota_rows(run: Path) -> list[dict[str, str]]:
    with (run / "rota.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def grid_cells(book: openpyxl.Workbook, site_of: dict[str, str]) -> dict[tuple[str, str, str], object]:
    """Every non-empty site cell of the month sheets, by (date, period, site id)."""
    cells = {}
    for sheet in book.worksheets[1:-1]:
        header = [c.value for c in sheet[1]]
        assert header[:4] == ["date", "period", "start", "end"]
        for row in sheet.iter_rows(min_row=2, values_only=True):
            date = row[0].date().isoformat()
            assert date[:7] == sheet.title  # each month on its own sheet
            for label, value in zip(header[4:], row[4:], strict=True):
                if value is not None:
                    cells[(date, row[1], site_of[label])] = value
    return cells


def test_the_grid_sheets_match_rota_csv_in_every_cell(tiny_run):
    rota = rota_rows(tiny_run)
    site_of = {r["site_name"]: r["site_id"] for r in rota}
    for option, column in (("name", "radiologist_name"), ("id", "radiologist_id")):
        book = load(tiny_run, cell=option)
        assert grid_cells(book, site_of) == {(r["date"], r["period"], r["site_id"]): r[column] for r in rota}
        times = {(r["date"], r["period"]): (r["start"][11:], r["end"][11:]) for r in rota}
        for sheet in book.worksheets[1:-1]:
            for row in sheet.iter_rows(min_row=2, values_only=True):
                assert (row[2], row[3]) == times[(row[0].date().isoformat(), row[1])]


def test_the_rota_sheet_is_rota_csv_with_real_dates_and_numbers(tiny_run):
    rota = rota_rows(tiny_run)
    sheet = load(tiny_run)["Rota"]
    header, *body = list(sheet.iter_rows(values_only=True))
    assert list(header) == list(rota[0])
    assert len(body) == len(rota)
    for row, expected in zip(body, rota, strict=True):
        values = dict(zip(header, row, strict=True))
        assert values["date"].date().isoformat() == expected["date"]
        assert values["expected_exams"] == float(expected["expected_exams"])
        assert all(values[k] == expected[k] for k in expected if k not in ("date", "expected_exams"))
    assert sheet.auto_filter.ref == f"A1:J{len(rota) + 1}"


def test_sheets_are_laid_out_for_planners(tiny_run):
    book = load(tiny_run)
    assert book.sheetnames == ["Summary", "2027-01", "Rota"]
    grid = book["2027-01"]
    assert grid.freeze_panes == "E2"  # header row and date, period, start, end stay in view
    assert book["Rota"].freeze_panes == "A2"
    assert grid.cell(row=2, column=1).number_format == "ddd dd/mm/yyyy"
    widths = {letter: grid.column_dimensions[letter].width for letter in "ABCDEFG"}
    assert all(8 <= width <= 24 for width in widths.values()), widths
    assert widths["B"] >= len("sunday_holiday")


def test_summary_sheet_reports_status_gap_fairness_against_greedy_and_rule_check(tiny_run):
    summary = json.loads((tiny_run / "summary.json").read_text())
    rows = {row[0]: row[1:] for row in load(tiny_run)["Summary"].iter_rows(values_only=True) if row[0]}
    assert rows["Solver status"][0] == summary["status"]
    assert rows["Method"][0] == "greedy"
    assert rows["Rule check"][0] == "no violation"
    assert rows["Site-periods assigned"][0] == summary["assignments"] == 57
    assert rows["Fairness"][:2] == ("This rota", "Greedy baseline")
    spread = rows["Load spread, max/min per FTE-available day"][:2]
    assert spread == pytest.approx(
        (summary["fairness"]["spread_ratio_max_min"], summary["greedy_baseline"]["fairness"]["spread_ratio_max_min"])
    )


def test_summary_sheet_shows_the_gap_as_a_percentage(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    summary = json.loads((run / "summary.json").read_text())
    summary.update(status="FEASIBLE", gap=0.125, rule_check={"violations": 2, "messages": ["=bad one", "two"]})
    (run / "summary.json").write_text(json.dumps(summary))
    sheet = load(run)["Summary"]
    gap = next(row[1] for row in sheet.iter_rows() if row[0].value == "Gap")
    assert gap.value == 0.125 and gap.number_format == "0.0%"
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "2 violation(s)" in values and "'=bad one" in values


def test_a_radiologist_named_like_a_formula_comes_out_inert(hostile_run):
    book = load(hostile_run)
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                    assert cell.data_type == "s"
                    assert cell.value == '\'=HYPERLINK("x")'
                    found.append(sheet.title)
    assert {"2027-01", "Rota"} <= set(found)
    assert "'@CH Verdun" in [c.value for c in book["2027-01"][1]]


def test_negative_numbers_stay_numbers(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    rota = pd.read_csv(run / "rota.csv", dtype=str, keep_default_na=False)
    rota.loc[0, "expected_exams"] = "-1.5"
    rota.to_csv(run / "rota.csv", index=False)
    sheet = load(run)["Rota"]
    cell = sheet.cell(row=2, column=10)
    assert (cell.value, cell.data_type) == (-1.5, "n")


def test_write_xlsx_is_atomic_and_refuses_an_existing_file(tiny_run, tmp_path):
    target = tmp_path / "rota.xlsx"
    target.write_bytes(b"earlier")
    with pytest.raises(OutputExistsError):
        write_xlsx(tiny_run, target)
    assert target.read_bytes() == b"earlier"
    write_xlsx(tiny_run, target, force=True)
    assert openpyxl.load_workbook(target).sheetnames[0] == "Summary"
    (written,) = export_run(tiny_run, tmp_path / "exports", ["xlsx"])
    assert written.name == "rota.xlsx"


def test_a_quarter_has_one_grid_sheet_per_month(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    rota = pd.read_csv(run / "rota.csv", dtype=str, keep_default_na=False)
    moved = rota.iloc[:3].copy()
    moved["date"] = "2027-02-27"
    moved["start"] = moved["start"].str.replace("2027-01-01", "2027-02-27")
    moved["end"] = moved["end"].str.replace("2027-01-01", "2027-02-27")
    pd.concat([rota.iloc[3:], moved]).to_csv(run / "rota.csv", index=False)
    book = load(run)
    assert book.sheetnames == ["Summary", "2027-01", "2027-02", "Rota"]
    assert [r[0] for r in book["2027-02"].iter_rows(min_row=2, values_only=True)] == [dt.datetime(2027, 2, 27)]
