"""pds-plan analyse: writes the workload and cost report into a run folder, refuses to overwrite it."""

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pds_plan import load_scenario
from pds_plan.cli.app import app
from pds_plan.outputs.run_folder import write_run
from pds_plan.outputs.workload_report import REPORT_FILES
from pds_plan.runs import solve

TINY = Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """A run folder of the tiny scenario (greedy rota: quick, and complete on this fixture)."""
    out = tmp_path_factory.mktemp("runs") / "tiny"
    write_run(solve(load_scenario(TINY), method="greedy"), out)
    return out


@pytest.fixture
def run(solved, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(solved, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    # The copy is one folder deeper than where it was written: point it at the scenario again, as a user would.
    manifest["scenario_file"] = str(TINY.resolve())
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def analyse(*args):
    return runner.invoke(app, ["analyse", *map(str, args), "--replications", "20"])


def rows(path):
    with path.open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_analyse_writes_the_report_into_the_run_folder(run):
    result = analyse(run)
    assert result.exit_code == 0, result.output
    assert all((run / name).is_file() for name in REPORT_FILES)
    sites = {row["site_id"]: row for row in rows(run / "workload_sites.csv")}
    assert {s: float(row["expected_exams"]) for s, row in sites.items()} == {"nancy": 253, "metz": 124, "verdun": 51}
    assert list(sites["nancy"]) == [
        "site_id", "pds_periods", "expected_exams", "expected_reading_hours", "sla_share_within_target",
        "share_read_by_own_staff", "uncovered_periods",
    ]  # fmt: skip
    radiologists = rows(run / "workload_radiologists.csv")
    assert {r["radiologist_id"] for r in radiologists} == {"R1", "R2", "R3", "R4", "R5"}
    assert sum(float(r["expected_exams"]) for r in radiologists) == pytest.approx(253 + 124 + 51)
    periods = rows(run / "workload_periods.csv")
    assert sum(len(p["sites"].split(";")) for p in periods) == 57  # every site period, grouped by duty
    assert {"date", "period", "pool_id", "radiologist_id", "sites", "expected_exams", "peak_utilisation",
            "sla_share"} == set(periods[0])  # fmt: skip
    lost = rows(run / "daytime_days_lost.csv")
    assert {r["home_site"] for r in lost} == {"nancy", "metz", "verdun"}
    assert sum(int(r["days_lost"]) for r in lost) == sum(int(r["daytime_days_lost"]) for r in radiologists)
    costs = rows(run / "costs.csv")
    assert [r["scope"] for r in costs].count("region") == 1
    region = next(r for r in costs if r["scope"] == "region")
    site_total = sum(float(r["total"]) for r in costs if r["scope"] == "site")
    assert site_total == pytest.approx(float(region["total"]), abs=0.05)
    metadata = json.loads((run / "analysis.json").read_text())
    assert metadata["costs"]["allowance_night"]["placeholder"] is True
    assert metadata["sla"] == {"target_minutes": 30.0, "replications": 20, "seed": 0}
    assert "Workload and cost" in result.output and "PLACEHOLDER" in result.output


def test_analyse_refuses_to_overwrite_its_files_without_force(run):
    assert analyse(run).exit_code == 0
    (run / "costs.csv").write_text("earlier work\n")
    refused = analyse(run)
    assert refused.exit_code == 2
    assert "--force" in refused.output and "costs.csv" in refused.output
    assert (run / "costs.csv").read_text() == "earlier work\n"
    forced = analyse(run, "--force")
    assert forced.exit_code == 0, forced.output
    assert (run / "costs.csv").read_text().startswith("scope,id,")
    assert (run / "rota.csv").is_file()  # the run itself is untouched


def test_analyse_without_a_usable_scenario_says_how_to_give_one(run, tmp_path):
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["scenario_file"] = "../moved-away.toml"
    (run / "manifest.json").write_text(json.dumps(manifest))
    result = analyse(run)
    assert result.exit_code == 2
    assert "moved-away.toml" in result.output and "--scenario" in result.output
    assert not (run / "workload_sites.csv").exists()
    given = analyse(run, "--scenario", TINY)
    assert given.exit_code == 0, given.output


def test_analyse_reports_bad_costs_with_file_and_key(run, tmp_path):
    folder = tmp_path / "scenario"
    shutil.copytree(TINY.parent, folder)
    scenario = folder / "scenario.toml"
    text = scenario.read_text()
    scenario.write_text(text + "\n[costs]\nfee_per_remote_exam = -1\n")
    key_row = len(text.splitlines()) + 3  # after the scenario's last line, a blank line and the [costs] header
    result = analyse(run, "--scenario", scenario)
    assert result.exit_code == 2
    assert f"scenario.toml:{key_row}: [costs] fee_per_remote_exam: -1 is not an amount in euros" in result.output
    assert "differs from the scenario file the run was made from" in result.output
    assert not (run / "costs.csv").exists()


def test_analyse_needs_a_run_folder(tmp_path):
    result = analyse(tmp_path / "nothing")
    assert result.exit_code == 2
    assert "is not a run folder" in result.output
