"""Replan, swap and cover on a hand-made rota where the fewest changes are obvious (the `four_nights` fixture of
tests/conftest.py: R1, R2, R3, R1 on the nights of 4 to 7 January 2027 at site `a`; R4 free; R5 reads only `b`)."""

import datetime as dt

import pytest

from pds_plan.domain.model import PeriodKind
from pds_plan.errors import InfeasibleError
from pds_plan.optimise.rota_model import SolveOptions
from pds_plan.runs.replan import Absence, SwapRefused, cover, forced_changes, replan, swap

NIGHT = PeriodKind.NIGHT
D4, D5, D6, D7 = (dt.date(2027, 1, day) for day in (4, 5, 6, 7))
OPTIONS = SolveOptions(time_limit=5)


def holders(run) -> dict[dt.date, str]:
    return {a.date: a.radiologist_id for a in run.assignments}


def test_one_absent_night_needs_exactly_one_change(four_nights, tmp_path):
    run = four_nights(tmp_path, with_r4=True)
    absence = [Absence("R2", D5, D5)]
    new = replan(run, absence, options=OPTIONS)
    record = new.solve["replan"]
    assert forced_changes(run, absence) == 1
    assert record["changes"] == 1 and record["changes_proven_minimal"] and record["radiologists_affected"] == 2
    assert holders(new) == {D4: "R1", D5: "R4", D6: "R3", D7: "R1"}  # only R4 is free and rested for the 5th
    assert list(new.tables["changes"]["date"]) == ["2027-01-05"]
    assert new.violations == ()


def test_an_absence_that_forces_a_rest_conflict_needs_two_changes(four_nights, tmp_path):
    # Without R4, nobody rested can take the 5th: R1 worked the night of the 4th (frozen: before --from) and R3
    # works the 6th. R3 takes the 5th, so the 6th moves to R2, back from one night off.
    run = four_nights(tmp_path, with_r4=False)
    new = replan(run, [Absence("R2", D5, D5)], options=OPTIONS)
    assert new.solve["replan"]["changes"] == 2 and new.solve["replan"]["changes_proven_minimal"]
    assert holders(new) == {D4: "R1", D5: "R3", D6: "R2", D7: "R1"}
    assert sorted(new.tables["changes"]["date"]) == ["2027-01-05", "2027-01-06"]
    notified = {
        (row["radiologist_id"], row["change"], row["date"]) for row in new.tables["notifications"].to_dict("records")
    }
    assert notified == {("R2", "loses", "2027-01-05"), ("R3", "gains", "2027-01-05"), ("R3", "loses", "2027-01-06"),
                        ("R2", "gains", "2027-01-06")}  # fmt: skip


def test_nothing_before_from_changes_even_when_it_would_be_cheaper(four_nights, tmp_path):
    run = four_nights(tmp_path, with_r4=False)
    # From the 6th, R3 is away on the 6th and 7th: R1's frozen night of the 4th stays, R2 (5th) cannot do the 6th.
    new = replan(run, [Absence("R3", D6, D7)], start=D6, options=OPTIONS)
    assert {d: r for d, r in holders(new).items() if d < D6} == {D4: "R1", D5: "R2"}
    assert holders(new)[D6] == "R1" and holders(new)[D7] == "R2"
    assert new.violations == ()


def test_an_absence_nobody_can_cover_is_explained_duty_by_duty(four_nights, tmp_path):
    run = four_nights(tmp_path, with_r4=False)
    with pytest.raises(InfeasibleError) as error:
        replan(run, [Absence("R2", D5, D5), Absence("R3", D5, D6)], options=OPTIONS)
    lines = error.value.explanation
    assert lines[0] == "nobody can take the night of 2027-01-05 at CH A (test):"
    assert any(line.startswith("  Dr One (R1): rest:") for line in lines)
    assert any(line.startswith("  Dr Three (R3):") and "unavailable: Dr Three (R3) is unavailable on 2027-01-05" in line
               for line in lines)  # fmt: skip


@pytest.mark.parametrize(
    ("taker", "rule"),
    [("R5", "credential"), ("R2", "rest"), ("R3", "unavailable")],
    ids=["no credential", "no rest", "on leave"],
)
def test_a_swap_that_breaks_a_rule_is_refused_with_the_rule(four_nights, tmp_path, taker, rule):
    run = four_nights(tmp_path)
    with pytest.raises(SwapRefused) as refusal:
        swap(run, "R1", taker, D4)
    assert rule in {v.rule for v in refusal.value.violations}


def test_an_agreed_swap_and_back(four_nights, tmp_path):
    run = four_nights(tmp_path)
    new = swap(run, "R1", "R4", D4, back=None)
    assert holders(new)[D4] == "R4" and list(new.tables["changes"]["after"]) == ["R4"]
    both = swap(run, "R2", "R4", D5)
    assert holders(both)[D5] == "R4" and both.violations == ()
    assert both.parent == "" and any("swap agreed" in note for note in both.notes)


def test_cover_ranks_who_can_take_a_duty_and_says_why_the_others_cannot(four_nights, tmp_path):
    run = four_nights(tmp_path)
    found = cover(run, "a", D5)
    assert found.duty.holder == "R2"
    assert [c[0] for c in found.candidates] == ["R4"]
    assert set(found.refused) == {"R1", "R3"}
    assert found.refused["R1"].startswith("rest:") and found.refused["R3"].startswith("rest:")
    assert "R5" not in found.refused  # not credentialed for the site: not a candidate at all
