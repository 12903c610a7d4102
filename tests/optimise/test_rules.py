"""Each hard rule of optimise/rules.py alone on a tiny hand-made case: one rota it allows, one it refuses.

The model holds only the rule under test (plus coverage where the rule needs it), a few x literals are fixed, and
CP-SAT says FEASIBLE or INFEASIBLE. Dates: the week of Monday 4 January 2027, Meurthe-et-Moselle (no holiday).
"""

from __future__ import annotations

import datetime as dt

import pytest

from pds_plan.check import check_rota
from pds_plan.domain.model import PeriodKind as K
from pds_plan.domain.model import Pin, PoolMember, TurnaroundLimits
from pds_plan.domain.rota import Assignment
from pds_plan.optimise.greedy import greedy_rota
from pds_plan.optimise.rules import (
    HARD_RULES,
    add_exact_coverage,
    add_fixed_pools,
    add_max_block_length,
    add_max_sites_at_once,
    add_monthly_limit,
    add_one_pool_at_once,
    add_peak_capacity,
    add_pins,
    add_pools_meet_turnaround,
    add_rest_between_blocks,
    add_weekend_limit,
)

MON, TUE, WED, THU, FRI, SAT, SUN = (dt.date(2027, 1, 4) + dt.timedelta(days=i) for i in range(7))
NEXT_FRI, NEXT_SAT, NEXT_SUN = FRI + dt.timedelta(days=7), SAT + dt.timedelta(days=7), SUN + dt.timedelta(days=7)


def test_every_hard_rule_has_its_test_here():
    tested = {
        add_exact_coverage,
        add_max_sites_at_once,
        add_peak_capacity,
        add_rest_between_blocks,
        add_max_block_length,
        add_monthly_limit,
        add_weekend_limit,
        add_fixed_pools,
        add_one_pool_at_once,
        add_pools_meet_turnaround,
        add_pins,
    }
    assert set(HARD_RULES) == tested


# --- credentials and availability: no variable at all -----------------------------------------------------------


def test_a_radiologist_without_credential_has_no_variable(make, harness):
    h = harness(make.scenario(radiologists={"R1": ["A", "B"], "R3": ["A"]}), [])
    assert h.has("R3", MON, K.NIGHT, "A")
    assert not h.has("R3", MON, K.NIGHT, "B")
    assert h.rota.candidates[h.slot(MON, K.NIGHT, "B")] == ["R1"]


def test_an_unavailable_date_has_no_variable_for_periods_starting_that_day(make, harness):
    scenario = make.scenario(availability=(make.unavailable("R2", TUE),))
    h = harness(scenario, [])
    assert not h.has("R2", TUE, K.NIGHT, "A") and not h.has("R2", TUE, K.NIGHT, "B")
    # Monday's night ends on Tuesday morning but starts on Monday: R2 may take it; Wednesday too.
    assert h.has("R2", MON, K.NIGHT, "A") and h.has("R2", WED, K.NIGHT, "A")


# --- coverage ---------------------------------------------------------------------------------------------------


def test_coverage_allows_one_reader_per_period(make, harness):
    h = harness(make.scenario(days=1), [add_exact_coverage])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R2", MON, K.NIGHT, "B").feasible()


def test_coverage_refuses_two_readers_for_one_period(make, harness):
    h = harness(make.scenario(days=1), [add_exact_coverage])
    assert not h.fix("R1", MON, K.NIGHT, "A").fix("R2", MON, K.NIGHT, "A").feasible()


def test_coverage_refuses_a_period_left_uncovered(make, harness):
    h = harness(make.scenario(days=1), [add_exact_coverage])
    for r in ("R1", "R2", "R3"):
        h.fix(r, MON, K.NIGHT, "A", 0)
    assert not h.feasible()


def test_coverage_of_a_site_nobody_may_read_for_is_impossible(make, harness):
    scenario = make.scenario(sites=("A", "B"), radiologists={"R1": ["A"]}, days=1)
    assert not harness(scenario, [add_exact_coverage]).feasible()


# --- max sites at once ------------------------------------------------------------------------------------------


def test_max_sites_allows_three_sites_at_once(make, harness):
    h = harness(make.scenario(sites="ABCD", days=1), [add_max_sites_at_once])
    for site in "ABC":
        h.fix("R1", MON, K.NIGHT, site)
    assert h.feasible()


def test_max_sites_refuses_four_sites_at_once(make, harness):
    h = harness(make.scenario(sites="ABCD", days=1), [add_max_sites_at_once])
    for site in "ABCD":
        h.fix("R1", MON, K.NIGHT, site)
    assert not h.feasible()


def test_max_sites_counts_sites_at_the_same_time_only(make, harness):
    scenario = make.scenario(sites="AB", days=2, rules={"max_sites_per_radiologist": 1})
    h = harness(scenario, [add_max_sites_at_once]).fix("R1", MON, K.NIGHT, "A").fix("R1", TUE, K.NIGHT, "B")
    assert h.feasible()
    h = harness(scenario, [add_max_sites_at_once]).fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B")
    assert not h.feasible()


# --- peak capacity ----------------------------------------------------------------------------------------------
# One CT exam a night is 18 reading minutes over 14 h, times the 1.8 peak factor: 2.314 minutes per peak hour.
# The default limit is 45 minutes per peak hour.


def _capacity_case(make, volumes, **changes):
    return make.scenario(sites="ABC", days=1, volumes=tuple(make.night_volume(s, n) for s, n in volumes), **changes)


def test_capacity_allows_pooling_two_quiet_sites(make, harness):
    scenario = _capacity_case(make, [("A", 9), ("B", 9)])  # 20.8 + 20.8 = 41.7
    assert harness(scenario, [add_peak_capacity]).fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B").feasible()


def test_capacity_refuses_pooling_two_busy_sites(make, harness):
    scenario = _capacity_case(make, [("A", 12), ("B", 12)])  # 27.8 + 27.8 = 55.5
    h = harness(scenario, [add_peak_capacity]).fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B")
    assert not h.feasible()


def test_capacity_always_allows_one_site_alone_even_busier_than_the_limit(make, harness):
    scenario = _capacity_case(make, [("A", 40), ("B", 1)])  # A alone: 92.6 minutes per peak hour
    h = harness(scenario, [add_exact_coverage, add_peak_capacity])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R2", MON, K.NIGHT, "B").feasible()


def test_capacity_refuses_pooling_anything_busy_with_an_overloaded_site(make, harness):
    scenario = _capacity_case(make, [("A", 40), ("B", 1)])  # 45 (capped) + 2.3
    h = harness(scenario, [add_peak_capacity]).fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B")
    assert not h.feasible()


def test_capacity_ignores_sites_without_expected_exams(make, harness):
    scenario = _capacity_case(make, [("A", 40)])  # B and C have no volume
    h = harness(scenario, [add_peak_capacity])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B").fix("R1", MON, K.NIGHT, "C").feasible()


def test_capacity_rule_off_allows_anything(make, harness):
    scenario = _capacity_case(make, [("A", 12), ("B", 12)], rules={"max_peak_reading_minutes_per_hour": None})
    assert harness(scenario, [add_peak_capacity]).fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B").feasible()


def _model_and_checker_agree_on_pooling(make, harness, scenario, day):
    """R1 reads A and B on the night of `day`; R2 reads every other period. Allowed by the model iff by the checker."""
    pooled = {(day, K.NIGHT, "A"): "R1", (day, K.NIGHT, "B"): "R1"}
    rota = {p.key: pooled.get(p.key, "R2") for p in harness(scenario, []).rota.plan.slots}
    allowed_by_model = harness(scenario, [add_exact_coverage, add_peak_capacity]).assign(rota).feasible()
    assignments = [Assignment(d, k, s, r) for (d, k, s), r in rota.items()]
    capacity_problems = [v for v in check_rota(scenario, assignments) if v.rule == "capacity"]
    assert allowed_by_model == (not capacity_problems), (allowed_by_model, capacity_problems)


@pytest.mark.parametrize("exams", [9.0, 9.5, 9.72, 9.73, 9.7395, 9.75, 10.0])
def test_capacity_model_and_checker_agree_near_the_limit(make, harness, exams):
    """Two sites of 22.5 minutes per peak hour each sit right on the 45-minute limit: both sides must agree."""
    volumes = (make.night_volume("A", exams), make.night_volume("B", exams))
    scenario = make.scenario(sites="AB", radiologists={"R1": "AB", "R2": "AB"}, days=1, volumes=volumes)
    _model_and_checker_agree_on_pooling(make, harness, scenario, MON)


def test_capacity_model_and_checker_agree_over_the_daylight_saving_night(make, harness):
    """The night of Saturday 27 to Sunday 28 March 2027 lasts 13 h, the others 14 h: the night's expected peak load
    must be the same for the model (which takes its hours from one night) and the checker (from another)."""
    volumes = (make.night_volume("A", 9.5), make.night_volume("B", 9.5))  # 22.0 + 22.0 per 14-h night
    scenario = make.scenario(
        sites="AB", radiologists={"R1": "AB", "R2": "AB"}, start=dt.date(2027, 3, 22), days=6, volumes=volumes
    )
    _model_and_checker_agree_on_pooling(make, harness, scenario, dt.date(2027, 3, 22))


# --- rest between blocks ----------------------------------------------------------------------------------------


def test_rest_refuses_two_nights_in_a_row(make, harness):
    h = harness(make.scenario(), [add_rest_between_blocks])
    assert not h.fix("R1", MON, K.NIGHT, "A").fix("R1", TUE, K.NIGHT, "A").feasible()


def test_rest_refuses_two_nights_in_a_row_at_different_sites(make, harness):
    h = harness(make.scenario(), [add_rest_between_blocks])
    assert not h.fix("R1", MON, K.NIGHT, "A").fix("R1", TUE, K.NIGHT, "B").feasible()


def test_rest_allows_a_night_off_between_two_nights(make, harness):
    h = harness(make.scenario(), [add_rest_between_blocks])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R1", WED, K.NIGHT, "A").feasible()


def test_rest_refuses_friday_night_then_saturday_afternoon(make, harness):
    h = harness(make.scenario(), [add_rest_between_blocks])  # 4 h between 08:30 and 12:30
    assert not h.fix("R1", FRI, K.NIGHT, "A").fix("R1", SAT, K.SATURDAY, "A").feasible()


def test_rest_allows_touching_periods_which_are_one_block(make, harness):
    h = harness(make.scenario(), [add_rest_between_blocks])
    h.fix("R1", SAT, K.SATURDAY, "A").fix("R1", SAT, K.NIGHT, "A").fix("R1", SUN, K.SUNDAY_HOLIDAY, "B")
    assert h.feasible()


@pytest.mark.parametrize(("rest", "allowed"), [(0, True), (14, True), (15, False)])
def test_rest_follows_min_rest_hours(make, harness, rest, allowed):
    """Saturday 12:30-18:30, then Sunday 08:30-18:30: 14 h of rest in between."""
    h = harness(make.scenario(rules={"min_rest_hours": rest}), [add_rest_between_blocks])
    assert h.fix("R1", SAT, K.SATURDAY, "A").fix("R1", SUN, K.SUNDAY_HOLIDAY, "A").feasible() is allowed
    consecutive_nights = harness(make.scenario(rules={"min_rest_hours": rest}), [add_rest_between_blocks])
    assert consecutive_nights.fix("R1", MON, K.NIGHT, "A").fix("R1", TUE, K.NIGHT, "A").feasible() is (rest <= 10)


# --- max block length -------------------------------------------------------------------------------------------


def test_block_allows_sunday_day_and_sunday_night(make, harness):
    h = harness(make.scenario(), [add_max_block_length])  # 08:30 Sunday to 08:30 Monday: 24 h
    assert h.fix("R1", SUN, K.SUNDAY_HOLIDAY, "A").fix("R1", SUN, K.NIGHT, "A").feasible()


def test_block_allows_saturday_night_and_sunday_day(make, harness):
    h = harness(make.scenario(), [add_max_block_length])  # 18:30 Saturday to 18:30 Sunday: 24 h
    assert h.fix("R1", SAT, K.NIGHT, "A").fix("R1", SUN, K.SUNDAY_HOLIDAY, "A").feasible()


def test_block_refuses_saturday_afternoon_night_and_sunday_day(make, harness):
    h = harness(make.scenario(), [add_max_block_length])  # 12:30 Saturday to 18:30 Sunday: 30 h
    h.fix("R1", SAT, K.SATURDAY, "A").fix("R1", SAT, K.NIGHT, "A").fix("R1", SUN, K.SUNDAY_HOLIDAY, "A")
    assert not h.feasible()


def test_block_refuses_a_long_chain_across_sites(make, harness):
    h = harness(make.scenario(), [add_max_block_length])
    h.fix("R1", SAT, K.SATURDAY, "A").fix("R1", SAT, K.NIGHT, "B").fix("R1", SUN, K.SUNDAY_HOLIDAY, "A")
    assert not h.feasible()


def test_block_allows_thirty_hours_when_max_block_hours_is_thirty(make, harness):
    h = harness(make.scenario(rules={"max_block_hours": 30}), [add_max_block_length])
    h.fix("R1", SAT, K.SATURDAY, "A").fix("R1", SAT, K.NIGHT, "A").fix("R1", SUN, K.SUNDAY_HOLIDAY, "A")
    assert h.feasible()


# --- monthly limit ----------------------------------------------------------------------------------------------


def test_monthly_limit_allows_the_limit(make, harness):
    h = harness(make.scenario(rules={"max_periods_per_month": 2}), [add_monthly_limit])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R1", WED, K.NIGHT, "A").feasible()


def test_monthly_limit_refuses_one_more(make, harness):
    h = harness(make.scenario(rules={"max_periods_per_month": 2}), [add_monthly_limit])
    assert not h.fix("R1", MON, K.NIGHT, "A").fix("R1", WED, K.NIGHT, "A").fix("R1", FRI, K.NIGHT, "A").feasible()


def test_monthly_limit_counts_several_sites_at_once_as_one_period(make, harness):
    h = harness(make.scenario(rules={"max_periods_per_month": 2}), [add_monthly_limit])
    h.fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B").fix("R1", WED, K.NIGHT, "A")
    assert h.feasible()


def test_monthly_limit_is_pro_rata_fte_rounded_up(make, harness):
    staff = (make.radiologist("R1", "AB", fte=0.5), make.radiologist("R2", "AB"))
    scenario = make.scenario(radiologists=staff, rules={"max_periods_per_month": 3})  # 1.5 -> 2 for R1
    assert harness(scenario, [add_monthly_limit]).fix("R1", MON, K.NIGHT, "A").fix("R1", WED, K.NIGHT, "A").feasible()
    h = harness(scenario, [add_monthly_limit])
    assert not h.fix("R1", MON, K.NIGHT, "A").fix("R1", WED, K.NIGHT, "A").fix("R1", FRI, K.NIGHT, "A").feasible()


def test_monthly_limit_is_per_calendar_month(make, harness):
    jan28, jan30, feb1 = dt.date(2027, 1, 28), dt.date(2027, 1, 30), dt.date(2027, 2, 1)
    scenario = make.scenario(start=jan28, days=7, rules={"max_periods_per_month": 2})
    h = harness(scenario, [add_monthly_limit])
    assert h.fix("R1", jan28, K.NIGHT, "A").fix("R1", jan30, K.NIGHT, "A").fix("R1", feb1, K.NIGHT, "A").feasible()
    h = harness(scenario, [add_monthly_limit])
    h.fix("R1", jan28, K.NIGHT, "A").fix("R1", jan30, K.SATURDAY, "A").fix("R1", jan30, K.NIGHT, "A")
    assert not h.feasible()


# --- weekend limit ----------------------------------------------------------------------------------------------


def _two_weekends(make):
    return make.scenario(days=14, rules={"max_weekends_per_month": 1})


def test_weekend_limit_allows_a_whole_weekend(make, harness):
    h = harness(_two_weekends(make), [add_weekend_limit])
    h.fix("R1", SAT, K.SATURDAY, "A").fix("R1", SUN, K.SUNDAY_HOLIDAY, "A").fix("R1", SUN, K.NIGHT, "A")
    assert h.feasible()


def test_weekend_limit_refuses_a_second_weekend(make, harness):
    h = harness(_two_weekends(make), [add_weekend_limit])
    assert not h.fix("R1", SAT, K.SATURDAY, "A").fix("R1", NEXT_SUN, K.SUNDAY_HOLIDAY, "A").feasible()


def test_weekend_limit_friday_night_is_not_weekend(make, harness):
    h = harness(_two_weekends(make), [add_weekend_limit])
    assert h.fix("R1", SAT, K.SATURDAY, "A").fix("R1", NEXT_FRI, K.NIGHT, "A").feasible()


def test_weekend_limit_sunday_night_belongs_to_its_weekend(make, harness):
    h = harness(_two_weekends(make), [add_weekend_limit])
    assert not h.fix("R1", SUN, K.NIGHT, "A").fix("R1", NEXT_SAT, K.NIGHT, "B").feasible()


# --- fixed pools ------------------------------------------------------------------------------------------------


def _pooled(make):
    pools = (PoolMember("P", "A"), PoolMember("P", "B"))
    return make.scenario(sites="ABC", radiologists={"R1": "ABC", "R2": "ABC", "R3": "AC"}, days=2, pools=pools)


def test_pool_allows_one_reader_for_all_its_sites(make, harness):
    h = harness(_pooled(make), [add_fixed_pools])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B").fix("R2", MON, K.NIGHT, "C").feasible()


def test_pool_refuses_two_readers(make, harness):
    # Alone, the pool rule would let R1 and R2 both read A and B; with coverage, one of them must read both.
    h = harness(_pooled(make), [add_exact_coverage, add_fixed_pools])
    assert not h.fix("R1", MON, K.NIGHT, "A").fix("R2", MON, K.NIGHT, "B").feasible()


def test_a_reader_without_credential_for_every_site_of_a_pool_gets_no_variable_for_it(make, harness):
    # R3 reads A and C; A is pooled with B, so R3 may not take A (nor, then, the pool), but still C.
    h = harness(_pooled(make), [add_fixed_pools])
    assert not h.has("R3", MON, K.NIGHT, "A") and h.has("R3", MON, K.NIGHT, "C")
    assert h.rota.candidates[h.slot(MON, K.NIGHT, "A")] == ["R1", "R2"]


def test_pool_does_not_bind_other_periods_or_sites(make, harness):
    h = harness(_pooled(make), [add_fixed_pools])
    h.fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B").fix("R2", TUE, K.NIGHT, "A")
    assert h.fix("R3", MON, K.NIGHT, "C").feasible()


def test_pool_forces_the_other_site_to_follow(make, harness):
    h = harness(_pooled(make), [add_exact_coverage, add_fixed_pools]).fix("R2", MON, K.NIGHT, "A")
    assert h.feasible()
    assert h.solver is not None and h.solver.boolean_value(h.x("R2", MON, K.NIGHT, "B"))


def _two_pools(make):
    pools = (PoolMember("P", "A"), PoolMember("P", "B"), PoolMember("Q", "C"))
    everyone = {r: "ABCD" for r in ("R1", "R2", "R3", "R4", "R5")}
    return make.scenario(sites="ABCD", radiologists=everyone, days=2, pools=pools)


def test_one_pool_at_once_allows_a_pool_and_a_site_outside_pools(make, harness):
    h = harness(_two_pools(make), [add_one_pool_at_once])
    h.fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B").fix("R1", MON, K.NIGHT, "D")
    assert h.feasible()


def test_one_pool_at_once_refuses_two_pools_at_the_same_time(make, harness):
    h = harness(_two_pools(make), [add_one_pool_at_once])
    assert not h.fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "C").feasible()


def test_one_pool_at_once_allows_two_pools_at_different_times(make, harness):
    h = harness(_two_pools(make), [add_one_pool_at_once])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R1", TUE, K.NIGHT, "C").feasible()


def test_one_pool_at_once_agrees_with_the_checker_and_greedy(make, harness):
    scenario = _two_pools(make)
    rota = {p.key: ("R1" if p.site_id in "AB" else "R2") for p in harness(scenario, []).rota.plan.slots}
    rota[(MON, K.NIGHT, "C")] = "R1"
    rules = {v.rule for v in check_rota(scenario, [Assignment(*key, r) for key, r in rota.items()])}
    assert "one_pool" in rules
    greedy = greedy_rota(scenario)
    assert not greedy.uncovered
    assert "one_pool" not in {v.rule for v in check_rota(scenario, list(greedy.assignments))}


# --- self-formed pools keep the turnaround target ---------------------------------------------------------------


def _turnaround(make, days=2, radiologists=None):
    """A and B together miss the target (set by hand here, as the simulation would find it); A + C and B + C do not."""
    limits = TurnaroundLimits(target_minutes=30, target_share=0.95, below_target=(("A", "B"),))
    return make.scenario(sites="ABC", radiologists=radiologists, days=days, turnaround_limits=limits)


def test_turnaround_allows_a_grouping_that_keeps_the_target(make, harness):
    h = harness(_turnaround(make), [add_pools_meet_turnaround])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "C").feasible()


def test_turnaround_refuses_a_grouping_below_the_target(make, harness):
    h = harness(_turnaround(make), [add_pools_meet_turnaround])
    assert not h.fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B").feasible()


def test_turnaround_refuses_any_larger_grouping_holding_one_below_the_target(make, harness):
    h = harness(_turnaround(make), [add_pools_meet_turnaround])
    for site in "ABC":
        h.fix("R1", MON, K.NIGHT, site)
    assert not h.feasible()


def test_turnaround_allows_the_sites_of_a_grouping_at_different_times_or_by_different_readers(make, harness):
    h = harness(_turnaround(make), [add_pools_meet_turnaround])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R1", TUE, K.NIGHT, "B").fix("R2", MON, K.NIGHT, "B").feasible()


def test_turnaround_rule_is_off_without_limits(make, harness):
    h = harness(make.scenario(sites="ABC", days=1), [add_pools_meet_turnaround])
    assert h.fix("R1", MON, K.NIGHT, "A").fix("R1", MON, K.NIGHT, "B").feasible()


def test_turnaround_agrees_with_the_checker_and_greedy(make, harness):
    scenario = _turnaround(make, days=1)
    # R1 reads A + B on Monday night, which the model refuses and the checker reports; then R2 reads B + C.
    rota = {(MON, K.NIGHT, "A"): "R1", (MON, K.NIGHT, "B"): "R1", (MON, K.NIGHT, "C"): "R2"}
    assert harness(scenario, [add_pools_meet_turnaround]).assign(rota).feasible() is False
    violations = check_rota(scenario, [Assignment(*key, r) for key, r in rota.items()])
    assert [(v.rule, v.radiologist_id, v.when.date()) for v in violations] == [("turnaround", "R1", MON)]
    assert violations[0].message == (
        "Dr R1 (R1) reads site A (A), site B (B) together on 2027-01-04 night: this grouping misses 95 % of reports "
        "within 30 min"
    )
    rota[(MON, K.NIGHT, "B")] = "R2"
    assert harness(scenario, [add_pools_meet_turnaround]).assign(rota).feasible()
    assert check_rota(scenario, [Assignment(*key, r) for key, r in rota.items()]) == []
    # Without the rule the greedy baseline pools A and B (R1 and R2 take every site in turn); with it, never.
    # Four readers of every site: two a night, each every other night, cover A and B apart.
    staff = {r: "ABC" for r in ("R1", "R2", "R3", "R4")}
    assert _read_together(greedy_rota(make.scenario(sites="ABC", radiologists=staff, days=7)), "A", "B")
    week = _turnaround(make, days=7, radiologists=staff)
    greedy = greedy_rota(week)
    assert not greedy.uncovered and not _read_together(greedy, "A", "B")
    assert check_rota(week, list(greedy.assignments)) == []


def _read_together(rota, *sites):
    by_reader: dict[tuple, set[str]] = {}
    for a in rota.assignments:
        by_reader.setdefault((a.date, a.period, a.radiologist_id), set()).add(a.site_id)
    return any(set(sites) <= together for together in by_reader.values())


# --- pins -------------------------------------------------------------------------------------------------------


def test_pin_forces_its_assignment(make, harness):
    scenario = make.scenario(days=2, pins=(Pin(MON, K.NIGHT, "A", "R2"),))
    h = harness(scenario, [add_pins])
    assert h.feasible()
    assert h.solver is not None and h.solver.boolean_value(h.x("R2", MON, K.NIGHT, "A"))
    assert not harness(scenario, [add_pins]).fix("R2", MON, K.NIGHT, "A", 0).feasible()


def test_pin_refuses_another_reader_for_its_period(make, harness):
    scenario = make.scenario(days=2, pins=(Pin(MON, K.NIGHT, "A", "R2"),))
    assert harness(scenario, [add_exact_coverage, add_pins]).fix("R2", MON, K.NIGHT, "B").feasible()
    assert not harness(scenario, [add_exact_coverage, add_pins]).fix("R1", MON, K.NIGHT, "A").feasible()


@pytest.mark.parametrize(
    "pin",
    [
        Pin(MON, K.NIGHT, "B", "R3"),  # R3 has no credential for B
        Pin(TUE, K.NIGHT, "A", "R2"),  # R2 is unavailable on Tuesday
        Pin(TUE, K.SATURDAY, "A", "R1"),  # no Saturday afternoon on a Tuesday
    ],
)
def test_a_pin_that_cannot_hold_makes_the_model_infeasible(make, harness, pin):
    scenario = make.scenario(days=2, pins=(pin,), availability=(make.unavailable("R2", TUE),))
    assert not harness(scenario, [add_pins]).feasible()
