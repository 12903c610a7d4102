"""The library pipeline: one RunSettings reaches every step, and each turnaround figure comes from one simulation."""

import dataclasses
from pathlib import Path

import pytest

from pds_plan import load_scenario
from pds_plan.domain.run import PoolsOrigin, RunSettings
from pds_plan.runs.pipeline import plan, reanalyse

TINY = Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml"


@pytest.fixture(scope="module")
def designed():
    # At 45 minutes and 90 % the design pools two of tiny's sites (at 30 min and 95 % no choice can be staffed).
    return plan(load_scenario(TINY), RunSettings(method="greedy", sla_minutes=45, sla_target=0.9))


def test_the_turnaround_settings_reach_every_step(designed):
    assert designed.pools_origin is PoolsOrigin.DESIGNED
    assert designed.design["settings"]["sla_minutes"] == 45 and designed.design["settings"]["sla_target"] == 0.9
    assert designed.analysis["sla"]["target_minutes"] == 45 and designed.analysis["sla"]["target_share"] == 0.9
    assert designed.figures.sla_minutes == 45 and designed.figures.sla_target == 0.9
    assert designed.details.workload.target_minutes == 45


def test_each_grouping_is_simulated_once_for_design_and_analysis(designed):
    design, report = designed.details.design, designed.details.workload
    for pool in design.pools:
        for kind, result in pool.figures.sla.items():
            # The very simulation the design judged the pool by is the one the analysis reports.
            assert report.sla[(tuple(sorted(pool.figures.site_ids)), kind)] is result
    assert report.simulations == len(report.sla)


def test_the_pools_below_target_are_counted_against_the_runs_own_target(designed):
    pools = designed.tables["workload_pools"]
    assert designed.figures.pools_below_target == int((pools["sla_share"] < 0.9).sum())
    stricter = reanalyse(designed, dataclasses.replace(designed.settings, sla_target=0.99))
    assert stricter.figures.pools_below_target == int((stricter.tables["workload_pools"]["sla_share"] < 0.99).sum())
    assert stricter.figures.pools_below_target > designed.figures.pools_below_target
    assert any("analysed at 45 min and 99.0%" in note for note in stricter.notes)


def test_self_formed_pools_get_the_runs_turnaround_limits(tiny):
    scenario = dataclasses.replace(tiny, rules=dataclasses.replace(tiny.rules, self_formed_pools_meet_target=True))
    settings = RunSettings(method="greedy", design_pools=False, sla_minutes=60, sla_target=0.5)
    run = plan(scenario, settings)
    limits = run.scenario.turnaround_limits
    assert limits is not None and (limits.target_minutes, limits.target_share) == (60, 0.5)
    assert run.violations == ()


def test_designed_pools_that_cannot_be_staffed_fall_back_to_self_formed_ones(monkeypatch):
    from pds_plan.errors import InfeasibleError
    from pds_plan.runs import pipeline

    real_solve = pipeline.solve

    def no_rota_with_fixed_pools(scenario, *args, **kwargs):
        if scenario.pools:  # as a region whose leave leaves a designed pool unstaffed in some month
            raise InfeasibleError(["every PDS period of site metz covered in 2027-01"], ["add a credential"])
        return real_solve(scenario, *args, **kwargs)

    monkeypatch.setattr(pipeline, "solve", no_rota_with_fixed_pools)
    run = plan(load_scenario(TINY), RunSettings(method="greedy", sla_minutes=45, sla_target=0.9))
    assert run.pools_origin is PoolsOrigin.SELF_FORMED and not run.scenario.pools and run.design is None
    assert run.notes[0].startswith("2 pools designed")
    assert "cannot be staffed (every PDS period of site metz covered in 2027-01)" in run.notes[1]
    assert run.violations == ()
