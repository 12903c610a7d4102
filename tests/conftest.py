from __future__ import annotations

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
