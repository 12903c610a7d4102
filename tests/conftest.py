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
