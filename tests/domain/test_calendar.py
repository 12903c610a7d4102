import datetime as dt
from dataclasses import replace

import pytest

from pds_plan.domain.calendar import PARIS, build_calendar, public_holidays, site_periods
from pds_plan.domain.model import PdsHours, PeriodKind, Site


def make_site(departement: str, site_id: str = "s") -> Site:
    return Site(site_id, "Site", "CH", departement, 48.7, 6.2, ("CT",), True, True)


MOSELLE = make_site("57", "metz")
MEURTHE = make_site("54", "nancy")
BAS_RHIN = make_site("67", "strasbourg")
HOURS = PdsHours()


def kinds_on(site: Site, day: dt.date) -> list[PeriodKind]:
    return [p.kind for p in site_periods(site, day, day, HOURS)]


def test_weekday_has_only_a_night_from_1830_to_0830_next_day():
    (night,) = site_periods(MEURTHE, dt.date(2027, 1, 12), dt.date(2027, 1, 12), HOURS)
    assert night.kind is PeriodKind.NIGHT
    assert night.start == dt.datetime(2027, 1, 12, 18, 30, tzinfo=PARIS)
    assert night.end == dt.datetime(2027, 1, 13, 8, 30, tzinfo=PARIS)
    assert night.minutes == 14 * 60


def test_saturday_has_an_afternoon_and_a_night_sunday_a_day_and_a_night():
    assert kinds_on(MEURTHE, dt.date(2027, 1, 9)) == [PeriodKind.SATURDAY, PeriodKind.NIGHT]
    assert kinds_on(MEURTHE, dt.date(2027, 1, 10)) == [PeriodKind.SUNDAY_HOLIDAY, PeriodKind.NIGHT]


def test_good_friday_is_a_holiday_in_moselle_and_alsace_but_not_in_meurthe_et_moselle():
    good_friday = dt.date(2027, 3, 26)
    assert kinds_on(MOSELLE, good_friday) == [PeriodKind.SUNDAY_HOLIDAY, PeriodKind.NIGHT]
    assert kinds_on(BAS_RHIN, good_friday) == [PeriodKind.SUNDAY_HOLIDAY, PeriodKind.NIGHT]
    assert kinds_on(MEURTHE, good_friday) == [PeriodKind.NIGHT]
    assert public_holidays(MOSELLE, [2027])[good_friday] == "Vendredi saint"


def test_26_december_is_a_holiday_only_in_alsace_moselle():
    boxing_day = dt.date(2028, 12, 26)  # a Tuesday
    assert kinds_on(MOSELLE, boxing_day)[0] is PeriodKind.SUNDAY_HOLIDAY
    assert kinds_on(MEURTHE, boxing_day) == [PeriodKind.NIGHT]


def test_holiday_on_a_saturday_is_covered_all_day_without_a_saturday_afternoon():
    # 1 May 2027 is a Saturday.
    periods = site_periods(MEURTHE, dt.date(2027, 5, 1), dt.date(2027, 5, 1), HOURS)
    assert [p.kind for p in periods] == [PeriodKind.SUNDAY_HOLIDAY, PeriodKind.NIGHT]
    assert periods[0].holiday == "Fête du Travail"


def test_spring_forward_night_lasts_13_hours_and_fall_back_night_15():
    (spring,) = [
        p
        for p in site_periods(MEURTHE, dt.date(2027, 3, 27), dt.date(2027, 3, 27), HOURS)
        if p.kind is PeriodKind.NIGHT
    ]
    (autumn,) = [
        p
        for p in site_periods(MEURTHE, dt.date(2027, 10, 30), dt.date(2027, 10, 30), HOURS)
        if p.kind is PeriodKind.NIGHT
    ]
    assert spring.minutes == 13 * 60
    assert autumn.minutes == 15 * 60
    assert spring.start.utcoffset() == dt.timedelta(hours=1)
    assert spring.end.utcoffset() == dt.timedelta(hours=2)
    assert autumn.end_utc.hour == 7  # 08:30 CET


def test_horizon_across_new_year_uses_both_years_holidays():
    periods = site_periods(MEURTHE, dt.date(2026, 12, 30), dt.date(2027, 1, 2), HOURS)
    days = [(p.date, p.kind) for p in periods if p.kind is PeriodKind.SUNDAY_HOLIDAY]
    assert days == [(dt.date(2027, 1, 1), PeriodKind.SUNDAY_HOLIDAY)]
    last_night = periods[-1]
    assert last_night.kind is PeriodKind.NIGHT and last_night.date == dt.date(2027, 1, 2)
    assert [p.date for p in periods if p.kind is PeriodKind.NIGHT] == [
        dt.date(2026, 12, 30),
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 2),
    ]


def test_scenario_hours_change_the_periods(tiny):
    changed = replace(tiny, hours=PdsHours(night=(dt.time(19, 0), dt.time(8, 0))))
    night = next(p for p in build_calendar(changed) if p.kind is PeriodKind.NIGHT)
    assert (night.start.hour, night.start.minute, night.minutes) == (19, 0, 13 * 60)


def test_calendar_covers_only_pds_sites_sorted_by_start(tiny):
    periods = build_calendar(tiny)
    assert {p.site_id for p in periods} == {"nancy", "metz", "verdun"}
    starts = [p.start_utc for p in periods]
    assert starts == sorted(starts)
    # 14 nights, 2 Saturdays, 2 Sundays and New Year's Day, for each of the three sites.
    assert len(periods) == 3 * (14 + 2 + 3)


@pytest.mark.parametrize("departement,subdivision", [("57", "57"), ("67", "6AE"), ("68", "6AE"), ("54", None)])
def test_holiday_subdivision_by_departement(departement, subdivision):
    assert make_site(departement).holiday_subdivision == subdivision
