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
    # pools_summary.csv is for people: its notes are French by default (the terminal stays English).
    assert summary[1]["note"] == (
        "aucun partenaire possible : 2 paires avec ce site manqueraient l'objectif de délai de réponse"
    )
    metadata = json.loads((out / "pools_design.json").read_text(encoding="utf-8"))
    assert metadata["settings"]["sla_target"] == 0.8 and metadata["radiologists_on_call_at_once"] == 2
    # pools_design.json is for programs: its sentences stay English, its notes are structured.
    assert metadata["sites_alone"] == {"nancy": "no possible partner: 2 pairs with it missing the turnaround target"}
    assert metadata["notes"] == [
        {
            "pool_id": "P02",
            "site_ids": ["nancy"],
            "kind": "kept_alone",
            "partners": 0,
            "refused_pairs": [{"reason": "below_target", "pairs": 2}],
        }
    ]

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


def test_design_notes_in_english_with_lang_en(tmp_path):
    out = tmp_path / "pools"
    result = design(TINY / "scenario.toml", "--out", out, "--sla-target", "0.81", "--lang", "en")
    assert result.exit_code == 0, result.output
    summary = {row["site_ids"]: row for row in csv.DictReader((out / "pools_summary.csv").open(encoding="utf-8"))}
    assert summary["nancy"]["note"] == (
        "too busy for one reader even alone: 80.9% of night reports within 30 min, under the 81% target; needs a "
        "second reader or on-site cover"
    )
    assert summary["metz;verdun"]["note"] == ""
    french = design(TINY / "scenario.toml", "--out", tmp_path / "fr", "--sla-target", "0.81", "--lang", "FR")
    assert french.exit_code == 0, french.output
    assert "too busy for one reader even alone" in french.output  # the terminal, in English either way
    rows = list(csv.DictReader((tmp_path / "fr" / "pools_summary.csv").open(encoding="utf-8")))
    assert rows[1]["note"].startswith("trop chargé pour un seul lecteur, même seul : 80,9 % des comptes rendus")
    assert design(TINY / "scenario.toml", "--out", tmp_path / "de", "--lang", "de").exit_code == 2


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
