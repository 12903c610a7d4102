"""Where the bundled regions and scenarios are, installed (inside the package) or in a source checkout."""

from __future__ import annotations

from pathlib import Path

from pds_plan.errors import InputError, Problem

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


def bundled_scenario(name: str) -> Path | None:
    """The bundled scenario a bare name means (`picardie-2027q1`, with or without `.toml`), or None."""
    if len(Path(name).parts) != 1:
        return None
    stem = name.strip().lower().removesuffix(".toml")
    return next((path for path in bundled_scenarios() if path.stem.lower() == stem), None)


def resolve_scenario(scenario: Path | str | None) -> Path:
    """The scenario file a command argument names: the default when absent; a path that exists; else the bundled
    scenario of that name, so that `pds-plan run picardie-2027q1` works from any folder; else an InputError."""
    if scenario is None:
        return default_scenario()
    path = Path(scenario)
    if path.exists():
        return path
    bundled = bundled_scenario(str(scenario))
    if bundled is not None:
        return bundled
    names = ", ".join(p.stem for p in bundled_scenarios())
    raise InputError(
        [Problem(str(scenario), f"no such scenario file, nor the name of a bundled scenario (bundled: {names})")]
    )


def default_scenario() -> Path:
    return bundled_root() / "scenarios" / DEFAULT_SCENARIO


def bundled_geo() -> Path:
    return bundled_root() / "data" / "geo"
