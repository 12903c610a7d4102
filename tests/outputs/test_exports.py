import ast
import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

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


def test_long_csv_holds_every_row_and_column_of_rota_csv(tiny_run):
    rows = read_csv(render_csv(tiny_run)[LONG_CSV])
    with (tiny_run / "rota.csv").open(encoding="utf-8", newline="") as stream:
        assert rows == list(csv.reader(stream))


def test_grid_csv_matches_rota_csv_cell_by_cell(tiny_run):
    rota = rota_rows(tiny_run)
    for cell, column in (("name", "radiologist_name"), ("id", "radiologist_id")):
        header, *body = read_csv(render_csv(tiny_run, cell=cell)[GRID_CSV])
        assert header[:4] == ["date", "period", "start", "end"]
        site_of = {r["site_name"]: r["site_id"] for r in rota}
        grid = {
            (row[0], row[1], site_of[label]): value
            for row in body
            for label, value in zip(header[4:], row[4:], strict=True)
            if value
        }
        assert grid == {(r["date"], r["period"], r["site_id"]): r[column] for r in rota}
        assert len({(row[0], row[1]) for row in body}) == len(body)  # one row per date and period
        times = {(r["date"], r["period"]): (r["start"][11:], r["end"][11:]) for r in rota}
        assert all((row[2], row[3]) == times[(row[0], row[1])] for row in body)


def test_grid_rows_are_in_time_order_with_day_periods_before_nights(tiny_run):
    grid = grid_frame(tiny_run)
    first_days = grid[grid["date"] == "2027-01-02"]
    assert list(first_days["period"]) == ["saturday", "night"]
    assert list(grid["date"]) == sorted(grid["date"])


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
    assert header[:4] == ["date", "period", "site_id", "radiologist_id"]
    exams = first[header.index("expected_exams")]
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
    names = {row[long_header.index("radiologist_name")] for row in long_body}
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
    assert first[header.index("expected_exams")] == "-1.5"


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
