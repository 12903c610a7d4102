"""Reading rotas back: the long CSV, the planner's grid and the workbook of `pds-plan export`, as planners edit
them in Excel, with every problem of a file located at once."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pds_plan import load_scenario
from pds_plan.domain.language import Language
from pds_plan.domain.model import PeriodKind
from pds_plan.errors import InputError
from pds_plan.io.rota import load_rota, parse_period
from pds_plan.io.run_store import run_scenario
from pds_plan.outputs.exports import render_csv
from pds_plan.outputs.xlsx import render_xlsx

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def run(tmp_path_factory, greedy_run) -> Path:
    return greedy_run(TINY, tmp_path_factory.mktemp("rota") / "run")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(TINY / "scenario.toml")


def problems(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in error.value.problems]


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("night", PeriodKind.NIGHT),
        ("Nuit", PeriodKind.NIGHT),
        ("SAMEDI", PeriodKind.SATURDAY),
        ("samedi après-midi", PeriodKind.SATURDAY),
        ("Dimanche/Férié", PeriodKind.SUNDAY_HOLIDAY),
        ("dimanche", PeriodKind.SUNDAY_HOLIDAY),
        ("ferie", PeriodKind.SUNDAY_HOLIDAY),
        ("Férié", PeriodKind.SUNDAY_HOLIDAY),
        ("sunday_holiday", PeriodKind.SUNDAY_HOLIDAY),
    ],
)
def test_period_names_in_english_or_french(written, kind):
    assert parse_period(written) is kind


def test_an_unknown_period_name_says_what_is_expected():
    with pytest.raises(ValueError, match="'lundi' is not a PDS period: expected night, saturday or sunday_holiday"):
        parse_period("lundi")


def test_the_run_folders_scenario_comes_from_its_manifest(run, scenario):
    assert run_scenario(run) == scenario


def test_a_manifest_without_its_scenario_is_named(run, tmp_path):
    copy = shutil.copytree(run, tmp_path / "run")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["scenario_file"] = "gone.toml"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError) as error:
        run_scenario(copy)
    assert problems(error) == [
        f"{copy / 'manifest.json'}: records scenario file 'gone.toml', which is not found: pass --scenario FILE"
    ]
    assert run_scenario(copy, TINY / "scenario.toml").name == "tiny"


@pytest.mark.parametrize("language", list(Language))
def test_the_grid_and_the_workbook_read_back_to_the_rotas_assignments(run, scenario, tmp_path, language):
    expected = sorted(load_rota(run / "rota.csv", scenario))
    assert len(expected) == 57
    for separator, cell in ((";", "name"), (",", "id")):
        files = {**render_csv(run, separator, cell, language), "rota.xlsx": render_xlsx(run, cell, language)}
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
            assert sorted(load_rota(tmp_path / name, scenario)) == expected, (separator, cell, name)


@pytest.mark.parametrize(("language", "month", "long_sheet"), [(Language.FR, "janvier 2027", "Planning"),
                                                                (Language.EN, "January 2027", "Rota")])  # fmt: skip
def test_a_workbook_without_its_rota_sheet_is_read_from_its_month_grids(run, scenario, tmp_path, language, month,
                                                                        long_sheet):  # fmt: skip
    (tmp_path / "rota.xlsx").write_bytes(render_xlsx(run, language=language))
    book = load_workbook(tmp_path / "rota.xlsx")
    assert month in book.sheetnames
    book.remove(book[long_sheet])
    book.save(tmp_path / "grids.xlsx")
    assert sorted(load_rota(tmp_path / "grids.xlsx", scenario)) == sorted(load_rota(run / "rota.csv", scenario))


def test_a_french_long_csv_missing_a_column_or_with_a_bad_cell_names_it_as_headed(run, scenario, tmp_path):
    path = tmp_path / "rota_long.csv"
    path.write_bytes(render_csv(run)["rota_long.csv"])
    rows = rows_of(path)
    rows[2][rows[0].index("Période")] = "lundi"
    with pytest.raises(InputError) as error:
        load_rota(write_rows(path, rows), scenario)
    assert problems(error) == [
        f"{path}:3: column 'Période': 'lundi' is not a PDS period: expected night, saturday or sunday_holiday "
        "(nuit, samedi, dimanche/férié)"
    ]
    column = rows[0].index("Identifiant du radiologue")
    write_rows(path, [row[:column] + row[column + 1 :] for row in rows])
    with pytest.raises(InputError) as error:
        load_rota(path, scenario)
    assert problems(error) == [
        f"{path}:1: missing column(s) 'radiologist_id'; expected columns: date, period, site_id, radiologist_id, "
        "site_name, radiologist_name"
    ]


def test_grid_problems_are_located_by_row_and_site_column(run, scenario, tmp_path):
    grid = tmp_path / "rota_grid.csv"
    grid.write_bytes(render_csv(run)["rota_grid.csv"])
    rows = rows_of(grid)
    rows[0][-1] = "CH Toul"  # a site the scenario does not have
    rows[3][4] = "Dr Z"  # nobody's name
    rows[5][1] = "lundi"
    write_rows(grid, rows)
    with pytest.raises(InputError) as error:
        load_rota(grid, scenario)
    assert problems(error) == [
        f"{grid}:1: column 'CH Toul': is not a site of the scenario: a grid column is headed by a site's name or id",
        f"{grid}:4: column '{rows[0][4]}': 'Dr Z' is neither the name nor the id of a radiologist of the scenario",
        f"{grid}:6: column 'Période': 'lundi' is not a PDS period: expected night, saturday or sunday_holiday "
        "(nuit, samedi, dimanche/férié)",
    ]


def test_workbook_problems_name_the_sheet(run, scenario, tmp_path):
    (tmp_path / "rota.xlsx").write_bytes(render_xlsx(run))
    book = load_workbook(tmp_path / "rota.xlsx")
    sheet = book["Planning"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("Identifiant du radiologue") + 1, value="R99")
    sheet.cell(row=5, column=header.index("Date") + 1, value="31/02/2027")
    book.save(tmp_path / "edited.xlsx")
    with pytest.raises(InputError) as error:
        load_rota(tmp_path / "edited.xlsx", scenario)
    where = f"{tmp_path / 'edited.xlsx'} (sheet Planning)"
    assert problems(error) == [
        f"{where}:3: column 'radiologist_id': unknown radiologist 'R99' (not in the scenario)",
        f"{where}:5: column 'date': '31/02/2027' is not a date (expected YYYY-MM-DD or DD/MM/YYYY)",
    ]


def test_a_workbook_with_no_rota_sheet_is_bad_input(scenario, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["anything", "else"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(InputError, match="no sheet holds a rota"):
        load_rota(tmp_path / "other.xlsx", scenario)


def test_every_problem_of_a_long_rota_at_once_and_a_short_row_once(run, scenario, tmp_path):
    rows = rows_of(run / "rota.csv")
    header = rows[0]
    rows[2][header.index("radiologist_name")] = "Dr Z"
    rows[4][header.index("site_name")] = "CH Toul"
    rows[6][header.index("period")] = "nuit"  # French names are fine
    rows[8][header.index("date")] = dt.date.fromisoformat(rows[8][0]).strftime("%d/%m/%Y")  # so are French dates
    holiday = next(row for row in rows if row[1] == "sunday_holiday")
    holiday[1] = "Dimanche/Férié"  # in Windows-1252 below, as French Excel saves it
    rows[-1] = rows[-1][:3]  # cut short: site_id, radiologist_id... missing
    path = write_rows(tmp_path / "rota.csv", rows, delimiter=";", encoding="cp1252")
    with pytest.raises(InputError) as error:
        load_rota(path, scenario)
    names = {r.radiologist_id: r.name for r in scenario.radiologists}
    sites = {s.site_id: s.name for s in scenario.sites}
    radiologist, site = rows[2][header.index("radiologist_id")], rows[4][header.index("site_id")]
    assert problems(error) == [
        f"{path}:3: column 'radiologist_name': 'Dr Z' is not the name of radiologist {radiologist}: expected "
        f"'{names[radiologist]}' (change radiologist_id together with the name)",
        f"{path}:5: column 'site_name': 'CH Toul' is not the name of site {site}: expected '{sites[site]}' (change "
        "site_id together with the name)",
        f"{path}:{len(rows)}: has 3 of the header's {len(header)} fields: the row is cut short (a file saved or "
        "copied incompletely?) or a separator is missing",
    ]


def test_names_may_differ_in_case_and_spacing(run, scenario, tmp_path):
    rows = rows_of(run / "rota.csv")
    column = rows[0].index("radiologist_name")
    for row in rows[1:]:
        row[column] = "  " + row[column].upper().replace(" ", "  ")
    assert sorted(load_rota(write_rows(tmp_path / "rota.csv", rows), scenario)) == sorted(
        load_rota(run / "rota.csv", scenario)
    )
