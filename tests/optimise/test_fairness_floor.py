"""The fairness floor: tight on hand-made cases whose answer is obvious, and never above a real rota's spread."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pds_plan.analysis.fairness import fairness
from pds_plan.check import check_rota
from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.model import PoolMember
from pds_plan.domain.rota import fair_share_weights, period_points
from pds_plan.optimise.fairness_floor import fairness_floor
from pds_plan.optimise.greedy import greedy_rota
from pds_plan.optimise.rota_model import SolveOptions
from pds_plan.optimise.solve import solve_rota


def test_two_sites_nobody_shares_give_a_floor_of_their_staffing_ratio(make):
    # Site A has two radiologists, site B four, and the sites share the same calendar: whatever the rota, A's
    # radiologists take half of A's points each and B's a quarter of B's, twice less.
    scenario = make.scenario(
        radiologists={"R1": ["A"], "R2": ["A"], "R3": ["B"], "R4": ["B"], "R5": ["B"], "R6": ["B"]}
    )
    floor = fairness_floor(scenario)
    assert floor.spread_ratio == pytest.approx(2.0, rel=1e-4)
    assert floor.spread_ratio_within_groups == pytest.approx(1.0, rel=1e-4)
    assert [g.group for g in floor.groups] == ["A", "B"]
    assert floor.as_dict()["spread_ratio_at_least"] == 1.999  # rounded towards the safe side


def test_part_time_radiologists_are_not_counted_unfair(make):
    # One site, two full-timers and a half-timer: loads pro rata FTE can be perfectly even in the relaxation.
    staff = [make.radiologist("R1", ["A"]), make.radiologist("R2", ["A"]), make.radiologist("R3", ["A"], fte=0.5)]
    scenario = make.scenario(sites=("A",), radiologists=staff, days=14)
    assert fairness_floor(scenario).spread_ratio == pytest.approx(1.0, rel=1e-4)


def test_two_radiologists_alternate_nights_whatever_their_fte(make):
    # One site, a full-timer and a half-timer: with no two nights in a row, each must take every other night, so the
    # half-timer carries twice their share; the relaxation sees it through the rest rule.
    staff = [make.radiologist("R1", ["A"]), make.radiologist("R2", ["A"], fte=0.5)]
    scenario = make.scenario(sites=("A",), radiologists=staff, days=14)
    assert fairness_floor(scenario).spread_ratio > 1.1


def test_points_carried_over_count_in_the_floor(make):
    # R1 carries 100 points from earlier rotas, far more than the week holds: whatever this week's rota, R1 stays the
    # most loaded with at least those 100 points, and R2, who can take at most the week's points, the least. The
    # points carried are the LP rows' constants, which setting a row's bounds anew once dropped.
    scenario = make.scenario(sites=("A",), radiologists={"R1": ["A"], "R2": ["A"]}, balances={"R1": 100.0})
    share = fair_share_weights(scenario, ["R1", "R2"])
    (group,) = fairness_floor(scenario).groups
    assert group.highest_at_least >= 100 / share["R1"] * (1 - 1e-5)
    week = sum(period_points(p, scenario.points) for p in build_calendar(scenario))
    assert group.lowest_at_most <= week / share["R2"] * (1 + 1e-5)
    assert group.lowest_at_most < 100 / share["R1"]


def test_a_scenario_the_rest_rule_makes_impossible_has_no_floor(make):
    # Two sites nobody reads together, one radiologist each and nobody else: each would have to take every night of
    # their site, which the rest rule forbids; the relaxation knows it (at most every other night): there is no rota,
    # hence nothing to bound.
    scenario = make.scenario(radiologists={"R1": ["A"], "R2": ["B"]})
    floor = fairness_floor(scenario)
    assert floor.groups == ()
    assert floor.as_dict()["spread_ratio_at_least"] is None
    assert floor.note == "the relaxation has no solution: no rota keeps every rule"


def test_a_relaxation_over_its_time_budget_gives_no_floor_rather_than_a_wrong_one(make):
    floor = fairness_floor(make.scenario(), time_limit=0)
    assert floor.groups == () and floor.note == "not computed within 0 s"


def test_a_scenario_with_nobody_to_take_pds_has_no_floor(make):
    scenario = make.scenario(sites=("A", make.site("B", pds=False)), radiologists={"R1": ["B"]})
    floor = fairness_floor(scenario)
    assert floor.groups == () and math.isnan(floor.spread_ratio) and floor.note == "nobody may take PDS"


def exact_spreads(scenario, assignments) -> tuple[float, float]:
    """Max / min points per fair share, overall and worst within a credential group, unrounded (the fairness report
    rounds points per day to four decimals)."""
    frame = fairness(scenario, assignments).per_radiologist
    share = fair_share_weights(scenario, list(frame["radiologist_id"]))
    frame = frame.assign(
        per_share=[p / share[r] for r, p in zip(frame["radiologist_id"], frame["points"], strict=True)]
    )

    def ratio(loads) -> float:
        return float(loads.max() / loads.min()) if loads.min() > 0 else math.inf

    within = [ratio(g) for _, g in frame.groupby("group")["per_share"] if len(g) > 1]
    return ratio(frame["per_share"]), max(within, default=math.nan)


def test_the_optimised_tiny_rota_is_never_more_even_than_the_floor(tiny):
    outcome = solve_rota(tiny, SolveOptions(time_limit=10, workers=1))
    assert outcome.found
    floor = fairness_floor(tiny)
    overall, within = exact_spreads(tiny, outcome.assignments)
    assert floor.spread_ratio <= overall * (1 + 1e-9)
    assert floor.spread_ratio_within_groups <= within * (1 + 1e-9)


@st.composite
def small_scenarios(draw, make):
    # Sites in Meurthe-et-Moselle or Moselle, and sometimes the week of Good Friday 2027, a holiday in Moselle only:
    # windows whose sites are worth different points.
    ids = ["A", "B", "C"][: draw(st.integers(2, 3))]
    sites = [make.site(i, departement=draw(st.sampled_from(["54", "57"]))) for i in ids]
    start = draw(st.sampled_from([dt.date(2027, 1, 4), dt.date(2027, 3, 22)]))
    staff = draw(st.integers(4, 8))
    radiologists = []
    for i in range(staff):
        # Everyone reads the site of their index and maybe others: every site has at least one reader of its own.
        credentials = {ids[i % len(ids)]} | draw(st.sets(st.sampled_from(ids)))
        fte = draw(st.sampled_from([0.5, 0.8, 1.0]))
        radiologists.append(make.radiologist(f"R{i}", sorted(credentials), fte=fte))
    away = []
    for i in range(staff):
        if draw(st.booleans()):
            day = start + dt.timedelta(days=draw(st.integers(0, 9)))
            away.append(make.unavailable(f"R{i}", day))
    # No pools, A and B read together, or also C as a pool of its own (one pool at a time then binds).
    choice = draw(st.integers(0, 2 if len(ids) == 3 else 1))
    pools = ((PoolMember("P", "A"), PoolMember("P", "B")) if choice else ()) + (
        (PoolMember("Q", "C"),) if choice == 2 else ()
    )
    return make.scenario(
        sites=sites,
        radiologists=radiologists,
        start=start,
        days=draw(st.integers(4, 10)),
        availability=tuple(away),
        pools=pools,
        rules={"max_sites_per_radiologist": draw(st.integers(1, 3))},
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_valid_rota_is_more_even_than_the_floor(make, data):
    """Soundness: any rota keeping every hard rule (here the greedy one, when it completes) is at least as uneven as
    the floor, overall and within groups."""
    scenario = data.draw(small_scenarios(make))
    greedy = greedy_rota(scenario)
    assume(not greedy.uncovered and not check_rota(scenario, greedy.assignments))
    overall, within = exact_spreads(scenario, greedy.assignments)
    floor = fairness_floor(scenario)
    assert floor.spread_ratio <= overall * (1 + 1e-9)
    if not math.isnan(within):
        assert floor.spread_ratio_within_groups <= within * (1 + 1e-9)
