"""The staged objective on tiny cases whose fairest rota is obvious, each stage's optimum checked by hand.

The tiny models are solved with CP-SAT's whole portfolio (`deterministic=False`), which proves their optima in a
fraction of a second; the bundled quarters' reproducible search is measured in bench/bench_fairness.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest

from pds_plan.analysis.fairness import fairness
from pds_plan.check import check_rota
from pds_plan.domain.model import PeriodKind, Stages
from pds_plan.optimise import stages as stages_module
from pds_plan.optimise.greedy import greedy_rota
from pds_plan.optimise.rota_model import SolveOptions
from pds_plan.optimise.stages import HOUR_SCALE, SCALE, _budget, build_staged_model, solve_stages

PROOF = SolveOptions(time_limit=10, workers=1, deterministic=False)
MONDAY = dt.date(2027, 1, 4)  # a plain week in Meurthe-et-Moselle: Monday 4 to Thursday 7 are four weekday nights


def solved(scenario, options=PROOF):
    staged = build_staged_model(scenario)
    start = greedy_rota(scenario)
    outcome, stages = solve_stages(staged, options, scenario.stages, list(start.assignments))
    return staged, outcome, {stage.name: stage for stage in stages}


def two_groups(make):
    """Sites A and B (quiet enough to be read together) share one team of four; site C has a team of four of its
    own. Four weekday nights: read separately, A and B need eight duties from their team (two each, 4 points),
    read together four (one each, 2 points, like C's team): pooling them is what evens the two teams out."""
    return make.scenario(
        sites=("A", "B", "C"),
        radiologists={
            **{f"AB{i}": ("A", "B") for i in range(1, 5)},
            **{f"C{i}": ("C",) for i in range(1, 5)},
        },
        days=4,
        rules={"max_sites_per_radiologist": 2},
    )


def test_pooling_one_group_evens_the_load_across_groups_at_the_first_stage(make):
    scenario = two_groups(make)
    staged, outcome, stages = solved(scenario)
    largest = stages["largest_load"]
    # Every radiologist has the same share, so a normalised point is a point: one night each, 2 points.
    assert largest.objective == pytest.approx(2.0)
    assert largest.status == "OPTIMAL" and largest.gap == 0
    assert staged.lower_bound == 2 * SCALE  # the relaxation proves it too: the average load once A and B are pooled
    assert check_rota(scenario, outcome.assignments) == []
    readers = {(a.date, a.site_id): a.radiologist_id for a in outcome.assignments}
    assert all(readers[(day, "A")] == readers[(day, "B")] for day in {a.date for a in outcome.assignments})
    assert fairness(scenario, outcome.assignments).spread_ratio == pytest.approx(1.0)


def test_a_half_timer_takes_half_the_nights_of_full_timers(make):
    # Five weekday nights at one site, no two nights in a row: 2 + 2 + 1 is the only even split for 1 + 1 + 0.5 FTE.
    scenario = make.scenario(
        sites=("A",),
        radiologists=[
            make.radiologist("F1", ["A"]),
            make.radiologist("F2", ["A"]),
            make.radiologist("H", ["A"], fte=0.5),
        ],
        days=5,
    )
    _, outcome, stages = solved(scenario)
    nights = Counter(a.radiologist_id for a in outcome.assignments)
    assert nights == {"F1": 2, "F2": 2, "H": 1}
    assert stages["largest_load"].status == "OPTIMAL"
    assert stages["smallest_load"].status == "OPTIMAL"
    assert fairness(scenario, outcome.assignments).spread_ratio == pytest.approx(1.0)


def test_a_negative_balance_is_carried_below_zero(make):
    # Five weekday nights at one site, no two in a row; F3 carries -10 points (five nights fewer than their share
    # before): F3 takes every other night (3, ending at -4) and F1 and F2 one each (2 points). A load floored at 0
    # would make F3 earn 10 points, five nights in a row: no rota.
    scenario = make.scenario(
        sites=("A",), radiologists={"F1": ["A"], "F2": ["A"], "F3": ["A"]}, days=5, balances={"F3": -10.0}
    )
    _, outcome, stages = solved(scenario)
    assert Counter(a.radiologist_id for a in outcome.assignments) == {"F1": 1, "F2": 1, "F3": 3}
    assert stages["largest_load"].objective == pytest.approx(2.0)
    assert stages["smallest_load"].objective == pytest.approx(-4.0)
    assert check_rota(scenario, outcome.assignments) == []


def test_the_second_stage_raises_the_smallest_load_with_the_largest_held(make):
    # Sites A and B read apart, five weekday nights: ten duties for four radiologists, none two nights in a row. No
    # one can take more than three nights (1, 3, 5), so the largest load is 3 nights (6 points), which 3, 3, 3, 1
    # reaches as well as 3, 3, 2, 2: only the second stage tells them apart, and raises the least loaded to 2.
    scenario = make.scenario(
        sites=("A", "B"), radiologists={f"R{i}": ("A", "B") for i in range(1, 5)}, days=5,
        rules={"max_sites_per_radiologist": 1},
    )  # fmt: skip
    _, outcome, stages = solved(scenario)
    assert stages["largest_load"].objective == pytest.approx(6.0)
    assert stages["smallest_load"].objective == pytest.approx(4.0)
    assert stages["smallest_load"].status == "OPTIMAL"
    assert sorted(Counter(a.radiologist_id for a in outcome.assignments).values()) == [2, 2, 3, 3]
    assert check_rota(scenario, outcome.assignments) == []


def test_hours_are_evened_out_where_points_leave_a_choice(make):
    # A weekend at one site for three radiologists: Saturday afternoon (1 point, 6 h), Saturday night (3 points, 14 h),
    # Sunday day (2 points, 10 h), Sunday night (3 points, 14 h). Three points each is the fairest, and only the
    # afternoon with the Sunday day makes three apart from a night (a block of afternoon and night would be 4): so 16,
    # 14 and 14 hours, a spread of 2 h, at best.
    saturday = MONDAY + dt.timedelta(days=5)
    scenario = make.scenario(sites=("A",), radiologists={f"R{i}": ("A",) for i in range(1, 4)}, start=saturday, days=2)
    _, outcome, stages = solved(scenario)
    assert check_rota(scenario, outcome.assignments) == []
    hours = stages["hours_spread"]
    assert stages["largest_load"].objective == pytest.approx(3.0)
    assert hours.status == "OPTIMAL" and hours.objective == pytest.approx(2.0)
    measured = fairness(scenario, outcome.assignments).per_radiologist.set_index("radiologist_id")["hours"]
    # Every share is the same, so the normalised spread is the spread in hours itself.
    assert hours.objective == pytest.approx(measured.max() - measured.min())
    assert {PeriodKind.SATURDAY, PeriodKind.NIGHT, PeriodKind.SUNDAY_HOLIDAY} == {a.period for a in outcome.assignments}


def test_later_stages_never_worsen_earlier_ones_beyond_the_tolerance(tiny):
    # The tiny fixture (two sites, a fortnight) with the reproducible search; each held value is checked on the
    # final rota itself, measured by the analysis (not by the model).
    scenario = dataclasses.replace(tiny, stages=Stages(tolerance=0.05))
    staged, outcome, stages = solved(scenario, SolveOptions(time_limit=8, workers=1))
    assert [name for name in stages] == ["largest_load", "smallest_load", "hours_spread", "preferences"]
    final = fairness(scenario, outcome.assignments).per_radiologist.set_index("radiologist_id")
    factor = staged.factor
    points = {r: factor[r] * final.loc[r, "points"] for r in factor}
    hours = {r: factor[r] * round(HOUR_SCALE * final.loc[r, "hours"]) for r in factor}
    tolerance = scenario.stages.tolerance
    assert max(points.values()) <= stages["largest_load"].objective * SCALE * (1 + tolerance) + 1e-6
    assert min(points.values()) >= stages["smallest_load"].objective * SCALE * (1 - tolerance) - 1e-6
    spread = (max(hours.values()) - min(hours.values())) / (SCALE * HOUR_SCALE)
    assert spread <= stages["hours_spread"].objective * (1 + tolerance) + 1e-6
    assert check_rota(scenario, outcome.assignments) == []


def test_the_first_stage_bound_never_exceeds_what_a_rota_reaches(tiny):
    staged, _, stages = solved(tiny, SolveOptions(time_limit=6, workers=1))
    largest = stages["largest_load"]
    assert 0 < staged.lower_bound <= largest.objective * SCALE
    assert largest.bound == pytest.approx(max(staged.lower_bound / SCALE, largest.bound))
    assert 0 <= largest.gap < 1


def test_a_stage_given_no_time_is_skipped(tiny):
    scenario = dataclasses.replace(tiny, stages=Stages(hours_spread=0, preferences=0))
    _, outcome, stages = solved(scenario, SolveOptions(time_limit=4, workers=1))
    assert list(stages) == ["largest_load", "smallest_load"]
    assert outcome.found


def test_stage_budgets_are_the_shares_when_every_stage_has_time_to_start():
    shares = [0.1, 0.6, 0.15, 0.15]
    assert _budget(shares, 30.0, 30.0, 1.3) == pytest.approx(3.0)
    assert _budget(shares[1:], 27.0, 30.0, 1.3) == pytest.approx(18.0)
    # A month of a synthetic year: 2.5 s, and 1.9 s for CP-SAT to start on its model: the first stage has it all.
    assert _budget(shares, 2.5, 2.5, 1.9) == pytest.approx(2.5)
    assert _budget(shares[1:], 0.0, 2.5, 1.9) is None


def test_stages_without_time_to_start_are_not_searched_and_the_smallest_load_goes_with_the_largest(tiny, monkeypatch):
    # As if CP-SAT needed 1.5 s to start on the tiny model: in 1.8 s only one stage has time, so the largest and the
    # smallest loads are searched together (the largest first), and the hours and preferences not at all.
    monkeypatch.setattr(stages_module, "least_stage_seconds", lambda staged: 1.5)
    staged, outcome, stages = solved(tiny, SolveOptions(time_limit=1.8, workers=1))
    assert [(name, stage.status) for name, stage in stages.items()][1:] == [
        ("smallest_load", "TOGETHER"),
        ("hours_spread", "NOT_SEARCHED"),
        ("preferences", "NOT_SEARCHED"),
    ]
    assert stages["largest_load"].status in ("OPTIMAL", "FEASIBLE")
    points = {r: outcome.values[var.index] for r, var in staged.points.items()}
    assert max(points.values()) == pytest.approx(stages["largest_load"].objective * SCALE)
    assert min(points.values()) == pytest.approx(stages["smallest_load"].objective * SCALE)
    assert check_rota(tiny, outcome.assignments) == []


def test_a_stage_the_relaxation_proves_at_its_start_is_not_searched(make):
    # Four weekday nights, four radiologists at one site, nobody unavailable: the greedy rota gives one night each,
    # which is the relaxation's least largest load: stage 1 is proven without a search.
    scenario = make.scenario(sites=("A",), radiologists={f"R{i}": ["A"] for i in range(1, 5)}, days=4)
    _, _, stages = solved(scenario)
    assert stages["largest_load"].status == "OPTIMAL" and stages["largest_load"].seconds == 0.0
    assert stages["largest_load"].objective == stages["largest_load"].bound == pytest.approx(2.0)
