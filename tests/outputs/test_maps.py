import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from typer.testing import CliRunner

from pds_plan.cli.app import app
from pds_plan.domain.model import SITE_KINDS
from pds_plan.errors import InputError
from pds_plan.io.run_folder import load_run
from pds_plan.io.scenario import load_scenario
from pds_plan.outputs.maps import (
    KIND_MARKERS,
    OTHER_MARKER,
    coverage_of,
    parse_date,
    plot_coverage,
    short_name,
    write_map,
)

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, greedy_run) -> Path:
    return greedy_run(TINY, tmp_path_factory.mktemp("tiny") / "run")


def draw(run: Path | None = None, date: str | None = None):
    scenario = load_scenario(TINY / "scenario.toml")
    rota = load_run(run).rota if run is not None else None
    return scenario, plot_coverage(scenario, rota, date)


def site_markers(ax) -> int:
    return sum(
        len(c.get_offsets())
        for c in ax.collections
        if isinstance(c, PathCollection) and (c.get_gid() or "").startswith("sites-")
    )


def link_segments(ax) -> int:
    return sum(
        len(c.get_segments())
        for c in ax.collections
        if isinstance(c, LineCollection) and c.get_gid() == "coverage-links"
    )


def test_map_is_in_lambert_93_metres_with_one_marker_per_site():
    scenario, ax = draw()
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    assert 0.1e6 < xmin < xmax < 1.3e6
    assert 6.0e6 < ymin < ymax < 7.2e6
    assert ax.get_aspect() == 1.0
    assert site_markers(ax) == len(scenario.sites)
    assert isinstance(ax.get_figure(), Figure)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "IGN – Admin Express COG 2018" in texts
    assert "radiologists and volumes: synthetic" in texts
    assert "km" in texts  # the scale bar
    assert scenario.name in ax.get_title(loc="left")


def test_a_run_draws_reading_lines_and_a_date_draws_that_nights_assignment(tiny_run):
    scenario, ax = draw(tiny_run)
    assert site_markers(ax) == len(scenario.sites)
    rota = load_run(tiny_run).rota
    coverage = coverage_of(scenario, rota)
    assert set(coverage.pools) == {s.site_id for s in scenario.pds_sites}
    if coverage.links:
        assert link_segments(ax) == len(coverage.links)
    night = coverage_of(scenario, rota, "2027-01-05")
    homes = {r.radiologist_id: r.home_site for r in scenario.radiologists}
    rows = rota[(rota["date"] == "2027-01-05") & (rota["period"] == "night")]
    expected = {(s, homes[r]) for s, r in zip(rows["site_id"], rows["radiologist_id"], strict=True) if homes[r] != s}
    assert set(night.links) == expected
    # over the whole horizon, at least one site is read from another hospital on some night
    assert any(coverage_of(scenario, rota, d).links for d in sorted(set(rota["date"])))


def test_lines_are_drawn_for_a_run_on_a_night_with_pooling(tiny_run):
    scenario = load_scenario(TINY / "scenario.toml")
    rota = load_run(tiny_run).rota
    day = next(d for d in sorted(set(rota["date"])) if coverage_of(scenario, rota, d).links)
    ax = plot_coverage(scenario, rota, day)
    assert link_segments(ax) >= 1
    assert "actual assignment" in ax.get_title(loc="left")


def test_unknown_date_is_bad_input(tiny_run):
    scenario = load_scenario(TINY / "scenario.toml")
    with pytest.raises(InputError):
        coverage_of(scenario, load_run(tiny_run).rota, "2030-01-01")


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_map_files_are_written(tiny_run, tmp_path, suffix):
    out = tmp_path / f"map.{suffix}"
    result = runner.invoke(app, ["map", str(tiny_run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith({"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[suffix])


def test_a_scenario_without_a_run_is_mapped(tmp_path):
    out = tmp_path / "sites.png"
    result = runner.invoke(app, ["map", str(TINY / "scenario.toml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000


def test_existing_file_is_kept_without_force(tiny_run, tmp_path):
    out = tmp_path / "map.png"
    out.write_bytes(b"keep me")
    result = runner.invoke(app, ["map", str(tiny_run), "--out", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert out.read_bytes() == b"keep me"
    scenario = load_scenario(TINY / "scenario.toml")
    with pytest.raises(Exception, match="already exists"):
        write_map(scenario, out)
    result = runner.invoke(app, ["map", str(tiny_run), "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("date", ["2030-01-01", "not-a-date"])
def test_unknown_date_is_a_clean_exit_2(tiny_run, tmp_path, date):
    out = tmp_path / "night.png"
    result = runner.invoke(app, ["map", str(tiny_run), "--out", str(out), "--date", date])
    assert result.exit_code == 2
    assert "--date" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_date_without_a_run_and_unknown_format_are_refused(tmp_path):
    result = runner.invoke(
        app, ["map", str(TINY / "scenario.toml"), "--out", str(tmp_path / "x.png"), "--date", "2027-01-05"]
    )
    assert result.exit_code == 2
    result = runner.invoke(app, ["map", str(TINY / "scenario.toml"), "--out", str(tmp_path / "x.jpg")])
    assert result.exit_code == 2
    assert not list(tmp_path.iterdir())


def test_short_names_drop_the_kind_and_keep_sites_of_one_town_apart():
    scenario = load_scenario(Path(__file__).parents[2] / "scenarios" / "lorraine-2027q1.toml")
    names = {s.site_id: short_name(s, scenario.sites) for s in scenario.sites}
    assert names["lor_epinal"] == "Épinal"
    assert names["lor_nancy_central"] != names["lor_nancy_brabois"]
    assert names["lor_nancy_central"].startswith("Nancy")


def test_a_date_is_accepted_as_iso_or_as_day_month_year():
    assert parse_date("15/01/2027") == parse_date("2027-01-15") == dt.date(2027, 1, 15)


@pytest.mark.parametrize("date", ["2027-13-01", "32/01/2027", "01-15-2027", "15.01.2027"])
def test_a_date_in_no_accepted_form_names_the_option_and_both_forms(date):
    with pytest.raises(InputError) as caught:
        parse_date(date)
    (problem,) = caught.value.problems
    assert problem.file == "--date" and "YYYY-MM-DD or DD/MM/YYYY" in problem.message


def test_the_map_command_takes_a_french_date(tiny_run, tmp_path):
    rota = load_run(tiny_run).rota
    day = dt.date.fromisoformat(sorted(set(rota["date"]))[3])
    out = tmp_path / "night.svg"
    result = runner.invoke(app, ["map", str(tiny_run), "--out", str(out), "--date", f"{day:%d/%m/%Y}"])
    assert result.exit_code == 0, result.output
    assert f"{day:%d %B %Y}" in out.read_text(encoding="utf-8")  # the subtitle names that night


def test_other_kinds_get_the_neutral_marker_and_their_labels_in_the_legend():
    scenario = load_scenario(TINY / "scenario.toml")
    sites = tuple(
        dataclasses.replace(s, kind="other", kind_label=label) if label else s
        for s, label in zip(scenario.sites, [None, "HIA", "Foo", None], strict=True)
    )
    ax = plot_coverage(dataclasses.replace(scenario, sites=sites))
    other = [c for c in ax.collections if c.get_gid() == "sites-pds-other"]
    assert len(other) == 1 and len(other[0].get_offsets()) == 2
    assert KIND_MARKERS["other"] == OTHER_MARKER and OTHER_MARKER not in {KIND_MARKERS[k] for k in SITE_KINDS}
    legend = " | ".join(t.get_text() for legend in ax.findobj(Legend) for t in legend.get_texts())
    assert "other: Foo, HIA (PDS site)" in legend
    assert "CHU (PDS site)" in legend and "CH (PDS site)" not in legend  # verdun, the only CH, is now "other"


@pytest.mark.parametrize("name", ["lorraine-2027q1", "pays-de-la-loire-2027q1", "picardie-2027q1"])
def test_the_map_shows_every_departement_of_the_region_whole(name):
    # Eastern Moselle once ran off Lorraine's map, and most of Sarthe and north Mayenne off Pays de la Loire's.
    from pds_plan.bundled import resolve_scenario
    from pds_plan.outputs.maps import DEPARTEMENTS_FILE, _boundaries, sites_frame

    scenario = load_scenario(resolve_scenario(Path(name)))
    ax = plot_coverage(scenario)
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    codes = {s.departement for s in scenario.sites}
    departements = _boundaries(DEPARTEMENTS_FILE)
    own = departements[departements["code"].astype(str).isin(codes)]
    assert len(own) == len(codes) >= 3
    for row in own.itertuples():
        left, bottom, right, top = row.geometry.bounds
        assert xmin <= left and right <= xmax and ymin <= bottom and top <= ymax, row.code
    assert len(sites_frame(scenario)) == len(scenario.sites)
