import csv
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from pds_plan.cli.app import app

runner = CliRunner()


def test_validate_prints_the_summary_of_the_tiny_scenario(tiny_path):
    result = runner.invoke(app, ["validate", str(tiny_path)])
    assert result.exit_code == 0, result.output
    assert "tiny" in result.output and "PDS periods: 57" in result.output
    assert "Sites by département" in result.output


@pytest.mark.parametrize("command", ["run", "validate", "calendar"])
def test_every_command_explains_itself_with_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "pds-plan" in result.output and "Example" in result.output


def test_calendar_csv_is_written_once_and_not_overwritten_without_force(tiny_path, tmp_path):
    target = tmp_path / "calendar.csv"
    first = runner.invoke(app, ["calendar", str(tiny_path), "--site", "metz", "--csv", str(target)])
    assert first.exit_code == 0, first.output
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 19 and {r["site_id"] for r in rows} == {"metz"}
    assert rows[0] == {
        "date": "2027-01-01",
        "period": "sunday_holiday",
        "site_id": "metz",
        "start": "2027-01-01T08:30",
        "end": "2027-01-01T18:30",
        "utc_offset_start": "+0100",
        "hours": "10.0",
        "holiday": "Jour de l'an",
    }
    target.write_text("precious")
    again = runner.invoke(app, ["calendar", str(tiny_path), "--csv", str(target)])
    assert again.exit_code == 2
    assert "already exists" in again.output and target.read_text() == "precious"
    forced = runner.invoke(app, ["calendar", str(tiny_path), "--csv", str(target), "--force"])
    assert forced.exit_code == 0 and target.read_text() != "precious"


def test_unknown_site_option_is_a_clean_error(tiny_path):
    result = runner.invoke(app, ["calendar", str(tiny_path), "--site", "nowhere"])
    assert result.exit_code == 2
    assert "'nowhere' is not a PDS site" in result.output


def test_python_dash_m_runs_the_same_command_line(tiny_path):
    done = subprocess.run(
        [sys.executable, "-m", "pds_plan", "validate", str(tiny_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
