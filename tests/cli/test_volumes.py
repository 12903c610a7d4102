"""pds-plan volumes fit: writes volumes.csv and profile.toml that a scenario loads, summarises the fit, refuses to
overwrite, and reports bad input as located one-line errors with exit code 2."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pds_plan import load_scenario
from pds_plan.analysis.profile import default_profile, scenario_profile
from pds_plan.cli.volumes import volumes_app
from pds_plan.domain.model import PdsHours, PeriodKind

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"

# app.py is another developer's: the sub-app is mounted here as it will be there.
app = typer.Typer(pretty_exceptions_enable=False, add_completion=False, rich_markup_mode=None)
app.add_typer(volumes_app, name="volumes")
runner = CliRunner()

# Every day of January 2027, at each of the three PDS sites of tests/fixtures/tiny, the same exams at the same
# clock times, so that every answer is exact. With the default hours:
# - each whole night (of 1 to 30 January) gets CT at 20:15 and 23:40, XR at 21:10, and CT at 03:10 the next
#   morning: 3 CT and 1 XR a night, in slots 1, 5, 2 and 8;
# - 10:00 is daytime on working days and Saturdays, and in the Sunday/holiday period on Sundays and 1 January;
#   15:00 is daytime on working days, in the Saturday afternoon on Saturdays, in the Sunday/holiday period else.
DAILY = (("03:10", "CT"), ("10:00", "XR"), ("15:00", "CT"), ("20:15", "CT"), ("21:10", "XR"), ("23:40", "CT"))
SITES = ("nancy", "metz", "verdun")


def january_log(folder: Path, french: bool = True) -> Path:
    lines = ["Site_ID;Modalité;Modality;Timestamp"]
    for day in range(1, 32):
        date = dt.date(2027, 1, day)
        for site in SITES:
            for clock, modality in DAILY:
                stamp = f"{date:%d/%m/%Y} {clock}" if french else f"{date.isoformat()}T{clock}:00"
                lines.append(f"{site};libellé;{modality};{stamp}")
    path = folder / "exams.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def fit(*args: object):
    return runner.invoke(app, ["volumes", "fit", *map(str, args)])


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_fit_writes_volumes_and_profile_and_summarises_what_it_counted(tmp_path):
    log = january_log(tmp_path)
    result = fit(log, "--sites", TINY / "sites.csv", "--out", "fitted")
    assert result.exit_code == 0, result.output
    volumes = {(r["site_id"], r["modality"], r["period"]): r for r in rows(tmp_path / "fitted" / "volumes.csv")}
    assert list(next(iter(volumes.values()))) == [
        "site_id", "modality", "period", "mean_exams", "exams", "periods", "std_error",
    ]  # fmt: skip
    for site in SITES:
        assert volumes[(site, "CT", "night")] | {"std_error": "0.0"} == {
            "site_id": site, "modality": "CT", "period": "night", "mean_exams": "3.0", "exams": "90", "periods": "30",
            "std_error": "0.0",
        }  # fmt: skip
        assert float(volumes[(site, "XR", "night")]["mean_exams"]) == 1
        assert (volumes[(site, "CT", "saturday")]["mean_exams"], volumes[(site, "CT", "saturday")]["periods"]) == (
            "1.0",
            "5",
        )
        assert float(volumes[(site, "XR", "saturday")]["mean_exams"]) == 0
        assert (
            volumes[(site, "XR", "sunday_holiday")]["mean_exams"],
            volumes[(site, "XR", "sunday_holiday")]["periods"],
        ) == ("1.0", "6")
    # nancy lists MRI and US: their lines are there, with 0; verdun does not.
    assert volumes[("nancy", "MRI", "night")]["mean_exams"] == "0.0"
    assert ("verdun", "MRI", "night") not in volumes
    assert len(volumes) == 3 * (4 + 2 + 2)

    profile = tomllib.loads((tmp_path / "fitted" / "profile.toml").read_text(encoding="utf-8"))["profile"]
    assert profile == {"night": [0, 0.25, 0.25, 0, 0, 0.25, 0, 0, 0.25, 0, 0, 0, 0, 0]}

    output = " ".join(result.output.split())
    assert "exams read 558" in output
    assert "exams in PDS time, counted 411" in output
    assert "daytime exams, ignored 135" in output
    assert "exams in the 2 nights the log covers in part, ignored 12" in output
    assert "PDS sites fitted 3 of 3" in output
    assert (
        "PDS periods counted, all sites 123 nights 90 Saturday afternoons 15 Sundays and public holidays 18" in output
    )
    assert "nancy 137 4.00 (30) 1.00 (5) 2.00 (6)" in output
    assert "set volumes = its path, relative to the scenario file, in the [data] table" in output
    assert "copy that table into the scenario file" in output
    assert "saturday: only 15 exam(s), fewer than the 120 needed" in output


def test_the_fitted_files_load_into_a_scenario(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    result = fit(january_log(tmp_path), "--sites", folder / "sites.csv", "--out", folder / "fitted")
    assert result.exit_code == 0, result.output
    scenario_file = folder / "scenario.toml"
    text = scenario_file.read_text(encoding="utf-8").replace(
        'volumes = "volumes.csv"', 'volumes = "fitted/volumes.csv"'
    )
    scenario_file.write_text(text + "\n" + (folder / "fitted" / "profile.toml").read_text(encoding="utf-8"))

    scenario = load_scenario(scenario_file)
    means = {(v.site_id, v.modality, v.period): v.mean_exams for v in scenario.volumes}
    assert means[("metz", "CT", PeriodKind.NIGHT)] == 3.0 and means[("verdun", "CT", PeriodKind.SUNDAY_HOLIDAY)] == 1.0
    assert not [w for w in scenario.warnings if "volumes" in w.file]
    profile = scenario_profile(scenario)
    assert profile is not None
    assert profile.of(PeriodKind.NIGHT) == pytest.approx((0, 0.25, 0.25, 0, 0, 0.25, 0, 0, 0.25, 0, 0, 0, 0, 0))
    assert profile.of(PeriodKind.SATURDAY) == pytest.approx(default_profile().of(PeriodKind.SATURDAY))


def test_with_a_scenario_the_sites_and_pds_hours_are_the_scenario_s(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    scenario_file = folder / "scenario.toml"
    hours = '[hours]\nnight = ["19:00", "08:00"]\n'
    scenario_file.write_text(scenario_file.read_text(encoding="utf-8") + "\n" + hours, encoding="utf-8")
    result = fit(january_log(tmp_path, french=False), "--scenario", scenario_file, "--out", "fitted")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert 'set volumes = "../fitted/volumes.csv" in the [data] table of tiny/scenario.toml' in output
    text = (tmp_path / "fitted" / "profile.toml").read_text(encoding="utf-8")
    assert "night 19:00-08:00" in text
    # A 13-hour night from 19:00: 20:15 is in slot 1, 21:10 in slot 2, 23:40 in slot 4, 03:10 in slot 8.
    night = tomllib.loads(text)["profile"]["night"]
    assert night == [0, 0.25, 0.25, 0, 0.25, 0, 0, 0, 0.25, 0, 0, 0, 0]
    assert scenario_profile(load_scenario(scenario_file)) is None  # the file is not read until copied in
    custom = PdsHours(night=(dt.time(19), dt.time(8)))
    assert len(night) == 13 == len(default_profile(custom).night)


def test_an_explicit_span_and_periods_cut_by_it(tmp_path):
    result = fit(january_log(tmp_path), "--sites", TINY / "sites.csv", "--out", "week", "--start", "04/01/2027",
                 "--end", "2027-01-10")  # fmt: skip
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "2027-01-04 to 2027-01-10 (7 days)" in output
    assert "nancy" in output and "4.00 (6) 1.00 (1) 2.00 (1)" in output
    assert "exams outside the span, ignored" in output


def test_existing_files_are_not_overwritten_without_force(tmp_path):
    log = january_log(tmp_path)
    assert fit(log, "--sites", TINY / "sites.csv", "--out", "fitted").exit_code == 0
    (tmp_path / "fitted" / "profile.toml").write_text("# edited by hand\n")
    again = fit(log, "--sites", TINY / "sites.csv", "--out", "fitted")
    assert again.exit_code == 2
    assert "fitted/volumes.csv already exists: choose another name or pass --force" in again.output
    assert (tmp_path / "fitted" / "profile.toml").read_text() == "# edited by hand\n"
    forced = fit(log, "--sites", TINY / "sites.csv", "--out", "fitted", "--force")
    assert forced.exit_code == 0, forced.output
    assert "[profile]" in (tmp_path / "fitted" / "profile.toml").read_text()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "error: --sites: give the sites either as --sites SITES.csv or as --scenario SCENARIO.toml (one)"),
        (["--sites", TINY / "sites.csv", "--scenario", TINY / "scenario.toml"], "either as --sites"),
        (["--sites", TINY / "sites.csv", "--start", "hier"], "error: --start: 'hier' is not a date"),
        (
            ["--sites", TINY / "sites.csv", "--start", "2027-01-10", "--end", "2027-01-04"],
            "error: --end: 2027-01-04 is before",
        ),
    ],
)
def test_bad_options_exit_2_with_a_message(tmp_path, arguments, message):
    result = fit(january_log(tmp_path), "--out", "fitted", *arguments)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "fitted").exists()


def test_every_problem_of_a_bad_log_is_reported_at_once_and_nothing_is_written(tmp_path):
    (tmp_path / "exams.csv").write_text(
        "site_id,modality,timestamp\n"
        "nancy,CT,2027-01-09T14:30\n"
        "nancy,CT,09/01/2027 25:10\n"
        "toul,CT,2027-01-09T14:31\n"
        "metz,PET,2027-01-09T14:32\n"
    )
    sites = tmp_path / "sites.csv"
    shutil.copy(TINY / "sites.csv", sites)
    result = fit("exams.csv", "--sites", "sites.csv", "--out", "fitted")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: exams.csv:3: column 'timestamp': '09/01/2027 25:10' is not a date and time (expected "
        "YYYY-MM-DDTHH:MM[:SS] with or without a UTC offset such as +01:00, or DD/MM/YYYY HH:MM[:SS])",
        "error: exams.csv:4: column 'site_id': unknown site 'toul' (not in sites.csv)",
        "error: exams.csv:5: column 'modality': 'PET' is not one of CT, MRI, XR, US (or the DICOM codes MR, CR, DX)",
        "3 problem(s) found; nothing was written.",
    ]
    assert not (tmp_path / "fitted").exists()


def test_a_bad_log_from_the_real_command_line_exits_2_without_a_traceback(tmp_path):
    """In a process of its own, as a user runs it: the error lines and exit code, no traceback."""
    (tmp_path / "exams.csv").write_text("site_id;modalite;timestamp\nnancy;CT;2027-01-09T14:30\n")
    (tmp_path / "sites.csv").write_text(
        (TINY / "sites.csv")
        .read_text()
        .replace("metz,CHR Metz (test),CHR,57,49.083", "metz,CHR Metz (test),CHR,57,nord")
    )
    script = textwrap.dedent(
        """
        import typer
        from pds_plan.cli.volumes import volumes_app
        app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
        app.add_typer(volumes_app, name="volumes")
        app()
        """
    )
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", script, "volumes", "fit", "exams.csv", "--sites", "sites.csv", "--out", "fitted"],
        cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert done.stderr.splitlines() == [
        "error: sites.csv:3: column 'lat': 'nord' is not a number",
        "error: exams.csv:1: missing column(s) 'modality'; expected columns: site_id, modality, timestamp",
        "2 problem(s) found; nothing was written.",
    ]
    assert not (tmp_path / "fitted").exists()


def test_help_explains_with_examples():
    result = runner.invoke(app, ["volumes", "fit", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "pds-plan volumes fit" in result.output
