"""pds-plan analyse: writes the workload and cost report into a run folder, refuses to overwrite it."""

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pds_plan import load_scenario
from pds_plan.cli.app import app
from pds_plan.domain.run import RunSettings
from pds_plan.io.run_store import write_run
from pds_plan.runs.pipeline import plan

TINY = Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """A run folder of the tiny scenario (greedy rota: quick, and complete on this fixture)."""
    out = tmp_path_factory.mktemp("runs") / "tiny"
    write_run(plan(load_scenario(TINY), RunSettings(method="greedy", design_pools=False)), out)
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


def test_analyse_needs_a_run_folder(tmp_path):
    result = analyse(tmp_path / "nothing")
    assert result.exit_code == 2
    assert "is not a run folder" in result.output
