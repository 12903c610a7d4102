import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pds_plan.domain.language import Language, period_word
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


# What the English workbook said before it spoke French: none of it may be left in the French one.
ENGLISH_WORDS = {
    "Summary", "Rota", "Scenario", "Horizon", "Method", "Solver status", "Proven optimal", "Note", "Objective",
    "Best bound", "Gap", "Gap to the bound", "Solve time (s)", "Site-periods assigned", "Rule check", "Seed",
    "pds-plan version", "Run folder", "Value", "Fairness", "This rota", "Greedy baseline",
    "Load spread, max/min per FTE-available day", "Load spread, normalised points", "Radiologists without duty",
    "Rule violations", "Uncovered periods", "Rule violations (first 50)", "no violation", "yes", "no", "greedy",
    "GREEDY_COMPLETE", "night", "saturday", "sunday_holiday", "period", "start", "end", "site_id", "radiologist_id",
    "site_name", "radiologist_name", "expected_exams", "pool_id", "2027-01", "to",
}  # fmt: skip


def grid_cells(book: openpyxl.Workbook, site_of: dict[str, str], language: Language) -> dict[tuple, object]:
    """Every non-empty site cell of the month sheets, by (date, period kind, site id)."""
    kind_of = {period_word(k, language): k for k in ("night", "saturday", "sunday_holiday")}
    months = {Language.FR: "janvier 2027", Language.EN: "January 2027"}
    cells = {}
    for sheet in book.worksheets[1:-1]:
        header = [c.value for c in sheet[1]]
        expected = {Language.FR: ["Date", "Période", "Début", "Fin"], Language.EN: ["Date", "Period", "Start", "End"]}
        assert header[:4] == expected[language]
        for row in sheet.iter_rows(min_row=2, values_only=True):
            date = row[0].date().isoformat()
            assert months[language] == sheet.title and date[:7] == "2027-01"  # each month on its own sheet
            for label, value in zip(header[4:], row[4:], strict=True):
                if value is not None:
                    cells[(date, kind_of[row[1]], site_of[label])] = value
    return cells


@pytest.mark.parametrize("language", list(Language))
def test_the_grid_sheets_match_rota_csv_in_every_cell(tiny_run, language):
    rota = rota_rows(tiny_run)
    site_of = {r["site_name"]: r["site_id"] for r in rota}
    kind_of = {period_word(k, language): k for k in ("night", "saturday", "sunday_holiday")}
    for option, column in (("name", "radiologist_name"), ("id", "radiologist_id")):
        book = load(tiny_run, cell=option, language=language)
        expected = {(r["date"], r["period"], r["site_id"]): r[column] for r in rota}
        assert grid_cells(book, site_of, language) == expected
        times = {(r["date"], r["period"]): (r["start"][11:], r["end"][11:]) for r in rota}
        for sheet in book.worksheets[1:-1]:
            for row in sheet.iter_rows(min_row=2, values_only=True):
                assert (row[2], row[3]) == times[(row[0].date().isoformat(), kind_of[row[1]])]


def test_the_planning_sheet_is_rota_csv_in_french_with_real_dates_and_numbers(tiny_run):
    rota = rota_rows(tiny_run)
    sheet = load(tiny_run)["Planning"]
    header, *body = list(sheet.iter_rows(values_only=True))
    assert list(header) == [
        "Date", "Période", "Identifiant du site", "Identifiant du radiologue", "Début", "Fin", "Mutualisation", "Site",
        "Radiologue", "Examens attendus",
    ]  # fmt: skip
    assert len(body) == len(rota)
    columns = list(rota[0])  # rota.csv's, in the same order
    periods = {"night": "nuit", "saturday": "samedi après-midi", "sunday_holiday": "dimanche ou férié"}
    for row, expected in zip(body, rota, strict=True):
        values = dict(zip(columns, row, strict=True))
        assert values["date"] == dt.datetime.fromisoformat(expected["date"])
        assert values["start"] == dt.datetime.fromisoformat(expected["start"])
        assert values["end"] == dt.datetime.fromisoformat(expected["end"])
        assert values["period"] == periods[expected["period"]]
        assert values["expected_exams"] == float(expected["expected_exams"])
        same = [k for k in columns if k not in ("date", "period", "start", "end", "expected_exams")]
        assert all(values[k] == expected[k] for k in same)
    assert sheet.auto_filter.ref == f"A1:J{len(rota) + 1}"
    assert sheet.cell(row=2, column=5).number_format == "[$-40C]dd/mm/yyyy hh:mm"


def test_sheets_are_laid_out_for_planners(tiny_run):
    book = load(tiny_run)
    assert book.sheetnames == ["Synthèse", "janvier 2027", "Planning"]
    grid = book["janvier 2027"]
    assert grid.freeze_panes == "E2"  # header row and date, period, start, end stay in view
    assert book["Planning"].freeze_panes == "A2"
    assert grid.cell(row=2, column=1).number_format == "[$-40C]ddd dd/mm/yyyy"  # "ven. 01/01/2027" in any Excel
    widths = {letter: grid.column_dimensions[letter].width for letter in "ABCDEFG"}
    assert all(8 <= width <= 24 for width in widths.values()), widths
    assert widths["B"] >= len("samedi après-midi")
    fills = {row[1].value: row[1].fill.fgColor.rgb for row in grid.iter_rows(min_row=2)}
    assert fills["nuit"] != fills["samedi après-midi"] == fills["dimanche ou férié"]  # day periods stand out


def test_the_french_workbook_has_no_english_label_left(tiny_run):
    book = load(tiny_run)
    texts = {sheet.title for sheet in book.worksheets} | {
        c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row if isinstance(c.value, str)
    }
    assert texts & ENGLISH_WORDS == set()
    english = load(tiny_run, language=Language.EN)
    assert english.sheetnames == ["Summary", "January 2027", "Rota"]
    english_texts = {c.value for sheet in english.worksheets for row in sheet.iter_rows() for c in row}
    assert {"Summary", "Solver status", "Fairness", "Saturday afternoon", "Radiologist id"} <= english_texts | set(
        english.sheetnames
    )


def test_summary_sheet_reports_status_gap_fairness_against_greedy_and_rule_check(tiny_run):
    summary = json.loads((tiny_run / "summary.json").read_text())
    rows = {row[0]: row[1:] for row in load(tiny_run)["Synthèse"].iter_rows(values_only=True) if row[0]}
    assert rows["Statut de l'optimiseur"][0] == "planning type tableur" and summary["status"] == "GREEDY_COMPLETE"
    assert rows["Méthode"][0] == "planning type tableur (référence)"
    assert rows["Période couverte"][0] == "du 1 janv. 2027 au 14 janv. 2027"
    assert rows["Contrôle des règles"][0] == "aucune violation"
    assert rows["Périodes de site attribuées"][0] == summary["assignments"] == 57
    assert rows["Équité"][:2] == ("Ce planning", "Planning type tableur (référence)")
    spread = rows["Écart de charge max/min par jour ETP disponible"][:2]
    assert spread == pytest.approx(
        (summary["fairness"]["spread_ratio_max_min"], summary["greedy_baseline"]["fairness"]["spread_ratio_max_min"])
    )
    english = {row[0]: row[1:] for row in load(tiny_run, language=Language.EN)["Summary"].iter_rows(values_only=True)}
    assert english["Method"][0] == "spreadsheet-style rota (baseline)"
    assert english["Horizon"][0] == "1 Jan 2027 to 14 Jan 2027"


@pytest.mark.parametrize(
    ("language", "label", "percent", "violations"),
    [(Language.FR, "Écart à la borne", "0.0 %", "1\u202f234 violations"), (Language.EN, "Gap to the bound", "0.0%",
     "1,234 violations")],
)  # fmt: skip
def test_summary_sheet_shows_the_gap_as_a_percentage(tiny_run, tmp_path, language, label, percent, violations):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    summary = json.loads((run / "summary.json").read_text())
    for gap in (0.125, 1):  # JSON writes a gap of 100 % as 1, which the sheet once showed as a bare "1"
        summary.update(status="FEASIBLE", gap=gap, rule_check={"violations": 1234, "messages": ["=bad one", "two"]})
        (run / "summary.json").write_text(json.dumps(summary))
        sheet = load(run, language=language).worksheets[0]
        cell = next(row[1] for row in sheet.iter_rows() if row[0].value == label)
        assert cell.value == gap and cell.number_format == percent
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert violations in values and "'=bad one" in values  # Babel's thousands: a narrow no-break space in French


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
    assert {"janvier 2027", "Planning"} <= set(found)
    assert "'@CH Verdun" in [c.value for c in book["janvier 2027"][1]]


def test_negative_numbers_stay_numbers(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    rota = pd.read_csv(run / "rota.csv", dtype=str, keep_default_na=False)
    rota.loc[0, "expected_exams"] = "-1.5"
    rota.to_csv(run / "rota.csv", index=False)
    sheet = load(run)["Planning"]
    cell = sheet.cell(row=2, column=10)
    assert (cell.value, cell.data_type) == (-1.5, "n")


def test_write_xlsx_is_atomic_and_refuses_an_existing_file(tiny_run, tmp_path):
    target = tmp_path / "rota.xlsx"
    target.write_bytes(b"earlier")
    with pytest.raises(OutputExistsError):
        write_xlsx(tiny_run, target)
    assert target.read_bytes() == b"earlier"
    write_xlsx(tiny_run, target, force=True)
    assert openpyxl.load_workbook(target).sheetnames[0] == "Synthèse"
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
    assert book.sheetnames == ["Synthèse", "janvier 2027", "février 2027", "Planning"]  # in time order
    assert [r[0] for r in book["février 2027"].iter_rows(min_row=2, values_only=True)] == [dt.datetime(2027, 2, 27)]
