"""The run store: a run written into its folder reads back into the same run, pools and rules included."""

import dataclasses
import json
from pathlib import Path

import pytest

from pds_plan import load_scenario
from pds_plan.domain.model import TurnaroundLimits
from pds_plan.domain.run import PoolsOrigin, RunSettings
from pds_plan.errors import InputError, OutputExistsError
from pds_plan.io.run_store import REQUIRED_FILES, folder_view, read_run, run_scenario, write_run
from pds_plan.runs.pipeline import plan

TINY = Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml"
# Tiny's sites are too busy for one reader at 95 %: at 80 % the design pools Metz and Verdun (tests/cli/test_solve.py).
DESIGNED = RunSettings(method="greedy", sla_target=0.8)


@pytest.fixture(scope="module")
def designed_run():
    return plan(load_scenario(TINY), DESIGNED)


def test_a_run_reads_back_equal_to_the_run_written(designed_run, tmp_path):
    assert designed_run.pools_origin is PoolsOrigin.DESIGNED and designed_run.scenario.pools
    folder = write_run(designed_run, tmp_path / "run")
    assert sorted(REQUIRED_FILES) == sorted(set(REQUIRED_FILES) & {p.name for p in folder.iterdir()})
    back = read_run(folder)
    assert back == designed_run
    assert back.scenario.pools == designed_run.scenario.pools
    assert back.figures == designed_run.figures
    assert back.design_table is not None and back.design == designed_run.design
    assert back.details is None  # the solver's own objects are not part of a folder


def test_equality_sees_a_changed_table(designed_run, tmp_path):
    back = read_run(write_run(designed_run, tmp_path / "run"))
    tables = dict(back.tables)
    sites = tables["workload_sites"].copy()
    sites.loc[0, "expected_exams"] += 1
    tables["workload_sites"] = sites
    assert dataclasses.replace(back, tables=tables) != designed_run


def test_pools_given_to_solve_stay_with_the_run(tmp_path):
    pools = tmp_path / "pools.csv"
    pools.write_text("pool_id,site_id\nP1,metz\nP1,verdun\n")
    scenario = load_scenario(TINY, {"pools": pools})
    run = plan(scenario, RunSettings(method="greedy", design_pools=False, replications=50))
    folder = write_run(run, tmp_path / "run")
    # The scenario file has no pools: the run's own pools.csv says what it was solved under.
    assert not load_scenario(TINY).pools
    assert run_scenario(folder).pools == scenario.pools
    assert read_run(folder) == run


def test_turnaround_limits_stay_with_the_run(designed_run, tmp_path):
    limits = TurnaroundLimits(target_minutes=30.0, target_share=0.95, below_target=(("metz", "nancy"),))
    run = dataclasses.replace(
        designed_run, scenario=dataclasses.replace(designed_run.scenario, turnaround_limits=limits)
    )
    folder = write_run(run, tmp_path / "run")
    assert run_scenario(folder).turnaround_limits == limits
    assert read_run(folder).scenario.turnaround_limits == limits


def test_a_folder_is_never_replaced_without_force(designed_run, tmp_path):
    folder = write_run(designed_run, tmp_path / "run")
    with pytest.raises(OutputExistsError):
        write_run(designed_run, folder)
    assert write_run(designed_run, folder, force=True) == folder


def test_every_missing_file_is_named(designed_run, tmp_path):
    folder = write_run(designed_run, tmp_path / "run")
    (folder / "costs.csv").unlink()
    (folder / "baseline_rota.csv").unlink()
    with pytest.raises(InputError) as error:
        read_run(folder)
    assert [p.message for p in error.value.problems] == ["missing from the run folder"] * 2
    assert {Path(p.file).name for p in error.value.problems} == {"costs.csv", "baseline_rota.csv"}


def test_summary_json_holds_the_key_figures_and_no_nan(designed_run, tmp_path):
    folder = write_run(designed_run, tmp_path / "run")
    text = (folder / "summary.json").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text  # strict JSON, for any reader
    summary = json.loads(text)
    assert summary["key_figures"] == json.loads(json.dumps(designed_run.figures.as_dict()))
    assert summary["key_figures"]["fairness_max_over_min"] == summary["fairness"]["spread_ratio_max_min"]


def test_the_view_is_built_without_reading_the_folder(designed_run, tmp_path):
    view = folder_view(designed_run, tmp_path / "never-written")
    assert not (tmp_path / "never-written").exists()
    assert len(view.rota) == len(designed_run.assignments)
    assert view.figures == designed_run.figures and view.baseline == designed_run.baseline
