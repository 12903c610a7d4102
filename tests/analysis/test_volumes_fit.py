"""Fitting volumes.csv and the arrival profile from an exam log: obvious tiny logs, local holidays, daylight saving,
and a seeded simulation whose known volumes and profile the fit must recover within a few standard errors."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from pds_plan import load_scenario
from pds_plan.analysis.profile import ArrivalProfile, default_profile, profile_from_table, slot_hours
from pds_plan.analysis.volumes_fit import (
    VOLUME_COLUMNS,
    ExamStatus,
    fit_volumes,
    profile_toml,
    volumes_csv,
)
from pds_plan.domain.calendar import public_holidays, site_periods
from pds_plan.domain.model import PdsHours, PeriodKind, Site

PARIS = ZoneInfo("Europe/Paris")
TINY_SCENARIO = Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml"
NIGHT, SATURDAY, SUNDAY = PeriodKind.NIGHT, PeriodKind.SATURDAY, PeriodKind.SUNDAY_HOLIDAY


def at(text: str) -> dt.datetime:
    """An ISO date-time; without an offset, Paris wall-clock time."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def log(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """An exam log from (site_id, modality, ISO timestamp) rows."""
    return pd.DataFrame(
        {
            "site_id": [r[0] for r in rows],
            "modality": [r[1] for r in rows],
            "timestamp": pd.to_datetime([at(r[2]) for r in rows], utc=True),
        }
    )


def volume(fit, site_id: str, modality: str, kind: PeriodKind) -> dict:
    rows = fit.volumes[
        (fit.volumes["site_id"] == site_id) & (fit.volumes["modality"] == modality) & (fit.volumes["period"] == kind)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0].to_dict()


def statuses(fit) -> list[str]:
    return fit.exams["status"].tolist()


# --- tiny logs whose answer is obvious ---


def test_three_exams_on_the_saturday_afternoon_of_a_one_week_log_are_a_mean_of_three(tiny):
    # Monday 4 to Sunday 10 January 2027: one Saturday afternoon, one Sunday, six whole nights (4-5 ... 9-10).
    exams = log(
        ("nancy", "XR", "2027-01-04T10:00"),  # Monday morning: daytime, sets the span's first date
        ("nancy", "CT", "2027-01-09T13:00"),
        ("nancy", "CT", "2027-01-09T15:45"),
        ("nancy", "CT", "2027-01-09T18:10"),
        ("nancy", "XR", "2027-01-10T11:00"),  # Sunday day period, sets the span's last date
    )
    fit = fit_volumes(exams, tiny.sites)
    assert (fit.start, fit.end, fit.days) == (dt.date(2027, 1, 4), dt.date(2027, 1, 10), 7)
    assert volume(fit, "nancy", "CT", SATURDAY) | {"std_error": None} == {
        "site_id": "nancy",
        "modality": "CT",
        "period": "saturday",
        "mean_exams": 3.0,
        "exams": 3,
        "periods": 1,
        "std_error": None,
    }
    assert math.isnan(volume(fit, "nancy", "CT", SATURDAY)["std_error"])  # one period: no spread to measure
    assert volume(fit, "nancy", "XR", SUNDAY)["mean_exams"] == 1.0
    assert volume(fit, "nancy", "CT", NIGHT) | {"std_error": 0.0} == {
        "site_id": "nancy",
        "modality": "CT",
        "period": "night",
        "mean_exams": 0.0,
        "exams": 0,
        "periods": 6,
        "std_error": 0.0,
    }
    assert statuses(fit) == ["daytime", "counted", "counted", "counted", "counted"]
    assert fit.periods_counted() == {NIGHT: 6, SATURDAY: 1, SUNDAY: 1}
    assert list(fit.volumes.columns) == VOLUME_COLUMNS
    # Every modality nancy lists in sites.csv gets a line, with 0 when none was done in PDS time.
    assert sorted(set(fit.volumes["modality"])) == ["CT", "MRI", "US", "XR"]
    assert len(fit.volumes) == 4 * 3
    per_site = fit.per_site().set_index("site_id")
    assert per_site.loc["nancy", "saturday_mean"] == 3.0 and per_site.loc["nancy", "night_periods"] == 6
    assert any("verdun has no exam in the log" in note for note in fit.notes)


def test_periods_start_at_their_first_minute_and_end_before_their_last(tiny):
    exams = log(
        ("metz", "CT", "2027-01-04T08:00"),  # Monday: sets the span
        ("metz", "CT", "2027-01-09T12:29:59"),  # Saturday morning: daytime
        ("metz", "CT", "2027-01-09T12:30"),  # Saturday afternoon starts
        ("metz", "CT", "2027-01-09T18:29:59"),
        ("metz", "CT", "2027-01-09T18:30"),  # Saturday night starts
        ("metz", "CT", "2027-01-10T08:29:59"),  # still Saturday's night
        ("metz", "CT", "2027-01-10T08:30"),  # Sunday day period
        ("metz", "CT", "2027-01-10T18:29"),
    )
    fit = fit_volumes(exams, tiny.sites)
    assert statuses(fit) == ["cut", "daytime", "counted", "counted", "counted", "counted", "counted", "counted"]
    assert fit.exams["period"].tolist()[2:] == ["saturday", "saturday", "night", "night"] + ["sunday_holiday"] * 2
    assert fit.exams["date"].tolist()[4:6] == [dt.date(2027, 1, 9)] * 2
    # Slots: hours of wall-clock time from the period's start.
    assert fit.exams["slot"].tolist() == [13, -1, 0, 5, 0, 13, 0, 9]
    assert volume(fit, "metz", "CT", NIGHT)["mean_exams"] == pytest.approx(2 / 6)


def test_the_nights_the_log_covers_only_in_part_are_not_counted(tiny):
    exams = log(
        ("verdun", "CT", "2027-01-04T03:00"),  # in the night of Sunday 3rd: the log starts at midnight, within it
        ("verdun", "CT", "2027-01-05T03:00"),
        ("verdun", "CT", "2027-01-06T20:00"),  # in the night of the last date: the log ends at midnight, within it
    )
    fit = fit_volumes(exams, tiny.sites)
    assert (fit.start, fit.end) == (dt.date(2027, 1, 4), dt.date(2027, 1, 6))
    assert statuses(fit) == ["cut", "counted", "cut"]
    assert volume(fit, "verdun", "CT", NIGHT) | {"std_error": 0} == {
        "site_id": "verdun",
        "modality": "CT",
        "period": "night",
        "mean_exams": 0.5,
        "exams": 1,
        "periods": 2,
        "std_error": 0,
    }
    # Two weekday-only days: no Saturday or Sunday period to estimate, and the fit says so.
    assert set(fit.volumes["period"]) == {"night"}
    assert any("no whole saturday period" in note for note in fit.notes)
    # Telling the fit that the log starts the day before makes that night whole.
    wider = fit_volumes(exams, tiny.sites, start=dt.date(2027, 1, 3))
    assert statuses(wider) == ["counted", "counted", "cut"]
    assert volume(wider, "verdun", "CT", NIGHT)["mean_exams"] == pytest.approx(2 / 3)


def test_an_explicit_span_ignores_the_exams_outside_it(tiny):
    exams = log(
        ("nancy", "CT", "2027-01-02T20:00"),
        ("nancy", "CT", "2027-01-05T20:00"),
        ("nancy", "CT", "2027-01-20T20:00"),
    )
    fit = fit_volumes(exams, tiny.sites, start=dt.date(2027, 1, 4), end=dt.date(2027, 1, 10))
    assert statuses(fit) == ["outside_span", "counted", "outside_span"]
    assert volume(fit, "nancy", "CT", NIGHT)["mean_exams"] == pytest.approx(1 / 6)


def test_the_standard_error_is_the_spread_of_the_counts_per_period(tiny):
    # Two Saturdays, 3 exams then none: mean 1.5, sample sd sqrt(4.5), standard error sqrt(4.5 / 2) = 1.5.
    exams = log(
        ("nancy", "CT", "2027-01-04T10:00"),
        ("nancy", "CT", "2027-01-09T13:00"),
        ("nancy", "CT", "2027-01-09T14:00"),
        ("nancy", "CT", "2027-01-09T15:00"),
        ("nancy", "CT", "2027-01-17T10:00"),  # Sunday 17th; Saturday 16th has none
    )
    saturday = volume(fit_volumes(exams, tiny.sites), "nancy", "CT", SATURDAY)
    assert (saturday["mean_exams"], saturday["periods"], saturday["std_error"]) == (1.5, 2, pytest.approx(1.5))


# --- local public holidays: the same date is a different period in Moselle ---


@pytest.mark.parametrize(
    ("moment", "metz", "nancy"),
    [
        # 26 December 2026, a Saturday: a public holiday in Moselle (57), not in Meurthe-et-Moselle (54).
        ("2026-12-26T10:00", "sunday_holiday", None),
        ("2026-12-26T14:00", "sunday_holiday", "saturday"),
        # Good Friday 2027 (26 March): Sunday-like in Moselle, a working day in Meurthe-et-Moselle.
        ("2027-03-26T10:00", "sunday_holiday", None),
        ("2027-03-26T20:00", "night", "night"),
    ],
)
def test_good_friday_and_26_december_are_sunday_holiday_periods_in_moselle_only(tiny, moment, metz, nancy):
    day = moment[:10]
    exams = log(("metz", "CT", moment), ("nancy", "CT", moment))
    fit = fit_volumes(exams, tiny.sites, start=dt.date.fromisoformat(day), end=dt.date.fromisoformat(day))
    assert [None if pd.isna(kind) else kind for kind in fit.exams["period"]] == [metz, nancy]
    in_nancy = "daytime" if nancy is None else ("cut" if nancy == "night" else "counted")
    assert fit.exams["status"].tolist()[1] == in_nancy


def test_holiday_periods_are_counted_per_site(tiny):
    # Holy week 2027: Monday 22 to Sunday 28 March; Good Friday is a Sunday-like period in Metz only.
    exams = log(
        ("metz", "CT", "2027-03-22T10:00"),
        ("metz", "CT", "2027-03-26T10:00"),
        ("nancy", "CT", "2027-03-22T10:00"),
        ("nancy", "CT", "2027-03-26T10:00"),
        ("nancy", "CT", "2027-03-28T10:00"),
    )
    fit = fit_volumes(exams, tiny.sites)
    assert volume(fit, "metz", "CT", SUNDAY) | {"std_error": 0} == {
        "site_id": "metz",
        "modality": "CT",
        "period": "sunday_holiday",
        "mean_exams": 0.5,
        "exams": 1,
        "periods": 2,
        "std_error": 0,
    }
    assert (volume(fit, "nancy", "CT", SUNDAY)["exams"], volume(fit, "nancy", "CT", SUNDAY)["periods"]) == (1, 1)
    holidays = fit.periods[fit.periods["holiday"] != ""]
    assert set(zip(holidays["site_id"], holidays["date"], holidays["period"], strict=True)) >= {
        ("metz", dt.date(2027, 3, 26), "sunday_holiday"),
    }
    assert "nancy" not in set(holidays.loc[holidays["date"] == dt.date(2027, 3, 26), "site_id"])


# --- the nights of the daylight-saving changes ---


def test_the_spring_night_lasts_13_hours_and_ends_at_08_30_summer_time(tiny):
    # Saturday 27 to Sunday 28 March 2027: clocks go from 02:00 to 03:00.
    exams = log(
        ("nancy", "CT", "2027-03-27T20:00"),
        ("nancy", "CT", "2027-03-28T03:15+02:00"),  # 8 h 45 of wall-clock time after 18:30, 7 h 45 really
        ("nancy", "CT", "2027-03-28T02:30"),  # a local time that does not exist: read as 03:30 summer time
        ("nancy", "CT", "2027-03-28T08:15+02:00"),  # 06:15 UTC: still the night (a 14 h night from 17:30 UTC would
        ("nancy", "CT", "2027-03-28T06:45:00Z"),  # end at 07:30 UTC); 08:45 summer time: the Sunday day period
    )
    fit = fit_volumes(exams, tiny.sites, start=dt.date(2027, 3, 27), end=dt.date(2027, 3, 28))
    assert fit.exams["period"].tolist() == ["night", "night", "night", "night", "sunday_holiday"]
    assert fit.exams["date"].tolist() == [dt.date(2027, 3, 27)] * 4 + [dt.date(2027, 3, 28)]
    assert fit.exams["slot"].tolist() == [1, 8, 9, 13, 0]
    night = fit.periods[(fit.periods["site_id"] == "nancy") & (fit.periods["date"] == dt.date(2027, 3, 27))]
    night = night[night["period"] == "night"].iloc[0]
    assert night["end"] - night["start"] == pd.Timedelta(hours=13)


def test_the_autumn_night_lasts_15_hours_and_its_repeated_hour_falls_in_one_slot(tiny):
    # Saturday 30 to Sunday 31 October 2027: clocks go back from 03:00 to 02:00.
    exams = log(
        ("metz", "CT", "2027-10-31T02:30+02:00"),  # the first 02:30
        ("metz", "CT", "2027-10-31T02:30+01:00"),  # an hour later, the second 02:30
        ("metz", "CT", "2027-10-31T08:29+01:00"),
        ("metz", "CT", "2027-10-31T08:30+01:00"),
    )
    fit = fit_volumes(exams, tiny.sites, start=dt.date(2027, 10, 30), end=dt.date(2027, 10, 31))
    assert fit.exams["period"].tolist() == ["night", "night", "night", "sunday_holiday"]
    assert fit.exams["slot"].tolist() == [8, 8, 13, 0]
    assert statuses(fit) == ["counted"] * 4
    night = fit.periods[(fit.periods["date"] == dt.date(2027, 10, 30)) & (fit.periods["period"] == "night")]
    assert (night["end"] - night["start"]).tolist() == [pd.Timedelta(hours=15)]


def test_naive_timestamps_from_a_notebook_are_paris_wall_clock_time(tiny):
    naive = pd.DataFrame(
        {
            "site_id": ["nancy"] * 2,
            "modality": ["CT"] * 2,
            "timestamp": pd.to_datetime(["2027-01-09 12:45", "2027-01-09 12:15"]),
        }
    )
    fit = fit_volumes(naive, tiny.sites)
    assert statuses(fit) == ["counted", "daytime"]
    assert str(fit.exams["timestamp"].dt.tz) == "Europe/Paris"
    # As the log reader takes them: the repeated October hour as summer time, the skipped March one an hour on.
    stamps = pd.to_datetime(["2027-03-28 02:30", "2027-10-31 02:30"])
    changes = pd.DataFrame({"site_id": ["nancy"] * 2, "modality": ["CT"] * 2, "timestamp": stamps})
    moments = fit_volumes(changes, tiny.sites).exams["timestamp"]
    # (Compared in UTC: PEP 495 makes a time in the repeated hour unequal to any time of another time zone.)
    assert moments.dt.tz_convert("UTC").tolist() == [
        at("2027-03-28T03:30+02:00").astimezone(dt.UTC),
        at("2027-10-31T02:30+02:00").astimezone(dt.UTC),
    ]
    assert moments.dt.strftime("%H:%M%z").tolist() == ["03:30+0200", "02:30+0200"]


# --- sites ---


def test_exams_of_a_site_without_pds_are_not_counted_and_absent_pds_sites_are_named(tiny):
    exams = log(("pont", "XR", "2027-01-09T20:00"), ("nancy", "CT", "2027-01-09T20:00"))
    fit = fit_volumes(exams, tiny.sites, start=dt.date(2027, 1, 9), end=dt.date(2027, 1, 10))
    assert statuses(fit) == ["no_pds_site", "counted"]
    assert set(fit.volumes["site_id"]) == {"nancy"}
    assert any("without PDS need" in note and "pont" in note for note in fit.notes)
    assert sum("has no exam in the log" in note for note in fit.notes) == 2  # metz and verdun


def test_a_modality_the_site_does_not_list_gets_a_line_when_it_was_done_in_pds_time(tiny):
    exams = log(("metz", "MRI", "2027-01-05T20:00"), ("metz", "US", "2027-01-05T10:00"))
    fit = fit_volumes(exams, tiny.sites, start=dt.date(2027, 1, 4), end=dt.date(2027, 1, 10))
    # metz lists CT and XR; its MRI was done at night, its ultrasound only in daytime.
    assert sorted(set(fit.volumes.loc[fit.volumes["site_id"] == "metz", "modality"])) == ["CT", "MRI", "XR"]


def test_unknown_sites_and_a_backward_span_are_refused(tiny):
    with pytest.raises(ValueError, match="toul"):
        fit_volumes(log(("toul", "CT", "2027-01-09T20:00")), tiny.sites)
    with pytest.raises(ValueError, match="before it starts"):
        fit_volumes(
            log(("nancy", "CT", "2027-01-09T20:00")), tiny.sites, start=dt.date(2027, 1, 9), end=dt.date(2027, 1, 1)
        )


# --- round trip: a simulated log from known volumes and profile ---

# Weights per slot of the true profile: deliberately unlike the default one, so that a fit that returned the
# default would fail.
TRUE_PROFILE = ArrivalProfile(
    night=(1, 2, 4, 6, 5, 4, 3, 2, 1, 1, 1, 1, 2, 3),
    saturday=(3, 1, 1, 2, 2, 4),
    sunday_holiday=(1, 2, 3, 3, 2, 1, 1, 2, 3, 2),
)


def simulate_log(
    sites: list[Site],
    volumes: dict[tuple[str, str, PeriodKind], float],
    profile: ArrivalProfile,
    start: dt.date,
    end: dt.date,
    seed: int,
    hours: PdsHours | None = None,
    daytime_per_day: float = 4.0,
) -> pd.DataFrame:
    """An exam log over whole days `start` to `end`: for each PDS period a Poisson number of exams per modality
    (mean from `volumes`), each in a slot drawn from `profile` at a uniform time within it, plus daytime exams on
    working-day mornings. The periods just outside the span are simulated too, and cut at midnight as an export
    by date would be."""
    hours = hours or PdsHours()
    rng = np.random.default_rng(seed)
    first = dt.datetime.combine(start, dt.time(0), tzinfo=PARIS)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)
    rows: list[tuple[str, str, dt.datetime]] = []
    for site in sites:
        for period in site_periods(site, start - dt.timedelta(days=1), end + dt.timedelta(days=1), hours):
            weights = np.array(profile.of(period.kind))
            durations = slot_hours(hours, period.kind)
            for (site_id, modality, kind), mean in volumes.items():
                if site_id != site.site_id or kind != period.kind:
                    continue
                for slot in rng.choice(len(weights), size=rng.poisson(mean), p=weights):
                    wall = period.start.replace(tzinfo=None) + dt.timedelta(hours=slot + rng.random() * durations[slot])
                    rows.append((site_id, modality, wall.replace(tzinfo=PARIS)))
        holidays = public_holidays(site, range(start.year, end.year + 1))
        for offset in range((end - start).days + 1):
            day = start + dt.timedelta(days=offset)
            if day.weekday() == 6 or day in holidays:
                continue
            for _ in range(rng.poisson(daytime_per_day)):
                wall = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(hours=3 * rng.random())
                rows.append((site.site_id, "XR", wall.replace(tzinfo=PARIS)))
    kept = [r for r in rows if first <= r[2] < last]
    return pd.DataFrame(
        {
            "site_id": [r[0] for r in kept],
            "modality": [r[1] for r in kept],
            "timestamp": pd.to_datetime([r[2] for r in kept], utc=True),
        }
    )


@pytest.fixture(scope="module")
def round_trip():
    tiny = load_scenario(TINY_SCENARIO)
    truth = {(v.site_id, v.modality, v.period): v.mean_exams for v in tiny.volumes}
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    exams = simulate_log(list(tiny.sites), truth, TRUE_PROFILE, start, end, seed=20260101)
    return tiny, truth, exams, fit_volumes(exams, tiny.sites)


def test_round_trip_recovers_the_known_volumes_within_4_standard_errors(round_trip):
    tiny, truth, exams, fit = round_trip
    assert (fit.start, fit.end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    counts = fit.status_counts()
    assert counts[ExamStatus.DAYTIME] > 2000 and counts[ExamStatus.CUT] > 0
    assert counts[ExamStatus.NO_PDS_SITE] > 0  # pont's daytime exams
    assert sum(counts.values()) == len(exams) and counts[ExamStatus.OUTSIDE_SPAN] == 0
    # The periods counted are the calendar's: nights of 1 January to 30 December, day periods of every date.
    for site in tiny.pds_sites:
        calendar = site_periods(site, fit.start, fit.end, tiny.hours)
        expected = {kind: sum(p.kind == kind for p in calendar) for kind in PeriodKind}
        expected[NIGHT] -= 1
        got = fit.volumes[fit.volumes["site_id"] == site.site_id].groupby("period")["periods"].first().to_dict()
        assert got == {kind.value: n for kind, n in expected.items()}
    checked = 0
    for row in fit.volumes.to_dict("records"):
        mean = truth.get((row["site_id"], row["modality"], PeriodKind(row["period"])), 0.0)
        if mean == 0:
            # Modalities nancy lists without volumes (MRI, US), and kinds a site has none of: exactly 0.
            assert row["exams"] == 0 and row["std_error"] == 0, row
            continue
        true_error = math.sqrt(mean / row["periods"])  # Poisson counts
        assert abs(row["mean_exams"] - mean) <= 4 * true_error, (row, mean)
        assert row["std_error"] == pytest.approx(true_error, rel=0.5), (row, mean)
        checked += 1
    assert checked == len(truth)


def test_round_trip_recovers_the_known_profile_within_4_standard_errors(round_trip):
    _, _, _, fit = round_trip
    assert fit.profile.fitted == frozenset(PeriodKind) and fit.profile.notes() == []
    for kind in PeriodKind:
        exams = fit.profile.exams(kind)
        for fitted, true in zip(fit.profile.profile.of(kind), TRUE_PROFILE.of(kind), strict=True):
            assert abs(fitted - true) <= 4 * math.sqrt(true * (1 - true) / exams), (kind, fitted, true)
        # And it is not the default shape.
        assert (
            max(abs(f - d) for f, d in zip(fit.profile.profile.of(kind), default_profile().of(kind), strict=True))
            > 0.02
        )


def test_a_kind_with_too_few_exams_keeps_the_default_profile_and_the_toml_reads_back(round_trip):
    tiny, _, exams, _ = round_trip
    # Only January: 5 Saturdays of 5.5 exams and 5 Sunday-like days of 13 are far fewer than 20 per slot; 30 nights
    # of 27 exams are enough.
    fit = fit_volumes(exams, tiny.sites, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
    assert fit.profile.fitted == {NIGHT}
    assert fit.profile.profile.of(SATURDAY) == pytest.approx(default_profile().of(SATURDAY))
    saturday, sunday = fit.profile.notes()
    assert saturday.startswith("saturday: only ") and "fewer than the 120 needed" in saturday and "default" in saturday
    assert sunday.startswith("sunday_holiday: only ") and "fewer than the 200 needed" in sunday
    text = profile_toml(fit.profile, fit.hours, "from a simulated log")
    table = tomllib.loads(text)["profile"]
    assert set(table) == {kind.value for kind in fit.profile.fitted}
    read_back = profile_from_table(table, fit.hours)
    for kind in PeriodKind:
        assert read_back.of(kind) == pytest.approx(fit.profile.profile.of(kind), abs=1e-4)
    assert "# saturday: only" in text and "[profile]" in text


def test_volumes_csv_starts_with_the_contract_s_columns(round_trip):
    _, _, _, fit = round_trip
    lines = volumes_csv(fit.volumes).splitlines()
    assert lines[0] == "site_id,modality,period,mean_exams,exams,periods,std_error"
    assert lines[1].startswith("nancy,CT,night,")
    _, _, _, mean, exams, periods, std_error = lines[1].split(",")
    assert len(mean.split(".")[1]) <= 3 and len(std_error.split(".")[1]) <= 3  # rounded: more would be noise
    assert exams.isdigit() and periods == "364"
