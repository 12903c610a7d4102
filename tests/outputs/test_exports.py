import ast
import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pds_plan.domain.language import Language
from pds_plan.errors import InputError, OutputExistsError
from pds_plan.outputs.exports import (
    GRID_CSV,
    LONG_CSV,
    export_run,
    grid_frame,
    render_csv,
    site_labels,
)

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
KINDS = {
    Language.FR: {"nuit": "night", "samedi après-midi": "saturday", "dimanche ou férié": "sunday_holiday"},
    Language.EN: {"night": "night", "Saturday afternoon": "saturday", "Sunday or holiday": "sunday_holiday"},
}


def hostile_scenario(folder: Path) -> Path:
    """The tiny scenario with names a spreadsheet would run as formulas."""
    shutil.copytree(TINY, folder)
    radiologists = (folder / "radiologists.csv").read_text()
    radiologists = radiologists.replace("Dr A (test)", '"=HYPERLINK(""x"")"').replace("Dr C (test)", "+33 Dr C")
    (folder / "radiologists.csv").write_text(radiologists)
    (folder / "sites.csv").write_text((folder / "sites.csv").read_text().replace("CH Verdun (test)", "@CH Verdun"))
    return folder


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, greedy_run) -> Path:
    return greedy_run(TINY, tmp_path_factory.mktemp("tiny") / "run")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, greedy_run) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    return greedy_run(hostile_scenario(base / "scenario"), base / "run")


def read_csv(data: bytes, separator: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=separator))


def rota_rows(run: Path) -> list[dict[str, str]]:
    with (run / "rota.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def iso(day: str) -> str:
    """A date the CSV writes as DD/MM/YYYY, as rota.csv writes it."""
    return dt.datetime.strptime(day, "%d/%m/%Y").date().isoformat()


def test_long_csv_holds_every_row_and_column_of_rota_csv_in_french(tiny_run):
    header, *rows = read_csv(render_csv(tiny_run)[LONG_CSV])
    assert header == [
        "Date", "Période", "Identifiant du site", "Identifiant du radiologue", "Début", "Fin", "Mutualisation", "Site",
        "Radiologue", "Examens attendus",
    ]  # fmt: skip
    with (tiny_run / "rota.csv").open(encoding="utf-8", newline="") as stream:
        columns, *expected = list(csv.reader(stream))
    assert len(rows) == len(expected)
    for row, original in zip(rows, expected, strict=True):
        values, wanted = dict(zip(columns, row, strict=True)), dict(zip(columns, original, strict=True))
        assert iso(values.pop("date")) == wanted.pop("date")
        assert KINDS[Language.FR][values.pop("period")] == wanted.pop("period")
        for moment in ("start", "end"):  # "01/01/2027 18:30" for "2027-01-01T18:30"
            assert dt.datetime.strptime(values.pop(moment), "%d/%m/%Y %H:%M").isoformat()[:16] == wanted.pop(moment)
        assert values == wanted


def test_long_csv_in_english_on_request(tiny_run):
    header, first, *_ = read_csv(render_csv(tiny_run, language=Language.EN)[LONG_CSV])
    assert header[:4] == ["Date", "Period", "Site id", "Radiologist id"]
    assert first[1] == "Sunday or holiday" and first[4] == "01/01/2027, 08:30"


@pytest.mark.parametrize("language", list(Language))
def test_grid_csv_matches_rota_csv_cell_by_cell(tiny_run, language):
    rota = rota_rows(tiny_run)
    kind = KINDS[language]
    for cell, column in (("name", "radiologist_name"), ("id", "radiologist_id")):
        header, *body = read_csv(render_csv(tiny_run, cell=cell, language=language)[GRID_CSV])
        keys = {Language.FR: ["Date", "Période", "Début", "Fin"], Language.EN: ["Date", "Period", "Start", "End"]}
        assert header[:4] == keys[language]
        site_of = {r["site_name"]: r["site_id"] for r in rota}
        grid = {
            (iso(row[0]), kind[row[1]], site_of[label]): value
            for row in body
            for label, value in zip(header[4:], row[4:], strict=True)
            if value
        }
        assert grid == {(r["date"], r["period"], r["site_id"]): r[column] for r in rota}
        assert len({(row[0], row[1]) for row in body}) == len(body)  # one row per date and period
        times = {(r["date"], r["period"]): (r["start"][11:], r["end"][11:]) for r in rota}
        assert all((row[2], row[3]) == times[(iso(row[0]), kind[row[1]])] for row in body)


def test_grid_rows_are_in_time_order_with_day_periods_before_nights(tiny_run):
    grid = grid_frame(tiny_run)
    first_days = grid[grid["Date"] == dt.date(2027, 1, 2)]
    assert list(first_days["Période"]) == ["samedi après-midi", "nuit"]
    assert list(grid["Date"]) == sorted(grid["Date"])
    english = grid_frame(tiny_run, language=Language.EN)
    assert list(english[english["Date"] == dt.date(2027, 1, 2)]["Period"]) == ["Saturday afternoon", "night"]


def test_a_site_named_like_a_grid_heading_keeps_its_id():
    """A site column headed "Fin" would read back as the period's end: its id tells it apart."""
    rota = pd.DataFrame({"site_id": ["f", "m"], "site_name": ["Fin", "Période"]})
    assert list(site_labels(rota).values()) == ["Fin (f)", "Période (m)"]


def test_site_columns_are_sorted_as_a_french_reader_expects():
    rota = pd.DataFrame(
        {
            "site_id": ["v", "e", "b", "x"],
            "site_name": ["CH Verdun", "CH Épinal", "CH Bar-le-Duc", "CH Bar-le-Duc"],
        }
    )
    assert list(site_labels(rota).values()) == ["CH Bar-le-Duc (b)", "CH Bar-le-Duc (x)", "CH Épinal", "CH Verdun"]


def test_semicolon_separator_and_decimal_comma_for_french_excel(tiny_run):
    files = render_csv(tiny_run, separator=";")
    header, first, *_ = read_csv(files[LONG_CSV], separator=";")
    assert header[:4] == ["Date", "Période", "Identifiant du site", "Identifiant du radiologue"]
    exams = first[header.index("Examens attendus")]
    assert "," in exams and float(exams.replace(",", ".")) == float(rota_rows(tiny_run)[0]["expected_exams"])
    grid_header, *_ = read_csv(files[GRID_CSV], separator=";")
    assert "CHRU de Nancy (test)" in grid_header
    with pytest.raises(ValueError, match="separator"):
        render_csv(tiny_run, separator="|")


def test_formula_names_come_out_inert_in_csv(hostile_run):
    files = render_csv(hostile_run)
    header, *body = read_csv(files[GRID_CSV])
    assert "'@CH Verdun" in header
    cells = [value for row in body for value in row]
    assert '\'=HYPERLINK("x")' in cells and "'+33 Dr C" in cells
    long_header, *long_body = read_csv(files[LONG_CSV])
    names = {row[long_header.index("Radiologue")] for row in long_body}
    assert '\'=HYPERLINK("x")' in names and "'+33 Dr C" in names
    for table in ([header, *body], [long_header, *long_body]):
        for value in (v for row in table for v in row):
            assert not value.startswith(TRIGGERS), value


def test_negative_numbers_are_not_neutralised(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    rota = pd.read_csv(run / "rota.csv", dtype=str, keep_default_na=False)
    rota.loc[0, "expected_exams"] = "-1.5"
    rota.to_csv(run / "rota.csv", index=False)
    header, first, *_ = read_csv(render_csv(run)[LONG_CSV])
    assert first[header.index("Examens attendus")] == "-1.5"


def test_existing_files_are_kept_and_nothing_is_written_without_force(tiny_run, tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    (out / GRID_CSV).write_text("earlier work")
    with pytest.raises(OutputExistsError, match="already exists"):
        export_run(tiny_run, out, ["csv"])
    assert (out / GRID_CSV).read_text() == "earlier work"
    assert not (out / LONG_CSV).exists()
    written = export_run(tiny_run, out, ["csv"], force=True)
    assert sorted(p.name for p in written) == [GRID_CSV, LONG_CSV]
    assert (out / GRID_CSV).read_bytes() == render_csv(tiny_run)[GRID_CSV]
    assert sorted(p.name for p in out.iterdir()) == [GRID_CSV, LONG_CSV]  # no temporary file left


def test_a_run_folder_missing_columns_or_with_bad_dates_is_bad_input(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    rota = pd.read_csv(run / "rota.csv", dtype=str, keep_default_na=False)
    rota.drop(columns=["site_name"]).to_csv(run / "rota.csv", index=False)
    with pytest.raises(InputError, match="column 'site_name' is missing"):
        export_run(run, tmp_path / "out", ["csv"])
    rota.loc[2, "date"] = "04/01/2027"
    rota.to_csv(run / "rota.csv", index=False)
    with pytest.raises(InputError) as caught:
        export_run(run, tmp_path / "out", ["xlsx"])
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "date")]
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match="is not a run folder"):
        export_run(tmp_path / "nowhere", tmp_path / "out", ["csv"])


def imported_modules(module: str) -> set[str]:
    tree = ast.parse((Path(__file__).parents[2] / Path(*module.split("."))).with_suffix(".py").read_text())
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }


def test_no_export_module_imports_the_exports_back():
    """exports.py chains xlsx.py and calendar_ics.py, which build on rota_tables.py: no import circle."""
    assert {"pds_plan.outputs.xlsx", "pds_plan.outputs.calendar_ics"} <= imported_modules("pds_plan.outputs.exports")
    for module in ("pds_plan.outputs.xlsx", "pds_plan.outputs.calendar_ics", "pds_plan.outputs.rota_tables"):
        assert "pds_plan.outputs.exports" not in imported_modules(module), module
