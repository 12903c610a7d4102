import datetime as dt
from dataclasses import replace

from pds_plan.check import check_rota
from pds_plan.optimise.decompose import carried_hours, carried_points, month_spans, solve_by_month
from pds_plan.optimise.rota_model import SolveOptions


def test_month_spans_cut_the_horizon_at_calendar_months():
    spans = month_spans(dt.date(2027, 1, 20), dt.date(2027, 3, 5))
    assert spans == [
        (dt.date(2027, 1, 20), dt.date(2027, 1, 31)),
        (dt.date(2027, 2, 1), dt.date(2027, 2, 28)),
        (dt.date(2027, 3, 1), dt.date(2027, 3, 5)),
    ]


def test_a_horizon_solved_month_by_month_keeps_every_rule_across_month_boundaries(tiny):
    # Five months of the tiny scenario: rest and block rules must hold on the nights around each 1st of the month.
    long = replace(tiny, end=dt.date(2027, 5, 31))
    decomposed = solve_by_month(long, SolveOptions(time_limit=8, workers=1))
    assert decomposed is not None
    outcome, stages = decomposed
    assert outcome.found
    assert check_rota(long, outcome.assignments) == []
    assert outcome.parameters["decomposition"][0].startswith("2027-01")
    assert len(outcome.parameters["decomposition"]) == 5
    # Each month in the stages, then the whole horizon polished in them: in solve order.
    months = [s.part for s in stages if s.name == "largest_load"]
    assert months == ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", None]
    # Every month's bounds hold with the points carried from the months before: the smallest load's is an upper one.
    bounded = [s for s in stages if s.bound is not None and s.name in ("largest_load", "smallest_load")]
    assert {s.part for s in bounded} >= {"2027-02", "2027-05"}
    for stage in bounded:
        if stage.name == "largest_load":
            assert stage.bound <= stage.objective + 1e-9, stage
        else:
            assert stage.bound >= stage.objective - 1e-9, stage


def test_points_carried_over_count_one_duty_per_period_whatever_the_sites(tiny):
    from pds_plan.domain.model import PeriodKind
    from pds_plan.domain.rota import Assignment

    night = dt.date(2027, 1, 4)  # a Monday night: 2 points by default
    both = [Assignment(night, PeriodKind.NIGHT, "nancy", "R1"), Assignment(night, PeriodKind.NIGHT, "metz", "R1")]
    assert carried_points(tiny, both, before=dt.date(2027, 1, 5)) == {"R1": 2}
    assert carried_points(tiny, both, before=night) == {}


def test_hours_carried_over_count_one_duty_per_period_whatever_the_sites(tiny):
    from pds_plan.domain.model import PeriodKind
    from pds_plan.domain.rota import Assignment

    night = dt.date(2027, 1, 4)  # a Monday night, 18:30 to 08:30: 14 h
    both = [Assignment(night, PeriodKind.NIGHT, "nancy", "R1"), Assignment(night, PeriodKind.NIGHT, "metz", "R1")]
    assert carried_hours(tiny, both, before=dt.date(2027, 1, 5)) == {"R1": 14.0}
    assert carried_hours(tiny, both, before=night) == {}
