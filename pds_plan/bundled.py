"""Where the bundled regions and scenarios are, installed (inside the package) or in a source checkout."""

from __future__ import annotations

from pathlib import Path

DEFAULT_SCENARIO = "lorraine-2027q1.toml"


def bundled_root() -> Path:
    """The folder holding `data/` and `scenarios/`: shipped in the wheel, or the top of a source checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "_bundled", package.parent):
        if (candidate / "scenarios" / DEFAULT_SCENARIO).is_file():
            return candidate
    raise FileNotFoundError("the bundled scenarios are missing from this installation of pds-plan")


def bundled_scenarios() -> list[Path]:
    return sorted((bundled_root() / "scenarios").glob("*.toml"))


def default_scenario() -> Path:
    return bundled_root() / "scenarios" / DEFAULT_SCENARIO


def bundled_geo() -> Path:
    return bundled_root() / "data" / "geo"
