"""Scenario arguments: a path that exists, else a bundled scenario's name from any folder, else a clean exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pds_plan.bundled import bundled_scenarios
from pds_plan.cli.app import app
from pds_plan.cli.common import scenario_or_default
from pds_plan.errors import InputError

runner = CliRunner()
ENV = {"NO_COLOR": "1", "COLUMNS": "200"}


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with no scenarios/ in it, as a planner's own folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", ["picardie-2027q1", "pays-de-la-loire-2027q1.toml", "Lorraine-2027Q1"])
def test_a_bundled_scenario_is_found_by_name_from_any_folder(elsewhere, name):
    path = scenario_or_default(Path(name))
    assert path in bundled_scenarios()
    assert path.stem == name.lower().removesuffix(".toml")


def test_a_file_that_exists_wins_over_a_bundled_name(elsewhere):
    own = elsewhere / "picardie-2027q1.toml"
    own.write_text("[scenario]\n", encoding="utf-8")
    assert scenario_or_default(Path("picardie-2027q1.toml")) == Path("picardie-2027q1.toml")
    assert scenario_or_default(Path("picardie-2027q1")) in bundled_scenarios()  # no such file: the bundled one


def test_validate_by_name_from_another_folder(elsewhere):
    result = runner.invoke(app, ["validate", "pays-de-la-loire-2027q1"], env=ENV)
    assert result.exit_code == 0, result.output
    assert "pays-de-la-loire-2027q1" in result.output


def test_a_path_with_folders_is_never_taken_for_a_bundled_name(elsewhere):
    with pytest.raises(InputError):
        scenario_or_default(Path("scenarios") / "nowhere" / "picardie-2027q1.toml")


@pytest.mark.parametrize("command", ["validate", "run", "calendar"])
def test_neither_a_file_nor_a_bundled_name_is_a_clean_exit_2_listing_the_bundled_names(elsewhere, command):
    result = runner.invoke(app, [command, "picardy"], env=ENV)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "picardy: no such scenario file" in result.output
    for path in bundled_scenarios():
        assert path.stem in result.output
    assert not list(elsewhere.iterdir())  # `run` wrote no folder
