"""Workload report: the expected-exams identity, a hand-made rota with known figures, and the SLA cache."""

import csv
import datetime as dt
import math
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from pds_plan import load_scenario
from pds_plan.analysis.sla import simulate_pool
from pds_plan.analysis.workload import SlaCache, days_lost_by_radiologist, duties_of, lost_day, workload
from pds_plan.bundled import default_scenario
from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.model import PeriodKind
from pds_plan.domain.rota import Assignment
from pds_plan.errors import InputError
from pds_plan.optimise.greedy import greedy_rota

N, SA, SH = PeriodKind.NIGHT, PeriodKind.SATURDAY, PeriodKind.SUNDAY_HOLIDAY
REPLICATIONS = 20  # enough for the figures checked here, and quick


def volumes_times_periods(scenario):
    """The acceptance check, computed independently: volumes.csv read as text, times the calendar's periods."""
    means = defaultdict(float)
    with scenario.input_files["volumes"].open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            means[(row["site_id"], row["period"])] += float(row["mean_exams"])
    periods = Counter((p.site_id, p.kind.value) for p in build_calendar(scenario))
    expected = defaultdict(float)
    for (site, kind), count in periods.items():
        expected[site] += count * means[(site, kind)]
    return dict(expected)


def hand_made(day, kind, radiologist, *sites):
    return [Assignment(dt.date(2027, 1, day), kind, s, radiologist) for s in sites]


HAND_MADE = [
    *hand_made(1, SH, "R1", "nancy", "metz", "verdun"),  # New Year's Day: 2 + holiday 1 + festive 2 = 5 points
    *hand_made(1, N, "R1", "nancy"),  # 2 + weekend-night 1 (holiday) + holiday 1 + festive 2 = 6; Saturday after
    *hand_made(4, N, "R2", "nancy", "metz"),  # Monday night: 2 points, Tuesday lost
    *hand_made(8, N, "R3", "metz"),  # Friday night: 2 points, Saturday after: nothing lost
    *hand_made(9, SA, "R3", "verdun"),  # Saturday afternoon: 1 point
    *hand_made(10, N, "R4", "verdun"),  # Sunday night: 3 points, Monday lost
    *hand_made(14, N, "R5", "verdun", "metz"),  # Thursday night, last of the horizon: Friday 15 lost (January)
]


@pytest.fixture(scope="module")
def tiny_scenario():
    return load_scenario(Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml")


@pytest.fixture(scope="module")
def hand_report(tiny_scenario):
    return workload(tiny_scenario, HAND_MADE, replications=REPLICATIONS)


def test_expected_exams_are_volumes_times_calendar_periods_exactly_on_tiny(tiny_scenario):
    report = workload(tiny_scenario, greedy_rota(tiny_scenario).assignments, replications=REPLICATIONS)
    assert report.expected_exams == volumes_times_periods(tiny_scenario)  # halves and wholes: exact in binary
    assert report.expected_exams == {"nancy": 253.0, "metz": 124.0, "verdun": 51.0}
    assert report.sites["pds_periods"].tolist() == [19, 19, 19]


def test_expected_exams_are_volumes_times_calendar_periods_on_lorraine():
    scenario = load_scenario(default_scenario())
    report = workload(scenario, greedy_rota(scenario).assignments, replications=REPLICATIONS)
    expected = volumes_times_periods(scenario)
    assert set(report.expected_exams) == set(expected) == {s.site_id for s in scenario.pds_sites}
    for site, exams in report.expected_exams.items():
        assert math.isclose(exams, expected[site], rel_tol=1e-12), site
    # Every site period is read, so the exams read by the radiologists add up to the sites' exams.
    assert math.isclose(report.radiologists["expected_exams"].sum(), sum(expected.values()), rel_tol=1e-12)
    assert report.uncovered == ()
    assert report.sites["sla_share_within_target"].between(0, 1).all()
    assert report.sites["share_read_by_own_staff"].between(0, 1).all()


def test_hand_made_rota_periods_points_hours_exams_and_days_lost(hand_report):
    by_id = hand_report.radiologists.set_index("radiologist_id")
    assert by_id["night_periods"].to_dict() == {"R1": 1, "R2": 1, "R3": 1, "R4": 1, "R5": 1}
    assert by_id["saturday_periods"].to_dict() == {"R1": 0, "R2": 0, "R3": 1, "R4": 0, "R5": 0}
    assert by_id["sunday_holiday_periods"].to_dict() == {"R1": 1, "R2": 0, "R3": 0, "R4": 0, "R5": 0}
    assert by_id["periods"].to_dict() == {"R1": 2, "R2": 1, "R3": 2, "R4": 1, "R5": 1}  # 3 sites count once
    assert by_id["weighted_points"].to_dict() == {"R1": 11, "R2": 2, "R3": 3, "R4": 3, "R5": 2}
    assert by_id["on_call_hours"].to_dict() == {"R1": 24.0, "R2": 14.0, "R3": 20.0, "R4": 14.0, "R5": 14.0}
    assert by_id["expected_exams"].to_dict() == {"R1": 29.0, "R2": 24.0, "R3": 9.5, "R4": 3.0, "R5": 11.0}
    assert by_id["daytime_days_lost"].to_dict() == {"R1": 0, "R2": 1, "R3": 0, "R4": 1, "R5": 1}
    # Fair shares (analysis.fairness) share out the 21 points; deviation = points - fair share.
    assert by_id["fair_share"].sum() == pytest.approx(21, abs=0.05)
    assert (by_id["weighted_points"] - by_id["fair_share"]).round(2).tolist() == by_id["deviation"].tolist()

    sites = hand_report.sites.set_index("site_id")
    assert sites["uncovered_periods"].to_dict() == {"nancy": 16, "metz": 15, "verdun": 15}
    assert sites["share_read_by_own_staff"].to_dict() == pytest.approx(
        {"nancy": 3 / 19, "metz": 1 / 19, "verdun": 2 / 19}
    )

    periods = hand_report.periods
    assert len(periods) == 7
    first = periods.iloc[0]
    assert (first["date"], first["period"], first["radiologist_id"], first["sites"]) == (
        "2027-01-01", "sunday_holiday", "R1", "metz;nancy;verdun",
    )  # fmt: skip
    assert first["pool_id"] == "metz+nancy+verdun" and first["expected_exams"] == 13.0


def test_days_lost_per_home_site_and_month_against_no_pooling(hand_report):
    lost = hand_report.days_lost.set_index(["home_site", "month"])
    assert lost.loc[("nancy", "2027-01"), "days_lost"] == 1
    assert lost.loc[("metz", "2027-01"), "days_lost"] == 0
    assert lost.loc[("verdun", "2027-01"), "days_lost"] == 2
    # Without pooling each site's own radiologist loses the weekday after each of its 14 nights but the nights
    # of Friday 1 (Saturday after), Saturday 2, Friday 8 and Saturday 9: 10 days.
    assert lost["days_lost_without_pooling"].to_dict() == {
        ("metz", "2027-01"): 10, ("nancy", "2027-01"): 10, ("verdun", "2027-01"): 10,
    }  # fmt: skip
    assert (lost["days_given_back"] == lost["days_lost_without_pooling"] - lost["days_lost"]).all()


def test_a_holiday_of_the_home_site_is_not_lost(tiny_scenario):
    # Thursday 2027-03-25 night: Good Friday 26 is a holiday in Moselle (57) but not in Meurthe-et-Moselle (54).
    assert lost_day(dt.date(2027, 3, 25), {dt.date(2027, 3, 26): "Vendredi saint"}) is None
    assert lost_day(dt.date(2027, 3, 25), {}) == dt.date(2027, 3, 26)
    scenario = load_scenario(default_scenario())
    metz_radiologist = next(r for r in scenario.radiologists if r.home_site == "lor_metz_mercy")
    nancy_radiologist = next(r for r in scenario.radiologists if r.home_site == "lor_nancy_central")
    rota = [
        Assignment(dt.date(2027, 3, 25), N, "lor_metz_mercy", metz_radiologist.radiologist_id),
        Assignment(dt.date(2027, 3, 25), N, "lor_nancy_central", nancy_radiologist.radiologist_id),
    ]
    lost = days_lost_by_radiologist(scenario, duties_of(scenario, rota))
    assert lost == {nancy_radiologist.radiologist_id: [dt.date(2027, 3, 26)]}


def test_sla_is_simulated_once_per_distinct_pool_and_period_kind(tiny_scenario):
    calls = []

    def counting(*args, **kwargs):
        calls.append((tuple(args[1]), args[2]))
        return simulate_pool(*args, **kwargs)

    assignments = greedy_rota(tiny_scenario).assignments
    report = workload(tiny_scenario, assignments, replications=REPLICATIONS, simulate=counting)
    combos = {(tuple(sorted(d.site_ids)), d.kind) for d in report.duties}
    assert report.simulations == len(calls) == len(set(calls)) <= len(combos)
    assert len(calls) < len(report.duties)  # the cache is what keeps this small
    # A site's SLA share is the mean of its pools' simulated shares, weighted by the site's expected exams.
    cache = SlaCache(tiny_scenario, replications=REPLICATIONS)
    shares = [
        (cache.get(d.site_ids, d.kind).share_within_target, {"night": 5 + 3, "sunday_holiday": 4}.get(d.kind, 0))
        for d in report.duties
        if "metz" in d.site_ids
    ]
    weighted = sum(s * w for s, w in shares) / sum(w for _, w in shares)
    metz = report.sites.set_index("site_id").loc["metz", "sla_share_within_target"]
    assert metz == pytest.approx(weighted, rel=1e-12)


def test_a_rota_row_outside_the_calendar_is_a_located_error(tiny_scenario):
    wrong = [Assignment(dt.date(2027, 1, 5), SA, "nancy", "R1"), *hand_made(4, N, "R2", "nancy")]
    with pytest.raises(InputError) as error:
        workload(tiny_scenario, [*wrong, *hand_made(4, N, "R3", "nancy")], replications=REPLICATIONS, source="r.csv")
    messages = [str(p) for p in error.value.problems]
    assert messages == [
        "r.csv: 2027-01-05 saturday nancy: not a PDS period of scenario tiny",
        "r.csv: 2027-01-04 night nancy: assigned more than once",
    ]


def test_on_call_per_night_counts_radiologists_and_sites():
    import pandas as pd

    from pds_plan.analysis.workload import on_call_per_night

    rota = pd.DataFrame(
        {
            "date": ["2027-01-04", "2027-01-04", "2027-01-04", "2027-01-05", "2027-01-09"],
            "period": ["night", "night", "night", "night", "saturday"],
            "site_id": ["a", "b", "c", "a", "a"],
            "radiologist_id": ["R1", "R1", "R2", "R3", "R4"],
        }
    )
    nights = on_call_per_night(rota)
    assert nights.to_dict("records") == [
        {"date": "2027-01-04", "radiologists": 2, "sites": 3},
        {"date": "2027-01-05", "radiologists": 1, "sites": 1},
    ]
