"""pds-plan analyse: shows a run's analysis; with new settings and --force, replaces it and nothing else."""

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


def key_figures(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))["key_figures"]


def test_analyse_shows_the_run_and_changes_nothing(run):
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    result = runner.invoke(app, ["analyse", str(run)])
    assert result.exit_code == 0, result.output
    figures = key_figures(run)
    # The panel shows the run's own key figures, rounded once.
    assert f"{figures['fairness_max_over_min']:.2f}" in result.output
    assert f"{figures['cost_total_eur']:,.0f} € pooled" in result.output
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before


def test_new_settings_need_force_and_replace_only_the_analysis(run):
    (run / "exports").mkdir()
    (run / "exports" / "rota.xlsx").write_bytes(b"kept")
    rota = (run / "rota.csv").read_bytes()
    refused = analyse(run, "--sla-minutes", "20")
    assert refused.exit_code == 2 and "--force" in refused.output
    assert key_figures(run)["sla_minutes"] == 30
    worst_at_30 = key_figures(run)["worst_site_sla_share"]

    result = analyse(run, "--sla-minutes", "20", "--force")
    assert result.exit_code == 0, result.output
    figures = key_figures(run)
    assert figures["sla_minutes"] == 20
    assert json.loads((run / "analysis.json").read_text())["sla"] == {
        "target_minutes": 20.0, "target_share": 0.95, "replications": 20, "seed": 0
    }  # fmt: skip
    # A tighter target can only lower each site's simulated share: judged at 20 minutes, the worst site does worse.
    sites = {r["site_id"]: float(r["sla_share_within_target"]) for r in rows(run / "workload_sites.csv")}
    assert min(sites.values()) == pytest.approx(figures["worst_site_sla_share"])
    assert figures["worst_site_sla_share"] < worst_at_30
    notes = json.loads((run / "summary.json").read_text())["run"]["notes"]
    assert any("analysed at 20 min" in note for note in notes)
    assert (run / "rota.csv").read_bytes() == rota
    assert (run / "exports" / "rota.xlsx").read_bytes() == b"kept"  # the exports show the rota: left in place


def test_a_run_whose_scenario_is_gone_says_how_to_give_it(solved, tmp_path):
    folder = tmp_path / "deeper" / "run"
    shutil.copytree(solved, folder)  # one folder deeper: the relative scenario path leads nowhere
    result = runner.invoke(app, ["analyse", str(folder)])
    assert result.exit_code == 2
    assert "manifest.json" in result.output and "--scenario" in result.output
    given = runner.invoke(app, ["analyse", str(folder), "--scenario", str(TINY), "--force"])
    assert given.exit_code == 0, given.output
