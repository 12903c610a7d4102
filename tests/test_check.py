"""The independent checker on hand-made rotas of the tiny scenario, one broken rule at a time; and the invariant that
every rota the optimiser returns passes it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pds_plan.check import check_rota
from pds_plan.domain.model import (
    Availability,
    AvailabilityKind,
    PeriodKind,
    Pin,
    PoolMember,
    Radiologist,
    Rules,
    Scenario,
    Site,
    TurnaroundLimits,
    Volume,
)
from pds_plan.domain.rota import Assignment
from pds_plan.errors import InfeasibleError

# A correct rota of tests/fixtures/tiny (found by CP-SAT with nancy and metz pooled, then frozen here, so that these
# tests depend on neither the optimiser nor the greedy planner, which leaves one period of tiny uncovered): one line
# per date and period, the readers of nancy, metz and verdun.
GOLDEN = """
2027-01-01 sunday_holiday R2 R2 R3
2027-01-01 night          R2 R2 R4
2027-01-02 saturday       R3 R3 R3
2027-01-02 night          R1 R1 R5
2027-01-03 sunday_holiday R1 R1 R4
2027-01-03 night          R3 R3 R4
2027-01-04 night          R2 R2 R5
2027-01-05 night          R3 R3 R4
2027-01-06 night          R2 R2 R5
2027-01-07 night          R1 R1 R4
2027-01-08 night          R3 R3 R5
2027-01-09 saturday       R1 R1 R1
2027-01-09 night          R2 R2 R4
2027-01-10 sunday_holiday R1 R1 R1
2027-01-10 night          R3 R3 R1
2027-01-11 night          R2 R2 R5
2027-01-12 night          R1 R1 R4
2027-01-13 night          R2 R2 R3
2027-01-14 night          R1 R1 R4
"""

Key = tuple[dt.date, PeriodKind, str]


def golden() -> dict[Key, str]:
    rota = {}
    for line in GOLDEN.split("\n"):
        if line.strip():
            date, period, *readers = line.split()
            for site, reader in zip(("nancy", "metz", "verdun"), readers, strict=True):
                rota[(dt.date.fromisoformat(date), PeriodKind(period), site)] = reader
    return rota


def assignments(rota: dict[Key, str]) -> list[Assignment]:
    return [Assignment(d, k, s, r) for (d, k, s), r in sorted(rota.items())]


def changed(**readers: str) -> dict[Key, str]:
    """The golden rota with some readers changed: changed(verdun_0105_night="R1")."""
    rota = golden()
    for name, reader in readers.items():
        site, date, period = name.split("_", 2)
        key = (dt.date(2027, int(date[:2]), int(date[2:])), PeriodKind(period), site)
        assert key in rota, key
        rota[key] = reader
    return rota


def only(violations, rule):
    assert [v.rule for v in violations] == [rule], [str(v) for v in violations]
    return violations[0]


NIGHT, SATURDAY, SUNDAY = PeriodKind.NIGHT, PeriodKind.SATURDAY, PeriodKind.SUNDAY_HOLIDAY


# --- a correct rota ---------------------------------------------------------------------------------------------


def test_the_golden_rota_keeps_every_rule(tiny):
    rota = golden()
    assert len(rota) == 57
    assert check_rota(tiny, assignments(rota)) == []


# --- one violation each -----------------------------------------------------------------------------------------


def test_uncovered_period(tiny):
    rota = golden()
    del rota[(dt.date(2027, 1, 5), NIGHT, "verdun")]
    v = only(check_rota(tiny, assignments(rota)), "coverage")
    assert v.site_id == "verdun" and v.radiologist_id is None
    assert v.message == "CH Verdun (test) (verdun) night of 2027-01-05 (18:30-08:30) is not covered"


def test_period_covered_twice(tiny):
    extra = Assignment(dt.date(2027, 1, 14), NIGHT, "metz", "R5")
    v = only(check_rota(tiny, [*assignments(golden()), extra]), "coverage")
    assert v.site_id == "metz"
    assert (
        v.message
        == "CHR Metz (test) (metz) night of 2027-01-14 is covered 2 times (Dr A (test) (R1), Dr E (test) (R5))"
    )


def test_assignment_of_a_period_that_does_not_exist(tiny):
    extra = Assignment(dt.date(2027, 1, 5), NIGHT, "pont", "R1")  # pont has no PDS
    violations = check_rota(tiny, [*assignments(golden()), extra])
    v = only(violations, "coverage")
    assert v.site_id == "pont"
    assert v.message == (
        "Clinique sans PDS (test) (pont) has no night PDS period on 2027-01-05 (assigned to Dr A (test) (R1))"
    )


def test_no_credential(tiny):
    v = only(check_rota(tiny, assignments(changed(metz_0105_night="R4"))), "credential")
    assert (v.radiologist_id, v.site_id) == ("R4", "metz")
    assert v.message == "Dr D (test) (R4) has no credential for CHR Metz (test) (metz) (night of 2027-01-05)"


def test_unknown_radiologist(tiny):
    violations = check_rota(tiny, assignments(changed(verdun_0105_night="R9")))
    v = only(violations, "credential")
    assert v.radiologist_id == "R9"
    assert v.message == "R9 is not a radiologist of the scenario (CH Verdun (test) (verdun) night of 2027-01-05)"


def test_unavailable_date(tiny):
    v = only(check_rota(tiny, assignments(changed(verdun_0105_night="R1"))), "unavailable")
    assert (v.radiologist_id, v.site_id) == ("R1", "verdun")
    assert v.message == "Dr A (test) (R1) is unavailable on 2027-01-05 but covers CH Verdun (test) (verdun) (night)"


def test_four_sites_at_once(tiny):
    # pont gets PDS and everyone a credential for it; its reader is verdun's, except on the two day periods where
    # one radiologist already reads the three other sites: R5 is free then. On Saturday 9, R1 reads all four.
    pont = dataclasses.replace(tiny.site("pont"), pds=True)
    sites = tuple(pont if s.site_id == "pont" else s for s in tiny.sites)
    staff = tuple(dataclasses.replace(r, sites=r.sites | {"pont"}) for r in tiny.radiologists)
    scenario = dataclasses.replace(tiny, sites=sites, radiologists=staff)
    rota = golden()
    for (day, kind, site), reader in list(rota.items()):
        if site == "verdun":
            rota[(day, kind, "pont")] = reader
    rota[(dt.date(2027, 1, 2), SATURDAY, "pont")] = "R5"
    rota[(dt.date(2027, 1, 10), SUNDAY, "pont")] = "R5"
    v = only(check_rota(scenario, assignments(rota)), "max_sites")
    assert v.radiologist_id == "R1"
    assert v.message == (
        "Dr A (test) (R1) covers 4 sites at once from 2027-01-09 12:30 (CHR Metz (test) (metz), "
        "CHRU de Nancy (test) (nancy), Clinique sans PDS (test) (pont), CH Verdun (test) (verdun)); at most 3"
    )
    rota[(dt.date(2027, 1, 9), SATURDAY, "pont")] = "R2"  # R2 is on call that night anyway
    assert check_rota(scenario, assignments(rota)) == []


def test_too_much_peak_reading_at_once(tiny):
    # R3 reads nancy and metz on the night of 5 January (44 min per peak hour); adding verdun makes 51.
    v = only(check_rota(tiny, assignments(changed(verdun_0105_night="R3"))), "capacity")
    assert v.radiologist_id == "R3"
    assert v.message == (
        "Dr C (test) (R3) has 50.9 reading minutes per peak hour at once from 2027-01-05 18:30 "
        "(CHR Metz (test) (metz), CHRU de Nancy (test) (nancy), CH Verdun (test) (verdun)); at most 45"
    )


def test_two_nights_in_a_row_break_the_rest_rule(tiny):
    v = only(check_rota(tiny, assignments(changed(verdun_0112_night="R5"))), "rest")
    assert v.radiologist_id == "R5"
    assert v.message == (
        "Dr E (test) (R5) has only 10 h of rest between the block ending 2027-01-12 08:30 (CH Verdun (test) (verdun))"
        " and the one starting 2027-01-12 18:30 (CH Verdun (test) (verdun)); at least 11 h"
    )


def test_thirty_hour_block(tiny):
    # R5 reads verdun on Saturday 2 afternoon, that night and Sunday 3 by day: 12:30 Saturday to 18:30 Sunday.
    v = only(
        check_rota(tiny, assignments(changed(verdun_0102_saturday="R5", verdun_0103_sunday_holiday="R5"))), "block"
    )
    assert v.radiologist_id == "R5"
    assert v.message == (
        "Dr E (test) (R5) is on call for 30 h in a row from 2027-01-02 12:30 (CH Verdun (test) (verdun)); at most 24 h"
    )


def test_monthly_limit_pro_rata_fte(tiny):
    # R5 (half time) is on call 5 periods in January; 8 a month pro rata is 4. The others stay within 8 (R3: 7).
    scenario = dataclasses.replace(tiny, rules=dataclasses.replace(tiny.rules, max_periods_per_month=8))
    v = only(check_rota(scenario, assignments(golden())), "monthly_limit")
    assert v.radiologist_id == "R5"
    assert v.message == "Dr E (test) (R5) is on call 5 periods in 2027-01; at most 4 (8 pro rata FTE 0.5)"


def test_weekend_limit(tiny):
    scenario = dataclasses.replace(tiny, rules=dataclasses.replace(tiny.rules, max_weekends_per_month=1))
    violations = check_rota(scenario, assignments(golden()))
    assert {v.rule for v in violations} == {"weekend_limit"}
    assert sorted(str(v.radiologist_id) for v in violations) == ["R1", "R3", "R4"]
    assert "Dr A (test) (R1) works 2 weekends in 2027-01; at most 1" in [v.message for v in violations]


def test_pool_split(tiny):
    scenario = dataclasses.replace(tiny, pools=(PoolMember("P", "nancy"), PoolMember("P", "metz")))
    assert check_rota(scenario, assignments(golden())) == []
    # R5 reads Metz but not Nancy: the pool is split, and R5 may not take a site of a pool it cannot read whole.
    violations = check_rota(scenario, assignments(changed(metz_0114_night="R5")))
    assert [(v.rule, v.message) for v in violations] == [
        (
            "credential",
            "Dr E (test) (R5) reads CHR Metz (test) (metz) of pool P without a credential for "
            "CHRU de Nancy (test) (nancy) (night of 2027-01-14)",
        ),
        (
            "pool",
            "pool P is split from 2027-01-14 18:30: CHR Metz (test) (metz) by Dr E (test) (R5), "
            "CHRU de Nancy (test) (nancy) by Dr A (test) (R1)",
        ),
    ]


def test_a_self_formed_pool_below_the_turnaround_target(tiny):
    # Metz + Verdun said to miss the target: the golden rota reads them together (with Nancy) on the three day
    # periods only; Nancy + Metz, read together every night, are not said to miss it.
    limits = TurnaroundLimits(target_minutes=30, target_share=0.95, below_target=(("metz", "verdun"),))
    scenario = dataclasses.replace(tiny, turnaround_limits=limits)
    violations = check_rota(scenario, assignments(golden()))
    assert [(v.rule, v.radiologist_id, f"{v.when:%Y-%m-%d %H:%M}") for v in violations] == [
        ("turnaround", "R3", "2027-01-02 12:30"),
        ("turnaround", "R1", "2027-01-09 12:30"),
        ("turnaround", "R1", "2027-01-10 08:30"),
    ]
    assert violations[0].message == (
        "Dr C (test) (R3) reads CHR Metz (test) (metz), CHRU de Nancy (test) (nancy), CH Verdun (test) (verdun) "
        "together on 2027-01-02 saturday: "
        "this grouping misses 95 % of reports within 30 min"
    )
    # R4 takes Verdun on Saturday 9 (a block with its night there): one fewer. No limits, no violation.
    moved = check_rota(scenario, assignments(changed(verdun_0109_saturday="R4")))
    assert [(v.rule, v.radiologist_id) for v in moved] == [("turnaround", "R3"), ("turnaround", "R1")]
    assert check_rota(tiny, assignments(golden())) == []


def test_pin_not_kept(tiny):
    kept = Pin(dt.date(2027, 1, 4), NIGHT, "nancy", "R2")
    broken = Pin(dt.date(2027, 1, 5), NIGHT, "nancy", "R2")
    assert check_rota(dataclasses.replace(tiny, pins=(kept,)), assignments(golden())) == []
    v = only(check_rota(dataclasses.replace(tiny, pins=(kept, broken)), assignments(golden())), "pin")
    assert (v.radiologist_id, v.site_id) == ("R2", "nancy")
    assert v.message == (
        "CHRU de Nancy (test) (nancy) night of 2027-01-05 was agreed for Dr B (test) (R2), "
        "the rota gives it to Dr C (test) (R3)"
    )


# --- independence -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["pds_plan", "pds_plan.check"])
def test_the_checker_does_not_import_the_optimiser(module):
    code = f"import sys, {module}; print(any(m.startswith('pds_plan.optimise') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- every rota the optimiser returns passes the checker --------------------------------------------------------

STARTS = (
    dt.date(2027, 1, 4),  # plain January week
    dt.date(2027, 3, 21),  # the 13-h night of 27 March (the last one for a week), Good Friday (57, 67), Easter Monday
    dt.date(2027, 5, 3),  # Ascension Thursday, 8 May on a Saturday
    dt.date(2027, 10, 25),  # the 15-h night of the change back
    dt.date(2027, 12, 20),  # Christmas: festive days, 26 December in 57 and 67
)


@st.composite
def small_scenarios(draw) -> Scenario:
    n_sites = draw(st.integers(2, 4))
    n_staff = draw(st.integers(3, 6))
    site_ids = [f"S{i}" for i in range(n_sites)]
    staff_ids = [f"R{i}" for i in range(n_staff)]
    readers = {s: draw(st.sets(st.sampled_from(staff_ids), min_size=2, max_size=n_staff)) for s in site_ids}
    sites = tuple(
        Site(s, f"site {s}", "CH", draw(st.sampled_from(["54", "57", "67"])), 48.7, 6.2, ("CT",), True, True)
        for s in site_ids
    )
    staff = []
    for r in staff_ids:
        credentials = frozenset(s for s in site_ids if r in readers[s])
        home = min(credentials) if credentials else site_ids[0]
        staff.append(Radiologist(r, f"Dr {r}", home, draw(st.sampled_from([0.5, 0.8, 1.0])), credentials))
    start = draw(st.sampled_from(STARTS))
    days = draw(st.integers(7, 10))
    availability = []
    for r in staff_ids:
        if draw(st.booleans()):
            first = start + dt.timedelta(days=draw(st.integers(0, days - 1)))
            last = first + dt.timedelta(days=draw(st.integers(0, 2)))
            kind = draw(st.sampled_from(list(AvailabilityKind)))
            availability.append(Availability(r, first, last, kind))
    volumes = tuple(
        Volume(s, "CT", kind, draw(st.integers(0, 12)))
        for s in site_ids
        for kind in (PeriodKind.NIGHT, PeriodKind.SUNDAY_HOLIDAY)
    )
    rules = Rules(
        max_sites_per_radiologist=draw(st.integers(2, 3)),
        max_periods_per_month=draw(st.sampled_from([None, 4, 6])),
        max_weekends_per_month=draw(st.sampled_from([None, 1, 2])),
    )
    return Scenario(
        name="random",
        start=start,
        end=start + dt.timedelta(days=days - 1),
        sites=sites,
        radiologists=tuple(staff),
        availability=tuple(availability),
        volumes=volumes,
        rules=rules,
    )


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_every_solved_rota_passes_the_checker(scenario):
    from pds_plan.optimise.rota_model import SolveOptions
    from pds_plan.runs import solve

    try:
        result = solve(scenario, SolveOptions(time_limit=5, workers=1), explain_time_limit=5)
    except InfeasibleError:
        return
    assert [str(v) for v in check_rota(scenario, result.assignments)] == []
    assert result.violations == ()
