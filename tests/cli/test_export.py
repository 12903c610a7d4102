import csv
import io
import shutil
from pathlib import Path

import icalendar
import openpyxl
import pytest
from typer.testing import CliRunner

from pds_plan.cli.app import app

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, greedy_run) -> Path:
    return greedy_run(TINY, tmp_path_factory.mktemp("tiny") / "run")


def export(*args: str):
    return runner.invoke(app, ["export", *args])


def test_csv_export_with_semicolons_for_french_excel(tiny_run, tmp_path):
    result = export(str(tiny_run), "--format", "csv", "--separator", ";", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "rota_long.csv" in result.output and "rota_grid.csv" in result.output
    text = (tmp_path / "rota_grid.csv").read_bytes().decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:4] == ["Date", "Période", "Début", "Fin"] and "CHR Metz (test)" in header


def test_english_on_request(tiny_run, tmp_path):
    result = export(str(tiny_run), "--format", "all", "--lang", "EN", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(tmp_path / "rota.xlsx").sheetnames == ["Summary", "January 2027", "Rota"]
    text = (tmp_path / "rota_grid.csv").read_bytes().decode("utf-8-sig")
    header, first = list(csv.reader(io.StringIO(text)))[:2]
    assert header[:4] == ["Date", "Period", "Start", "End"] and first[1] == "Sunday or holiday"


def test_xlsx_and_ics_exports(tiny_run, tmp_path):
    result = export(str(tiny_run), "--format", "xlsx", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(tmp_path / "rota.xlsx").sheetnames == ["Synthèse", "janvier 2027", "Planning"]
    result = export(str(tiny_run), "--format", "ics", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "5 calendar(s)" in result.output
    calendars = sorted((tmp_path / "calendars").glob("*.ics"))
    assert [p.name for p in calendars] == [f"R{i}.ics" for i in range(1, 6)]
    assert all(icalendar.Calendar.from_ical(p.read_bytes()).walk("VEVENT") for p in calendars)


def test_all_formats_go_to_the_run_folder_by_default(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    result = export(str(run), "--format", "all", "--cells", "id")
    assert result.exit_code == 0, result.output
    assert {p.name for p in (run / "exports").iterdir()} == {"rota_long.csv", "rota_grid.csv", "rota.xlsx", "calendars"}
    assert "R1" in (run / "exports" / "rota_grid.csv").read_text(encoding="utf-8-sig")


def test_existing_files_are_kept_without_force(tiny_run, tmp_path):
    (tmp_path / "rota.xlsx").write_bytes(b"earlier work")
    result = export(str(tiny_run), "--format", "xlsx", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert (tmp_path / "rota.xlsx").read_bytes() == b"earlier work"
    forced = export(str(tiny_run), "--format", "xlsx", "--out", str(tmp_path), "--force")
    assert forced.exit_code == 0, forced.output
    assert openpyxl.load_workbook(tmp_path / "rota.xlsx").sheetnames[0] == "Synthèse"


def test_a_bad_run_folder_is_a_clear_error(tiny_run, tmp_path):
    missing = export(str(tmp_path / "nowhere"), "--format", "csv", "--out", str(tmp_path / "out"))
    assert missing.exit_code == 2
    assert "is not a run folder" in missing.output and "Traceback" not in missing.output
    incomplete = tmp_path / "incomplete"
    incomplete.mkdir()
    (incomplete / "rota.csv").write_bytes((tiny_run / "rota.csv").read_bytes())
    result = export(str(incomplete), "--format", "ics", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "rota_by_radiologist.csv: missing from the run folder" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "value"), [("--format", "pdf"), ("--separator", "|"), ("--cells", "initials"), ("--lang", "de")]
)
def test_bad_options_are_usage_errors(tiny_run, tmp_path, option, value):
    args = {"--format": "csv", "--out": str(tmp_path / "out"), option: value}
    result = export(str(tiny_run), *[part for item in args.items() for part in item])
    assert result.exit_code == 2
    assert option in result.output
    assert not (tmp_path / "out").exists()


def test_help_shows_examples():
    result = runner.invoke(app, ["export", "--help"])
    assert result.exit_code == 0
    assert "Examples" in result.output and "pds-plan export" in result.output
