"""The greedy baseline: least loaded first, never a broken rule, uncovered periods when it gets stuck."""

from __future__ import annotations

import datetime as dt

from pds_plan.check import check_rota
from pds_plan.domain.model import PeriodKind as K
from pds_plan.domain.model import Pin, PoolMember, TurnaroundLimits
from pds_plan.optimise.greedy import greedy_rota

MON, TUE, WED, THU, FRI = (dt.date(2027, 1, 4) + dt.timedelta(days=i) for i in range(5))


def readers(rota, site="A"):
    return [a.radiologist_id for a in sorted(rota.assignments) if a.site_id == site and a.period is K.NIGHT]


def test_greedy_covers_the_tiny_scenario_without_breaking_any_rule(tiny):
    rota = greedy_rota(tiny)
    assert check_rota(tiny, rota.assignments) == []
    assert rota.uncovered == ()


def test_greedy_breaks_no_rule_on_the_tiny_scenario_and_reports_what_it_leaves_uncovered(tiny):
    rota = greedy_rota(tiny)
    violations = check_rota(tiny, rota.assignments)
    assert {v.rule for v in violations} <= {"coverage"}
    assert sorted((v.site_id, v.when) for v in violations) == sorted((p.site_id, p.start) for p in rota.uncovered)


def test_greedy_picks_the_least_loaded(make):
    # No rest rule, so only the load decides: R1 already has three pinned nights, R2 gets the next two.
    pins = tuple(Pin(day, K.NIGHT, "A", "R1") for day in (MON, TUE, WED))
    scenario = make.scenario(
        sites="A", radiologists={"R1": "A", "R2": "A"}, days=5, pins=pins, rules={"min_rest_hours": 0}
    )
    rota = greedy_rota(scenario)
    assert readers(rota) == ["R1", "R1", "R1", "R2", "R2"]
    assert check_rota(scenario, rota.assignments) == []


def test_greedy_alternates_between_identical_radiologists(make):
    scenario = make.scenario(sites="A", radiologists={"R1": "A", "R2": "A"}, days=5, rules={"min_rest_hours": 0})
    assert readers(greedy_rota(scenario)) == ["R1", "R2", "R1", "R2", "R1"]


def test_greedy_load_is_per_fte(make):
    # R2 works half time, so each of its nights counts double: R1 takes two nights before R2 takes one.
    staff = (make.radiologist("R1", "A"), make.radiologist("R2", "A", fte=0.5))
    scenario = make.scenario(sites="A", radiologists=staff, days=3, rules={"min_rest_hours": 0})
    assert readers(greedy_rota(scenario)) == ["R1", "R1", "R2"]


def test_greedy_leaves_a_period_uncovered_rather_than_break_the_rest_rule(make):
    scenario = make.scenario(sites="A", radiologists={"R1": "A"}, days=2)
    rota = greedy_rota(scenario)
    assert readers(rota) == ["R1"]
    assert [(p.site_id, p.date, p.kind) for p in rota.uncovered] == [("A", TUE, K.NIGHT)]
    violations = check_rota(scenario, rota.assignments)
    assert [(v.rule, v.site_id) for v in violations] == [("coverage", "A")]


def test_greedy_leaves_a_fourth_site_uncovered_rather_than_read_four_at_once(make):
    scenario = make.scenario(sites="ABCD", radiologists={"R1": "ABCD"}, days=1)
    rota = greedy_rota(scenario)
    assert len(rota.assignments) == 3 and [p.site_id for p in rota.uncovered] == ["D"]
    assert [v.rule for v in check_rota(scenario, rota.assignments)] == ["coverage"]


def test_greedy_leaves_a_site_uncovered_rather_than_complete_a_grouping_below_the_turnaround_target(make):
    limits = TurnaroundLimits(target_minutes=30, target_share=0.95, below_target=(("A", "B"),))
    scenario = make.scenario(sites="ABC", radiologists={"R1": "ABC"}, days=1, turnaround_limits=limits)
    rota = greedy_rota(scenario)
    # Every site has one possible reader, so they go in id order: A, then B (refused), then C (allowed with A).
    assert [(a.site_id, a.radiologist_id) for a in rota.assignments] == [("A", "R1"), ("C", "R1")]
    assert [p.site_id for p in rota.uncovered] == ["B"]
    assert [v.rule for v in check_rota(scenario, rota.assignments)] == ["coverage"]


def test_greedy_keeps_pins_and_pools(make):
    pools = (PoolMember("P", "A"), PoolMember("P", "B"))
    scenario = make.scenario(
        sites="ABC",
        radiologists={"R1": "ABC", "R2": "ABC", "R3": "ABC"},
        days=4,
        pools=pools,
        pins=(Pin(WED, K.NIGHT, "B", "R3"),),
    )
    rota = greedy_rota(scenario)
    assert rota.uncovered == ()
    assert check_rota(scenario, rota.assignments) == []
    by_key = {a.key: a.radiologist_id for a in rota.assignments}
    assert by_key[(WED, K.NIGHT, "A")] == by_key[(WED, K.NIGHT, "B")] == "R3"


def test_greedy_respects_monthly_and_weekend_limits(make):
    rules = {"max_periods_per_month": 3, "max_weekends_per_month": 1}
    scenario = make.scenario(sites="A", radiologists={"R1": "A", "R2": "A", "R3": "A"}, days=14, rules=rules)
    rota = greedy_rota(scenario)
    assert {v.rule for v in check_rota(scenario, rota.assignments)} <= {"coverage"}
    assert len(rota.uncovered) == 14 + 4 - 9  # 18 periods, at most 3 each


def test_carried_over_balances_make_the_radiologist_who_did_more_take_less(tiny):
    from dataclasses import replace

    even = greedy_rota(tiny)
    ahead = greedy_rota(replace(tiny, balances={"R2": 20.0}))
    duties = lambda rota: sum(1 for a in rota.assignments if a.radiologist_id == "R2")  # noqa: E731
    assert duties(ahead) < duties(even)
    assert check_rota(tiny, ahead.assignments) == []


def test_greedy_gives_a_pool_to_someone_who_may_read_all_of_it(make):
    # R1 reads only A and is the least loaded (R2 and R3 start with pinned nights elsewhere); A and B form a pool,
    # so A must go to whoever can read B too, or B would be left uncovered. A has the fewest possible readers, so it
    # is chosen first.
    pools = (PoolMember("P", "A"), PoolMember("P", "B"))
    pins = (Pin(MON, K.NIGHT, "C", "R2"), Pin(MON, K.NIGHT, "D", "R3"))
    scenario = make.scenario(
        sites="ABCD",
        radiologists={"R1": "A", "R2": "ABCD", "R3": "ABCD", "R4": "BCD", "R5": "BCD"},
        days=1,
        pools=pools,
        pins=pins,
        rules={"min_rest_hours": 0},
    )
    rota = greedy_rota(scenario)
    assert rota.uncovered == ()
    assert readers(rota, "A") == readers(rota, "B") != ["R1"]
    assert check_rota(scenario, rota.assignments) == []
