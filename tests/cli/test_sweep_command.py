"""pds-plan sweep: keys checked before anything runs; variants on a local Dask cluster; sweep.csv and the plot."""

import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from pds_plan.cli.app import app

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
runner = CliRunner()


def test_an_unknown_key_exits_2_listing_the_valid_ones(tmp_path):
    result = runner.invoke(app, ["sweep", str(TINY / "scenario.toml"), "--set", "rules.max_site=2", "--out",
                                 str(tmp_path / "sw")])  # fmt: skip
    assert result.exit_code == 2
    assert "unknown key 'rules.max_site'" in result.output and "rules.max_sites_per_radiologist" in result.output
    assert not (tmp_path / "sw").exists()


def test_a_sweep_writes_a_folder_per_variant_and_its_table(tmp_path):
    shutil.copytree(TINY, tmp_path / "tiny")
    out = tmp_path / "sw"
    args = ["sweep", str(tmp_path / "tiny" / "scenario.toml"), "--set", "rules.max_sites_per_radiologist=0,2,3",
            "--method", "greedy", "--workers", "1", "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out / "sweep.csv", keep_default_na=False)
    assert list(rows["rules.max_sites_per_radiologist"]) == [0, 2, 3]
    assert list(rows["status"]) == ["error", "GREEDY_COMPLETE", "GREEDY_COMPLETE"]
    assert sum(1 for p in out.iterdir() if p.is_dir()) == 2 and (out / "pareto.png").stat().st_size > 10_000
    assert rows["pareto"].astype(str).isin(["True", "False"]).all()
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "2 variant(s) already finished" in again.output
