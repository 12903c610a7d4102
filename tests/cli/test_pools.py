"""pds-plan pools design: writes pools.csv that solve reads, a summary, and refuses to overwrite."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from pds_plan import load_scenario
from pds_plan.cli.app import app

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
runner = CliRunner()


def design(*args):
    return runner.invoke(app, ["pools", "design", *map(str, args)])


def test_design_writes_pools_that_the_scenario_loader_and_solve_accept(tmp_path):
    out = tmp_path / "pools"
    result = design(TINY / "scenario.toml", "--out", out, "--sla-target", "0.8")
    assert result.exit_code == 0, result.output
    assert "2 radiologists on call at once for 3 PDS sites" in result.output
    assert "Nancy" in result.output and "no possible partner" in result.output
    with (out / "pools.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert rows == [
        {"pool_id": "P01", "site_id": "metz"},
        {"pool_id": "P01", "site_id": "verdun"},
        {"pool_id": "P02", "site_id": "nancy"},
    ]
    summary = list(csv.DictReader((out / "pools_summary.csv").open(encoding="utf-8")))
    assert [row["site_ids"] for row in summary] == ["metz;verdun", "nancy"]
    metadata = json.loads((out / "pools_design.json").read_text(encoding="utf-8"))
    assert metadata["settings"]["sla_target"] == 0.8 and metadata["radiologists_on_call_at_once"] == 2

    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    scenario = folder / "scenario.toml"
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(text.replace("[data]\n", f'[data]\npools = "{(out / "pools.csv").as_posix()}"\n'))
    assert {m.pool_id for m in load_scenario(scenario).pools} == {"P01", "P02"}
    solved = runner.invoke(
        app, ["solve", str(scenario), "--out", str(tmp_path / "run"), "--quiet", "--time-limit", "5"]
    )
    assert solved.exit_code == 0, solved.output
    assert "rule check: no violation" in solved.output


def test_design_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "pools"
    assert design(TINY / "scenario.toml", "--out", out, "--sla-target", "0.8").exit_code == 0
    before = (out / "pools.csv").read_bytes()
    again = design(TINY / "scenario.toml", "--out", out, "--sla-target", "0.5")
    assert again.exit_code == 2 and "already exists" in again.output
    assert (out / "pools.csv").read_bytes() == before
    assert design(TINY / "scenario.toml", "--out", out, "--sla-target", "0.5", "--force").exit_code == 0
    assert (out / "pools.csv").read_bytes() != before


def test_an_unstaffable_design_is_one_line_with_exit_2(tmp_path):
    result = design(TINY / "scenario.toml", "--out", tmp_path / "pools")
    assert result.exit_code == 2
    assert "no choice of pools can be staffed" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "pools").exists()
