import dataclasses
import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text
from typer.testing import CliRunner

from pds_plan.cli.app import app
from pds_plan.domain.language import Language, long_date, short_date
from pds_plan.domain.model import SITE_KINDS
from pds_plan.errors import InputError
from pds_plan.io.run_folder import load_run
from pds_plan.io.scenario import load_scenario
from pds_plan.outputs.maps import (
    KIND_MARKERS,
    OTHER_MARKER,
    coverage_of,
    marker_area_scale,
    parse_date,
    plot_coverage,
    short_name,
    sites_frame,
    write_map,
)

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
LORRAINE = Path(__file__).parents[2] / "scenarios" / "lorraine-2027q1.toml"
# Words of the English map that must not reach the French one (matched as whole words, case ignored).
ENGLISH = (
    "exams", "area", "expected", "over", "pools", "pool", "lines", "reader", "reader's", "busiest", "home",
    "clinic", "other", "without", "site without", "PDS site", "night of", "day of", "actual", "assignment",
    "most frequent", "pooling", "real", "synthetic", "radiologists", "volumes:", "boundaries", "administrative",
    "cover", "out-of-hours", "imaging", "only", "the", "of", "per", "Jan", "Feb", "Mar", "January", "Monday",
    "Tuesday", "Sunday",
)  # fmt: skip


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


def texts(ax) -> list[str]:
    """Every string a reader sees: titles, legends (titles and entries), tick labels, annotations, once drawn."""
    figure = ax.get_figure(root=True)
    FigureCanvasAgg(figure).draw()
    return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def english_words(strings: list[str]) -> set[str]:
    text = " ".join(strings).replace("pools.csv", "")  # the scenario's file keeps its name
    return {w for w in ENGLISH if re.search(rf"(?<![\w'-]){re.escape(w)}(?![\w'-])", text, re.IGNORECASE)}


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
    assert "synthétiques" not in texts  # the tiny scenario declares no synthetic data: nothing is said of it
    assert "km" in texts  # the scale bar
    assert ax.get_title(loc="left").startswith("Permanence des soins en imagerie — Lorraine, ")
    assert f"scénario {scenario.name}" in texts  # the run's scenario, for a planner comparing variants


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
    assert "affectation réelle" in ax.get_title(loc="left")


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


def test_a_bundled_scenario_is_mapped_by_its_name_and_an_unknown_name_is_a_clean_exit_2(tmp_path):
    out = tmp_path / "picardie.png"
    result = runner.invoke(app, ["map", "picardie-2027q1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")
    result = runner.invoke(app, ["map", "picardy-2027q1", "--out", str(tmp_path / "none.png")])
    assert result.exit_code == 2
    assert "nor the name of a bundled scenario" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "none.png").exists()


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
    assert long_date(day, Language.FR) in out.read_text(encoding="utf-8")  # the subtitle names that night, in French


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
    assert "autre : Foo, HIA (site PDS)" in legend
    assert "CHU (site PDS)" in legend and "CH (site PDS)" not in legend  # verdun, the only CH, is now "other"


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


def test_the_data_a_scenario_declares_synthetic_is_named_on_its_map():
    scenario = dataclasses.replace(
        load_scenario(TINY / "scenario.toml"), synthetic_data=("radiologists", "availability", "volumes")
    )
    french = " ".join(t.get_text() for t in plot_coverage(scenario).texts)
    assert "données synthétiques : radiologues, disponibilités et volumes" in french
    english = " ".join(t.get_text() for t in plot_coverage(scenario, language=Language.EN).texts)
    assert "synthetic data: radiologists, availability and volumes" in english


def test_the_map_is_french_by_default_and_english_on_request(tiny_run):
    scenario = dataclasses.replace(load_scenario(TINY / "scenario.toml"), synthetic_data=("volumes",))
    rota = load_run(tiny_run).rota
    day = next(d for d in sorted(set(rota["date"])) if coverage_of(scenario, rota, d).links)
    for ax in (plot_coverage(scenario), plot_coverage(scenario, rota), plot_coverage(scenario, rota, day)):
        strings = texts(ax)
        assert not english_words(strings), strings
        joined = " | ".join(strings)
        assert "Permanence des soins en imagerie" in joined and "site PDS" in joined and " examens" in joined
        assert "Contours administratifs" in joined and "km" in joined
    horizon = " | ".join(texts(plot_coverage(scenario, rota)))
    assert f"{short_date(scenario.start, Language.FR)} – {short_date(scenario.end, Language.FR)}" in horizon
    assert "janv." in horizon  # Babel's month, not strftime's English "Jan"
    joined = " | ".join(texts(plot_coverage(scenario, rota, day)))
    assert "Mutualisations" in joined and f"nuit du {long_date(dt.date.fromisoformat(day), Language.FR)}" in joined
    english = " | ".join(texts(plot_coverage(scenario, rota, day, language=Language.EN)))
    for word in ("PDS site", "exams", "Pools", "night of", "Administrative boundaries", "synthetic"):
        assert word in english
    assert "site PDS" not in english and "examens" not in english
    assert long_date(dt.date.fromisoformat(day), Language.EN) in english  # "Tuesday 5 January 2027"


def test_the_map_command_takes_the_language(tiny_run, tmp_path):
    out = tmp_path / "map.svg"
    result = runner.invoke(app, ["map", str(tiny_run), "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "(PDS site)" in out.read_text(encoding="utf-8")
    result = runner.invoke(app, ["map", str(tiny_run), "--out", str(tmp_path / "fr.svg")])
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "fr.svg").read_text(encoding="utf-8")
    assert "(site PDS)" in svg and "(PDS site)" not in svg
    result = runner.invoke(app, ["map", str(tiny_run), "--out", str(tmp_path / "de.svg"), "--lang", "de"])
    assert result.exit_code == 2 and not (tmp_path / "de.svg").exists()


def test_long_legend_labels_are_wrapped_whole_not_cut():
    scenario = load_scenario(LORRAINE)
    labels = ["Hôpital d'instruction des armées", "ESPIC", "Centre de lutte contre le cancer", "HIA"]
    sites = tuple(
        dataclasses.replace(s, kind="other", kind_label=labels[n % len(labels)]) if s.kind == "CH" else s
        for n, s in enumerate(scenario.sites)
    )
    scenario = dataclasses.replace(scenario, sites=sites)
    pds = [s.site_id for s in scenario.pds_sites]
    radiologist = scenario.radiologists[0].radiologist_id
    big = "+".join(pds[:7])  # one pool of seven sites: about 70 characters of town names
    rota = pd.DataFrame(
        {
            "date": scenario.start.isoformat(),
            "period": "night",
            "site_id": pds,
            "radiologist_id": radiologist,
            "pool_id": [big if s in pds[:7] else s for s in pds],
        }
    )
    ax = plot_coverage(scenario, rota)
    entries = [t.get_text() for legend in ax.findobj(Legend) for t in legend.get_texts()]
    assert not [e for e in entries if "…" in e]
    flat = [" ".join(e.split()) for e in entries]
    names = {s.site_id: short_name(s, scenario.sites) for s in scenario.sites}
    assert " + ".join(names[s] for s in sorted(pds[:7])) in flat or " + ".join(names[s] for s in pds[:7]) in flat
    assert any(e.startswith("autre : ") and all(label in e for label in labels) for e in flat)
    assert max(len(line) for e in entries for line in e.split("\n")) <= 40  # wrapped, not one long line
    assert any("\n" in e for e in entries)


def marker_pixels(marker: str, size: float) -> int:
    """Dark pixels of one marker of scatter size `size` drawn alone, 10 pixels per point."""
    figure = Figure(figsize=(2, 2), dpi=720)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.scatter([0], [0], s=[size], marker=marker, c="black", linewidths=0, antialiased=False)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[:, :, 0]
    return int((image < 128).sum())


def test_markers_of_every_shape_cover_the_same_area_for_the_same_size():
    size = 400.0  # points², a busy site
    circle = marker_pixels("o", size)
    assert circle == pytest.approx(math.pi / 4 * size * 100, rel=0.02)  # 100 pixels per point²
    for marker in {*KIND_MARKERS.values(), OTHER_MARKER} - {"o"}:
        assert marker_pixels(marker, size) != pytest.approx(circle, rel=0.1)  # unscaled, the shapes differ
        assert marker_pixels(marker, size * marker_area_scale(marker)) == pytest.approx(circle, rel=0.02), marker
    assert marker_area_scale("s") == pytest.approx(math.pi / 4, rel=0.005)


def test_sites_of_the_same_exams_get_the_same_area_whatever_their_kind():
    # A CHU square once looked 27 % bigger than a CH circle of the same exams: the drawn area (marker path area
    # times the collection's size) must be one affine function of the exams for every kind.
    scenario = load_scenario(LORRAINE)
    ax = plot_coverage(scenario)
    exams = dict(zip(sites_frame(scenario)["site_id"], sites_frame(scenario)["exams"], strict=True))
    pds = {s.site_id: s for s in scenario.pds_sites}
    points: list[tuple[float, float, str]] = []
    for collection in ax.collections:
        gid = collection.get_gid() or ""
        if not gid.startswith("sites-pds-"):
            continue
        (path,) = collection.get_paths()
        area = sum(
            abs(float((p[:-1, 0] * p[1:, 1] - p[1:, 0] * p[:-1, 1]).sum())) / 2
            for p in path.to_polygons(closed_only=True)
        )
        kind = gid.removeprefix("sites-pds-")
        chosen = sorted((s for s in pds.values() if s.kind == kind), key=lambda s: -exams[s.site_id])
        for site, size in zip(chosen, collection.get_sizes(), strict=True):
            points.append((exams[site.site_id], area * float(size), kind))
    kinds = {kind for _, _, kind in points}
    assert {"CHU", "CH"} <= kinds and len(kinds) >= 3
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    slope, intercept = np.polyfit(x, y, 1)
    assert slope > 0
    assert np.abs(y - (slope * x + intercept)).max() < 0.01 * y.max()
