"""Each soft rule of optimise/objective.py: its exact penalty on a tiny case.

The model holds coverage and the soft rule under test; every x is fixed (the rota is given), the weighted sum of the
penalties is minimised (so that auxiliary variables settle), and each rule's weighted total is read back.
Weekday nights are worth 2 points, Saturday afternoons 1 and Saturday nights 2 + 1 (domain.model.Points).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from pds_plan.analysis.fairness import fairness
from pds_plan.domain.model import AvailabilityKind as AK
from pds_plan.domain.model import PeriodKind as K
from pds_plan.domain.model import Weights
from pds_plan.domain.rota import Assignment
from pds_plan.optimise.objective import (
    SOFT_RULES,
    add_fairness,
    add_home_site_preference,
    add_on_call_duties,
    add_requests,
    add_stable_pools,
)
from pds_plan.optimise.rules import add_exact_coverage

MON, TUE, WED, THU, FRI, SAT, SUN = (dt.date(2027, 1, 4) + dt.timedelta(days=i) for i in range(7))
W = Weights()


def nights(*readers: str, site: str = "A", start: dt.date = MON) -> dict:
    """A rota of consecutive weekday nights at one site, read by the given radiologists in turn."""
    return {(start + dt.timedelta(days=i), K.NIGHT, site): r for i, r in enumerate(readers)}


def penalties(harness, scenario, soft_rule, rota) -> dict[str, int]:
    h = harness(scenario, [add_exact_coverage, soft_rule]).assign(rota)
    return h.penalty_values()


def test_every_soft_rule_has_its_test_here():
    tested = {add_fairness, add_requests, add_stable_pools, add_home_site_preference, add_on_call_duties}
    assert set(SOFT_RULES) == tested


# --- requests ---------------------------------------------------------------------------------------------------


def _requests(make, *requests, days=4):
    return make.scenario(sites="A", radiologists={"R1": "A", "R2": "A"}, days=days, availability=requests)


def test_request_off_day_on_call_costs_its_weight_once(make, harness):
    scenario = _requests(make, make.request("R1", AK.REQUEST_OFF, TUE))
    assert penalties(harness, scenario, add_requests, nights("R2", "R1", "R2", "R1")) == {
        "request_off_refused": W.request_off
    }


def test_request_off_kept_costs_nothing(make, harness):
    scenario = _requests(make, make.request("R1", AK.REQUEST_OFF, TUE))
    # Monday's night ends on Tuesday morning but starts on Monday: it does not break Tuesday's request.
    assert penalties(harness, scenario, add_requests, nights("R1", "R2", "R1", "R2")) == {"request_off_refused": 0}


def test_request_off_costs_once_for_a_day_with_two_periods_on_call(make, harness):
    scenario = make.scenario(
        sites="A",
        radiologists={"R1": "A", "R2": "A"},
        start=FRI,
        days=2,
        availability=(make.request("R1", AK.REQUEST_OFF, SAT),),
    )
    rota = {(FRI, K.NIGHT, "A"): "R2", (SAT, K.SATURDAY, "A"): "R1", (SAT, K.NIGHT, "A"): "R1"}
    assert penalties(harness, scenario, add_requests, rota) == {"request_off_refused": W.request_off}


def test_request_on_met_costs_nothing(make, harness):
    scenario = _requests(make, make.request("R1", AK.REQUEST_ON, TUE))
    assert penalties(harness, scenario, add_requests, nights("R2", "R1", "R2", "R1")) == {"request_on_unmet": 0}


def test_request_on_unmet_costs_its_weight_once_per_day(make, harness):
    scenario = _requests(make, make.request("R1", AK.REQUEST_ON, TUE, WED))
    assert penalties(harness, scenario, add_requests, nights("R1", "R2", "R2", "R1")) == {
        "request_on_unmet": 2 * W.request_on
    }


def test_requests_outside_the_horizon_cost_nothing(make, harness):
    scenario = _requests(make, make.request("R1", AK.REQUEST_ON, SUN), make.request("R2", AK.REQUEST_OFF, SUN), days=4)
    h = harness(scenario, [add_exact_coverage, add_requests])
    assert h.rota.penalties == []


# --- fairness ---------------------------------------------------------------------------------------------------


def _pair(make, fte2=1.0, days=4, start=MON):
    staff = (make.radiologist("R1", "A"), make.radiologist("R2", "A", fte=fte2))
    return make.scenario(sites="A", radiologists=staff, start=start, days=days)


def test_fairness_spread_is_zero_when_identical_radiologists_share_evenly(make, harness):
    assert penalties(harness, _pair(make), add_fairness, nights("R1", "R2", "R1", "R2")) == {
        "fairness_spread": 0,
        "fairness_deviation": 0,
    }


def test_fairness_spread_counts_the_gap_in_hundredths_of_a_point(make, harness):
    # R1: 3 nights = 6 points, R2: 1 night = 2 points; same share, so loads 600 and 200 hundredths.
    assert penalties(harness, _pair(make), add_fairness, nights("R1", "R1", "R1", "R2")) == {
        "fairness_spread": 400 * W.fairness_spread,
        "fairness_deviation": 400 * W.fairness_deviation,  # |600 - level| + |200 - level| for any level between
    }


def test_fairness_is_per_fte(make, harness):
    # R2 works half time: one night for R2 and two for R1 is even.
    assert penalties(harness, _pair(make, fte2=0.5, days=3), add_fairness, nights("R1", "R2", "R1")) == {
        "fairness_spread": 0,
        "fairness_deviation": 0,
    }


def test_fairness_weighs_saturday_nights_more(make, harness):
    # Friday night (2) + Saturday afternoon (1) for R2 weigh as much as Saturday night (2 + 1) for R1.
    rota = {(FRI, K.NIGHT, "A"): "R2", (SAT, K.SATURDAY, "A"): "R2", (SAT, K.NIGHT, "A"): "R1"}
    assert penalties(harness, _pair(make, days=2, start=FRI), add_fairness, rota)["fairness_spread"] == 0


def test_a_radiologist_earns_the_points_of_the_sites_they_cover_not_of_the_whole_window(make, harness):
    # Good Friday 2027 is a holiday in Moselle (57) only: the night of a Meurthe-et-Moselle site (54) that starts at
    # the same time is worth less. R1 reads the 54 site, R2 the 57 site: each earns their own site's points, as the
    # fairness report counts them, although both nights fall in one window.
    good_friday = dt.date(2027, 3, 26)
    sites = (make.site("A", departement="54"), make.site("B", departement="57"))
    scenario = make.scenario(sites=sites, radiologists={"R1": "A", "R2": "B"}, start=good_friday, days=1)
    h = harness(scenario, [add_exact_coverage, add_fairness])
    night = h.rota.plan.window_of_slot[h.slot(good_friday, K.NIGHT, "A")]
    assert night == h.rota.plan.window_of_slot[h.slot(good_friday, K.NIGHT, "B")]
    rota = {key: ("R1" if key[2] == "A" else "R2") for key in (p.key for p in h.rota.plan.slots)}
    assert h.assign(rota).status(minimise=True) == "OPTIMAL"
    report = fairness(scenario, _as_assignments(rota)).per_radiologist.set_index("radiologist_id")["points"]
    load = {
        r: h.solver.value(h.rota.model.get_int_var_from_proto_index(_index_of(h, f"load[{r}]"))) for r in report.index
    }
    # Same FTE and availability, so the same normalisation factor: the model's loads stand as the report's points.
    assert load["R1"] * report["R2"] == load["R2"] * report["R1"]
    assert report["R1"] < report["R2"]


def _as_assignments(rota: dict) -> list[Assignment]:
    return [Assignment(date, kind, site, r) for (date, kind, site), r in rota.items()]


def _index_of(h, name: str) -> int:
    return next(i for i, var in enumerate(h.rota.model.proto.variables) if var.name == name)


# --- stable pools -----------------------------------------------------------------------------------------------


def _three_sites(make, days=2):
    return make.scenario(sites="ABC", radiologists={"R1": "ABC", "R2": "ABC", "R3": "ABC"}, days=days)


def test_pool_pair_counts_a_pair_once_however_often_it_is_read_together(make, harness):
    rota = {**nights("R1", "R1", site="A"), **nights("R1", "R1", site="B"), **nights("R2", "R2", site="C")}
    assert penalties(harness, _three_sites(make), add_stable_pools, rota) == {"pool_pair_used": W.pool_pair}


def test_pool_pair_three_sites_read_together_are_three_pairs(make, harness):
    rota = {**nights("R1", "R2", site="A"), **nights("R1", "R2", site="B"), **nights("R1", "R2", site="C")}
    assert penalties(harness, _three_sites(make), add_stable_pools, rota) == {"pool_pair_used": 3 * W.pool_pair}


def test_pool_pair_costs_nothing_when_every_site_has_its_own_reader(make, harness):
    rota = {**nights("R1", "R2", site="A"), **nights("R2", "R3", site="B"), **nights("R3", "R1", site="C")}
    assert penalties(harness, _three_sites(make), add_stable_pools, rota) == {"pool_pair_used": 0}


# --- home site --------------------------------------------------------------------------------------------------


def _homes(make):
    staff = (
        make.radiologist("RA", "ABC", home="A"),
        make.radiologist("RB", "ABC", home="B"),
    )
    return make.scenario(sites="ABC", radiologists=staff, days=1, weights=dataclasses.replace(W, away_from_home=3))


def test_home_site_read_by_its_own_staff_costs_nothing(make, harness):
    rota = {(MON, K.NIGHT, "A"): "RA", (MON, K.NIGHT, "B"): "RB", (MON, K.NIGHT, "C"): "RA"}
    assert penalties(harness, _homes(make), add_home_site_preference, rota) == {"read_away_from_home": 0}


def test_home_site_read_by_another_hospital_costs_its_weight(make, harness):
    # A and B each read by the other's radiologist: 2 x 3; C has no staff of its own, so it never costs.
    rota = {(MON, K.NIGHT, "A"): "RB", (MON, K.NIGHT, "B"): "RA", (MON, K.NIGHT, "C"): "RA"}
    assert penalties(harness, _homes(make), add_home_site_preference, rota) == {"read_away_from_home": 6}
    h = harness(_homes(make), [add_home_site_preference])
    assert sorted(p.subject for p in h.rota.penalties) == ["A", "B"]


# --- on-call duties ---------------------------------------------------------------------------------------------


def test_on_call_duties_count_radiologists_on_call_not_sites(make, harness):
    pooled = {(MON, K.NIGHT, "A"): "R1", (MON, K.NIGHT, "B"): "R1", (MON, K.NIGHT, "C"): "R2"}
    assert penalties(harness, _three_sites(make, days=1), add_on_call_duties, pooled) == {
        "on_call_duties": 2 * W.on_call_duty
    }
    apart = {(MON, K.NIGHT, "A"): "R1", (MON, K.NIGHT, "B"): "R2", (MON, K.NIGHT, "C"): "R3"}
    assert penalties(harness, _three_sites(make, days=1), add_on_call_duties, apart) == {
        "on_call_duties": 3 * W.on_call_duty
    }


def test_a_zero_weight_turns_a_soft_rule_off(make, harness):
    weights = Weights(request_off=0, request_on=0, pool_pair=0, away_from_home=0, on_call_duty=0)
    scenario = dataclasses.replace(
        _three_sites(make),
        weights=weights,
        availability=(make.request("R1", AK.REQUEST_OFF, MON), make.request("R2", AK.REQUEST_ON, MON)),
    )
    h = harness(scenario, [add_requests, add_stable_pools, add_home_site_preference, add_on_call_duties])
    assert h.rota.penalties == []
