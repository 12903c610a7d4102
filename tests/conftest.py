from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def tiny_path() -> Path:
    return FIXTURES / "tiny" / "scenario.toml"


@pytest.fixture
def tiny(tiny_path: Path):
    from pds_plan import load_scenario

    return load_scenario(tiny_path)


@pytest.fixture(scope="session")
def greedy_run():
    """Writes the run folder of a scenario folder solved by the greedy baseline: fast and deterministic.

    Returns a function (scenario_folder, out) -> out, so that each test module can make its own folders.
    """
    from pds_plan import load_scenario
    from pds_plan.domain.run import RunSettings
    from pds_plan.io.run_store import write_run
    from pds_plan.runs.pipeline import plan

    greedy = RunSettings(method="greedy", design_pools=False)

    def make(scenario_folder: Path, out: Path) -> Path:
        return write_run(plan(load_scenario(scenario_folder / "scenario.toml"), greedy), out)

    return make


# --- a hand-made rota where the fewest changes are obvious (replan, swap, cover) ---------------------------------
# One site `a`, four nights (Monday 4 to Thursday 7 January 2027: no weekend, no holiday), 11 hours of rest, so no
# radiologist may take two nights in a row. Published: R1 on the 4th, R2 on the 5th, R3 on the 6th, R1 on the 7th.
# R4 (when present) has no duty; R5 reads only for site `b`, which has no PDS; R3 is on leave on the 4th.
FOUR_NIGHTS = {4: "R1", 5: "R2", 6: "R3", 7: "R1"}


def _write_four_nights(folder: Path, with_r4: bool) -> Path:
    folder.mkdir()
    (folder / "scenario.toml").write_text(
        '[scenario]\nname = "four-nights"\nstart = 2027-01-04\nend = 2027-01-07\n\n'
        '[data]\nsites = "sites.csv"\nradiologists = "radiologists.csv"\nvolumes = "volumes.csv"\n'
        'availability = "availability.csv"\n\n[rules]\nmin_rest_hours = 11\nmax_block_hours = 24\n',
        encoding="utf-8",
    )
    (folder / "sites.csv").write_text(
        "site_id,name,kind,departement,lat,lon,modalities,emergency,pds\n"
        "a,CH A (test),CH,54,48.6,6.1,CT;XR,true,true\n"
        "b,CH B (test),CH,54,48.9,6.3,CT;XR,true,false\n",
        encoding="utf-8",
    )
    people = ["R1,Dr One,a,1,a,true", "R2,Dr Two,a,1,a,true", "R3,Dr Three,a,1,a,true", "R5,Dr Five,b,1,b,true"]
    if with_r4:
        people.append("R4,Dr Four,a,1,a,true")
    (folder / "radiologists.csv").write_text(
        "radiologist_id,name,home_site,fte,sites,remote\n" + "\n".join(people) + "\n", encoding="utf-8"
    )
    (folder / "volumes.csv").write_text("site_id,modality,period,mean_exams\na,CT,night,2\n", encoding="utf-8")
    (folder / "availability.csv").write_text(
        "radiologist_id,start,end,kind\nR3,2027-01-04,2027-01-04,unavailable\n", encoding="utf-8"
    )
    return folder / "scenario.toml"


def _four_nights_run(tmp_path: Path, with_r4: bool = True):
    from pds_plan import load_scenario
    from pds_plan.analysis.fairness import fairness
    from pds_plan.domain.model import PeriodKind
    from pds_plan.domain.rota import Assignment
    from pds_plan.domain.run import RunSettings
    from pds_plan.runs.pipeline import analyse

    scenario = load_scenario(_write_four_nights(tmp_path / ("with-r4" if with_r4 else "without-r4"), with_r4))
    assignments = [
        Assignment(day, PeriodKind.NIGHT, "a", r)
        for day, r in ((dt.date(2027, 1, d), r) for d, r in FOUR_NIGHTS.items())
    ]
    record = {"status": "PUBLISHED", "fairness": fairness(scenario, assignments).as_dict()}
    run = analyse(scenario, record, assignments, RunSettings(replications=20))
    assert run.violations == ()  # the published rota keeps every rule
    return run


@pytest.fixture
def four_nights():
    """A function (folder, with_r4=True) -> the published Run of the four-nights rota (not written)."""
    return _four_nights_run
