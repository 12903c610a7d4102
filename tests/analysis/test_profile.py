import datetime as dt
import math
from dataclasses import replace

import pytest

from pds_plan import load_scenario
from pds_plan.analysis.profile import (
    DEFAULT_CLOCK_CURVES,
    DEFAULT_PROFILE,
    ArrivalProfile,
    arrival_rates,
    default_profile,
    pool_arrival_rates,
    profile_from_clock,
    profile_from_table,
    slot_hours,
)
from pds_plan.bundled import bundled_scenarios
from pds_plan.domain.model import PdsHours, PeriodKind

NIGHT, SATURDAY, SUNDAY = PeriodKind.NIGHT, PeriodKind.SATURDAY, PeriodKind.SUNDAY_HOLIDAY
# Sum of the default night clock curve over 18:30 -> 08:30, minute by minute, in hours: the normaliser of the
# default night weights (half of 18:00's 1.2, then 19:00 ... 07:00, then half of 08:00's 0.9).
NIGHT_CURVE_TOTAL = 0.5 * 1.2 + (1.4 + 1.7 + 1.8 + 1.7 + 1.5)  # 18:30-24:00
NIGHT_CURVE_TOTAL += (1.1 + 0.8 + 0.5 + 0.4 + 0.35 + 0.35 + 0.45 + 0.6) + 0.5 * 0.9  # 00:00-08:30


def integral(rates, durations):
    """Exams per period of each modality: Σ_k λ_m(k) d(k)."""
    totals: dict[str, float] = {}
    for (_, by_modality), duration in zip(rates, durations, strict=True):
        for modality, rate in by_modality.items():
            totals[modality] = totals.get(modality, 0.0) + rate * duration
    return totals


def test_default_weights_sum_to_one_with_one_weight_per_hour_of_the_default_periods():
    assert [len(DEFAULT_PROFILE.of(kind)) for kind in PeriodKind] == [14, 6, 10]
    for kind in PeriodKind:
        assert sum(DEFAULT_PROFILE.of(kind)) == pytest.approx(1.0, abs=1e-12)
        assert all(w > 0 for w in DEFAULT_PROFILE.of(kind))
    assert "ANAP" in DEFAULT_PROFILE.source


def test_night_peak_is_between_20h_and_midnight_and_the_small_hours_are_quiet():
    weights = DEFAULT_PROFILE.of(NIGHT)
    peak = max(range(len(weights)), key=weights.__getitem__)
    start = dt.datetime(2027, 1, 1, 18, 30) + dt.timedelta(hours=peak)
    assert dt.time(20, 0) <= start.time() and (start + dt.timedelta(hours=1)).time() <= dt.time(23, 59)
    # Slots 8..11 (02:30-06:30) are all below the average hour; the 20:00-midnight clock hours carry about half of
    # the night's exams in 4 of its 14 hours.
    assert all(weights[k] < 1 / 14 for k in range(8, 12))
    evening = sum(DEFAULT_CLOCK_CURVES[NIGHT][20:24]) / NIGHT_CURVE_TOTAL
    assert 0.45 < evening < 0.55
    # Peak hour / average hour agrees with Reading.peak_factor (1.8) used by the rota's peak-load rule.
    assert max(weights) * 14 == pytest.approx(1.75 / NIGHT_CURVE_TOTAL * 14, rel=1e-12)
    assert max(weights) * 14 == pytest.approx(1.8, abs=0.05)


def test_weekend_days_are_fairly_flat():
    for kind in (SATURDAY, SUNDAY):
        weights = DEFAULT_PROFILE.of(kind)
        assert max(weights) * len(weights) < 1.15
        assert min(weights) * len(weights) > 0.6


def test_tiny_rates_are_the_mean_exams_spread_by_the_profile(tiny):
    rates = arrival_rates(tiny, "nancy", NIGHT)
    assert [k for k, _ in rates] == list(range(14))
    assert set(rates[0][1]) == {"CT", "XR"}
    # Slot 2 is 20:30-21:30: half of 20:00's 1.7 and half of 21:00's 1.8 over the night's total; 10 CT a night.
    assert rates[2][1]["CT"] == pytest.approx(10 * 1.75 / NIGHT_CURVE_TOTAL)
    assert rates[2][1]["CT"] == pytest.approx(1.27737, abs=1e-5)
    assert rates[2][1]["XR"] == pytest.approx(6 * 1.75 / NIGHT_CURVE_TOTAL)
    # Slot 9 is 03:30-04:30: (0.4 + 0.35) / 2.
    assert rates[9][1]["CT"] == pytest.approx(10 * 0.375 / NIGHT_CURVE_TOTAL)
    # Saturday: Verdun's 1.5 CT over 6 slots; Metz has no Saturday volume.
    saturday = arrival_rates(tiny, "verdun", SATURDAY)
    assert len(saturday) == 6
    assert sum(r["CT"] for _, r in saturday) == pytest.approx(1.5)
    assert all(r == {} for _, r in arrival_rates(tiny, "metz", SATURDAY))


@pytest.mark.parametrize("kind", list(PeriodKind))
def test_rates_integrate_back_to_the_mean_exams_of_volumes_csv(tiny, kind):
    durations = slot_hours(tiny.hours, kind)
    for site in tiny.sites:
        expected = {
            v.modality: v.mean_exams * tiny.reading.read_on_call_share(v.modality)
            for v in tiny.volumes
            if v.site_id == site.site_id and v.period == kind
        }
        totals = integral(arrival_rates(tiny, site.site_id, kind), durations)
        assert totals == pytest.approx(expected)


def test_pool_rates_are_the_sum_of_the_sites(tiny):
    pool = pool_arrival_rates(tiny, ["nancy", "metz", "metz"], NIGHT)
    nancy = arrival_rates(tiny, "nancy", NIGHT)
    metz = arrival_rates(tiny, "metz", NIGHT)
    for (_, both), (_, n), (_, m) in zip(pool, nancy, metz, strict=True):
        assert both["CT"] == pytest.approx(n["CT"] + m["CT"])
    assert integral(pool, slot_hours(tiny.hours, NIGHT)) == pytest.approx({"CT": 15, "XR": 9})


def test_hours_that_are_not_whole_give_a_shorter_last_slot_and_still_integrate_back(tiny):
    hours = PdsHours(saturday=(dt.time(13, 0), dt.time(18, 30)), night=(dt.time(20, 0), dt.time(8, 0)))
    scenario = replace(tiny, hours=hours)
    assert slot_hours(hours, SATURDAY) == [1, 1, 1, 1, 1, 0.5]
    assert len(slot_hours(hours, NIGHT)) == 12
    rates = arrival_rates(scenario, "verdun", SATURDAY)  # default shape cut for these hours
    assert integral(rates, slot_hours(hours, SATURDAY)) == pytest.approx({"CT": 1.5})
    # The default profile of the default hours does not fit: a clear error rather than a silent misfit.
    with pytest.raises(ValueError, match="14 hourly weights for night"):
        arrival_rates(scenario, "verdun", NIGHT, DEFAULT_PROFILE)
    # A 20:00 -> 08:00 night: its first slot is the 20:00 clock hour over the curve's 20:00-08:00 total.
    curve = DEFAULT_CLOCK_CURVES[NIGHT]
    assert default_profile(hours).of(NIGHT)[0] == pytest.approx(curve[20] / (sum(curve[20:]) + sum(curve[:8])))


def test_a_flat_clock_curve_gives_weights_proportional_to_slot_length():
    hours = PdsHours(saturday=(dt.time(13, 0), dt.time(18, 30)))
    profile = profile_from_clock({"saturday": [1.0] * 24}, hours)
    assert profile.saturday == pytest.approx([1 / 5.5] * 5 + [0.5 / 5.5])
    assert profile.night == default_profile(hours).night  # missing kinds keep the default


def test_profile_from_table_normalises_and_keeps_the_default_for_missing_kinds(tiny):
    profile = profile_from_table({"saturday": [1, 1, 2, 2, 1, 1]})
    assert profile.saturday == pytest.approx([0.125, 0.125, 0.25, 0.25, 0.125, 0.125])
    assert profile.night == pytest.approx(DEFAULT_PROFILE.night, abs=1e-15)
    rates = arrival_rates(tiny, "nancy", SATURDAY, profile)
    assert [r["CT"] for _, r in rates] == pytest.approx([0.5, 0.5, 1, 1, 0.5, 0.5])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"weekday": [1]}, "unknown period kind"),
        ({"saturday": [1, 1, 1]}, "3 hourly weights for saturday"),
        ({"saturday": [1, -1, 1, 1, 1, 1]}, "finite and >= 0"),
        ({"saturday": [0] * 6}, "sum to 0"),
        ({"saturday": [1, math.nan, 1, 1, 1, 1]}, "finite"),
    ],
)
def test_profile_from_table_rejects_bad_tables(table, message):
    with pytest.raises(ValueError, match=message):
        profile_from_table(table)


def test_arrival_profile_is_frozen_and_normalised_on_construction():
    profile = ArrivalProfile(night=(2.0,) * 14, saturday=(1.0,) * 6, sunday_holiday=(3.0,) * 10)
    assert profile.night == pytest.approx((1 / 14,) * 14)
    with pytest.raises(AttributeError):
        profile.night = (1.0,)  # type: ignore[misc]


def test_unknown_site_is_an_error(tiny):
    with pytest.raises(ValueError, match="unknown site"):
        arrival_rates(tiny, "nowhere", NIGHT)


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_bundled_scenarios_rates_integrate_back(path):
    scenario = load_scenario(path)
    for kind in PeriodKind:
        durations = slot_hours(scenario.hours, kind)
        for site in scenario.pds_sites:
            # Only the exams read on call arrive in the radiologist's queue (none of the ultrasounds by default).
            expected = {
                v.modality: v.mean_exams * scenario.reading.read_on_call_share(v.modality)
                for v in scenario.volumes
                if v.site_id == site.site_id and v.period == kind
            }
            assert integral(arrival_rates(scenario, site.site_id, kind), durations) == pytest.approx(expected)
