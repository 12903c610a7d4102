"""Why no rota exists: pre-checks, the conflicting rules found by CP-SAT, and how runs and the CLI report them."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest

from pds_plan.domain.model import PeriodKind as K
from pds_plan.domain.model import Pin, PoolMember, TurnaroundLimits
from pds_plan.errors import InfeasibleError
from pds_plan.optimise.explain import explain_infeasibility, precheck
from pds_plan.optimise.rota_model import SolveOptions
from pds_plan.runs import solve

MON, TUE, WED = dt.date(2027, 1, 4), dt.date(2027, 1, 5), dt.date(2027, 1, 6)
QUICK = SolveOptions(time_limit=5, workers=1)
QUIET = ("--quiet", "--time-limit", "5", "--workers", "1")


def one_reader_two_nights(make):
    """Site solo has a single credentialed radiologist, on call two nights in a row: coverage and rest conflict."""
    return make.scenario(sites=["solo"], radiologists={"R1": ["solo"]}, days=2)


# --- precheck ---------------------------------------------------------------------------------------------------


def test_precheck_names_the_site_and_dates_nobody_credentialed_is_available(make):
    scenario = make.scenario(
        sites="AB",
        radiologists={"R1": "AB", "R2": "A", "R3": "B"},
        days=3,
        availability=(make.unavailable("R1", TUE, WED), make.unavailable("R3", TUE, WED)),
    )
    reasons, suggestions = precheck(scenario)
    assert len(reasons) == 1
    assert "site B" in reasons[0] and "2027-01-05" in reasons[0] and "2027-01-06" in reasons[0]
    assert "R1" in reasons[0] and "R3" in reasons[0] and "site A" not in reasons[0]
    assert any("B" in s for s in suggestions)


def test_precheck_names_a_single_period(make):
    scenario = make.scenario(sites="A", radiologists={"R1": "A"}, days=2, availability=(make.unavailable("R1", TUE),))
    reasons, _ = precheck(scenario)
    assert reasons == [
        "site A: no credentialed radiologist available on night of Tue 2027-01-05 (credentialed: R1, all unavailable)"
    ]


def test_precheck_names_a_site_nobody_may_read_for(make):
    reasons, suggestions = precheck(make.scenario(sites="AB", radiologists={"R1": "A"}, days=1))
    assert reasons == ["site B: no radiologist holds a credential for it (night of Mon 2027-01-04)"]
    assert suggestions and "B" in suggestions[0]


def test_precheck_names_a_pool_larger_than_max_sites_and_one_nobody_can_read(make):
    pools = tuple(PoolMember("P", s) for s in "ABCD")
    scenario = make.scenario(sites="ABCD", radiologists={"R1": "ABC", "R2": "BCD"}, days=1, pools=pools)
    reasons, _ = precheck(scenario)
    assert any("pool P has 4 sites" in r for r in reasons)
    assert any("pool P: nobody holds a credential for all of A, B, C, D" in r for r in reasons)


def test_precheck_names_a_pin_on_an_unavailable_date(make):
    scenario = make.scenario(days=2, pins=(Pin(TUE, K.NIGHT, "A", "R2"),), availability=(make.unavailable("R2", TUE),))
    reasons, _ = precheck(scenario)
    assert reasons == ["pin: R2 is agreed for A on 2027-01-05 but is unavailable"]


def test_precheck_passes_a_scenario_that_is_infeasible_only_through_the_rules(make):
    assert precheck(one_reader_two_nights(make)) == ([], [])


# --- explain_infeasibility --------------------------------------------------------------------------------------


def test_explain_names_coverage_of_the_site_and_rest_of_its_radiologist(make):
    reasons, suggestions = explain_infeasibility(one_reader_two_nights(make), time_limit=10)
    assert len(reasons) == 1
    text = reasons[0]
    assert "every PDS period of site solo covered in 2027-01" in text
    assert "R1 rests at least 11 h between blocks in 2027-01" in text
    assert suggestions


def test_explain_names_nothing_when_a_rota_exists(make):
    assert explain_infeasibility(make.scenario(days=3), time_limit=10) == ([], [])


def test_explain_names_the_pin_that_breaks_the_rest_rule(make):
    scenario = make.scenario(
        sites="A",
        radiologists={"R1": "A", "R2": "A"},
        days=3,
        pins=(Pin(MON, K.NIGHT, "A", "R1"), Pin(TUE, K.NIGHT, "A", "R1")),
    )
    assert precheck(scenario) == ([], [])
    reasons, _ = explain_infeasibility(scenario, time_limit=10)
    assert len(reasons) == 1
    # Both pins and the rest rule are needed for the conflict (coverage is not, but CP-SAT's core need not be minimal).
    assert "the agreed assignment of R1 at A" in reasons[0] and "R1 rests at least 11 h" in reasons[0]


def test_a_grouping_below_the_turnaround_target_that_only_one_reader_could_cover_is_named(make):
    limits = TurnaroundLimits(target_minutes=30, target_share=0.95, below_target=(("A", "B"),))
    scenario = make.scenario(sites="AB", radiologists={"R1": "AB"}, days=1, turnaround_limits=limits)
    with pytest.raises(InfeasibleError) as raised:
        solve(scenario, QUICK, explain_time_limit=10)
    assert "R1 reads no grouping of sites that misses the turnaround target in 2027-01" in raised.value.explanation[0]
    assert any("self_formed_pools_meet_target = false" in s for s in raised.value.suggestions)


# --- runs.solve and the CLI -------------------------------------------------------------------------------------


def test_solve_raises_infeasible_error_with_the_explanation(make):
    with pytest.raises(InfeasibleError) as raised:
        solve(one_reader_two_nights(make), QUICK, explain_time_limit=10)
    assert raised.value.exit_code == 3
    assert any("site solo" in line for line in raised.value.explanation)
    assert raised.value.suggestions


def test_solve_raises_infeasible_error_from_the_precheck(make):
    scenario = make.scenario(sites="AB", radiologists={"R1": "A"}, days=1)
    with pytest.raises(InfeasibleError) as raised:
        solve(scenario, QUICK)
    assert raised.value.explanation == ["site B: no radiologist holds a credential for it (night of Mon 2027-01-04)"]


def test_cli_solve_exits_with_code_3_and_names_the_site(tmp_path):
    files = {
        "scenario.toml": """
            [scenario]
            name = "one-reader"
            start = 2027-01-04
            end = 2027-01-05

            [data]
            sites = "sites.csv"
            radiologists = "radiologists.csv"
            volumes = "volumes.csv"
            """,
        "sites.csv": """
            site_id,name,kind,departement,lat,lon,modalities,emergency,pds
            solo,CH Solo (test),CH,54,48.7,6.2,CT,true,true
            """,
        "radiologists.csv": """
            radiologist_id,name,home_site,fte,sites,remote
            R1,Dr Seul (test),solo,1,solo,true
            """,
        "volumes.csv": """
            site_id,modality,period,mean_exams
            solo,CT,night,2
            """,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    out = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "pds_plan", "solve", str(tmp_path / "scenario.toml"), "--out", str(out), *QUIET],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "infeasible" in result.stderr and "solo" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
