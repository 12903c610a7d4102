import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text
from typer.testing import CliRunner

from pds_plan.cli.app import app
from pds_plan.cli.app import app as main_app
from pds_plan.domain.language import Language, short_date
from pds_plan.domain.model import PoolMember
from pds_plan.io.rota import load_rota
from pds_plan.io.run_folder import load_run
from pds_plan.io.run_store import folder_view, read_run
from pds_plan.io.scenario import load_scenario
from pds_plan.optimise.greedy import greedy_rota
from pds_plan.outputs.plots import (
    PlotKind,
    draw_plot,
    duties_frame,
    plot_calendar,
    plot_fairness,
    plot_sla,
    plot_workload,
    workload_matrix,
)

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
# Words of the English plots that must not reach the French ones (whole words, case ignored).
ENGLISH = (
    "on-call", "periods", "period", "week", "duties", "duty", "radiologist", "grouped", "home", "counts",
    "once", "optimised", "greedy", "baseline", "spreadsheet", "fair", "share", "weighted", "load", "points per",
    "night", "Saturday", "Sunday", "holiday", "extras", "sorted", "reports", "within", "target", "meets", "below",
    "pool", "pools", "read together", "simulated", "expected", "exams", "turnaround", "reach", "who", "is", "cell",
    "colour", "day", "month", "split", "above", "hatched", "uncovered", "usually", "between", "lines", "of", "the",
    "vs", "Jan", "January", "Monday",
)  # fmt: skip
# Words each French plot must show.
FRENCH = {
    PlotKind.WORKLOAD: ("Astreintes par radiologue", "semaine ISO (lundi)", "S01", "site d'origine", "janv."),
    PlotKind.FAIRNESS: ("planning optimisé", "planning type tableur (référence)", "part équitable", "janv."),
    PlotKind.SLA: ("Délai par mutualisation", "comptes rendus", "objectif : 95 %", "astreintes", "janv."),
    PlotKind.CALENDAR: ("Qui est d'astreinte, janvier 2027", "jour du mois", "site PDS", "L\n4", "D\n3"),
}


runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny") / "run"
    result = CliRunner().invoke(
        main_app, ["run", str(TINY / "scenario.toml"), "--out", str(folder), "--time-limit", "3"]
    )
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def unanalysed_run(tiny_run, tmp_path_factory) -> Path:
    """The same run without the files of `pds-plan analyse`."""
    folder = tmp_path_factory.mktemp("bare") / "run"
    folder.mkdir()
    for name in ("rota.csv", "rota_by_radiologist.csv", "summary.json", "manifest.json"):
        shutil.copy(tiny_run / name, folder / name)
    return folder


def plot(*args: str):
    return runner.invoke(app, ["plot", *args])


@pytest.mark.parametrize("kind", ["workload", "fairness", "sla", "calendar"])
@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_each_kind_writes_png_and_svg(tiny_run, tmp_path, kind, suffix):
    out = tmp_path / f"{kind}.{suffix}"
    args = [str(tiny_run), "--kind", kind, "--out", str(out), "--scenario", str(TINY / "scenario.toml")]
    result = plot(*args)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in data[:2000]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_functions_draw_on_the_axes_given(tiny_run):
    run = folder_view(read_run(tiny_run), tiny_run)
    scenario = load_scenario(TINY / "scenario.toml")
    figure = Figure()
    axes = figure.subplots(2, 2)
    drawn = [
        plot_workload(run, scenario, ax=axes[0, 0]),
        plot_fairness(
            scenario, load_rota(tiny_run / "rota.csv", scenario), greedy_rota(scenario).assignments, ax=axes[0, 1]
        ),
        plot_sla(run, scenario, ax=axes[1, 0]),
        plot_calendar(run, "2027-01", scenario, ax=axes[1, 1]),
    ]
    assert drawn == list(axes.flat)
    assert all(ax.get_title(loc="left") for ax in drawn)


def test_heatmap_cells_sum_to_the_duties(tiny_run):
    run = load_run(tiny_run)
    scenario = load_scenario(TINY / "scenario.toml")
    duties = len(duties_frame(run))
    rota = run.rota
    assert duties == len(rota[["date", "period", "radiologist_id"]].drop_duplicates()) < len(rota)  # pooling
    matrix = workload_matrix(run, scenario)
    assert int(matrix.to_numpy().sum()) == duties
    ax = plot_workload(run, scenario, ax=Figure().subplots())
    assert int(ax.images[0].get_array().sum()) == duties
    # radiologists grouped by home site
    homes = list(matrix.index.get_level_values("home_site"))
    assert homes == sorted(homes)


def test_fairness_has_one_bar_pair_per_eligible_radiologist(tiny_run):
    scenario = load_scenario(TINY / "scenario.toml")
    pds = {s.site_id for s in scenario.pds_sites}
    eligible = [r for r in scenario.radiologists if r.sites & pds]
    ax = plot_fairness(
        scenario, load_rota(tiny_run / "rota.csv", scenario), greedy_rota(scenario).assignments, ax=Figure().subplots()
    )
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [len(c) for c in bars] == [len(eligible), len(eligible)]
    labels = ax.get_legend_handles_labels()[1]
    assert any(label.startswith("planning optimisé, max/min") for label in labels)
    assert any(label.startswith("planning type tableur (référence), max/min") for label in labels)


def test_sla_without_analyse_is_a_clean_exit_2(unanalysed_run, tmp_path):
    out = tmp_path / "sla.png"
    result = plot(str(unanalysed_run), "--kind", "sla", "--out", str(out))
    # Every run folder holds its analysis; one that lost it is bad input naming the missing files.
    assert result.exit_code == 2
    assert "workload_periods.csv: missing from the run folder" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_refuses_to_overwrite_without_force(tiny_run, tmp_path):
    out = tmp_path / "calendar.png"
    out.write_bytes(b"keep me")
    args = [str(tiny_run), "--kind", "calendar", "--out", str(out)]
    result = plot(*args)
    assert result.exit_code == 2 and "already exists" in result.output
    assert out.read_bytes() == b"keep me"
    result = plot(*args, "--force")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_bad_kind_month_and_format(tiny_run, tmp_path):
    assert plot(str(tiny_run), "--kind", "pie", "--out", str(tmp_path / "x.png")).exit_code == 2
    result = plot(str(tiny_run), "--kind", "calendar", "--month", "2030-05", "--out", str(tmp_path / "x.png"))
    assert result.exit_code == 2 and "2030-05" in result.output
    result = plot(str(tiny_run), "--kind", "workload", "--out", str(tmp_path / "x.jpg"))
    assert result.exit_code == 2 and ".png" in result.output
    assert not list(tmp_path.iterdir())


def texts(ax) -> list[str]:
    """Every string a reader sees: titles, axis labels, tick labels, legends, colour bar and cell texts, once drawn."""
    figure = ax.get_figure(root=True)
    FigureCanvasAgg(figure).draw()
    return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def english_words(strings: list[str]) -> set[str]:
    text = " ".join(strings)
    return {w for w in ENGLISH if re.search(rf"(?<![\w'-]){re.escape(w)}(?![\w'-])", text, re.IGNORECASE)}


def draw(kind: PlotKind, run, language: Language | None = None) -> list[str]:
    figure = Figure(figsize=(11.69, 8.27), layout="constrained")
    ax = figure.add_subplot()
    if language is None:
        draw_plot(kind, run, ax)
    else:
        draw_plot(kind, run, ax, language=language)
    return texts(ax)


@pytest.mark.parametrize("kind", list(PlotKind))
def test_each_plot_is_french_by_default(tiny_run, kind):
    run = folder_view(read_run(tiny_run), tiny_run)
    strings = draw(kind, run)
    assert not english_words(strings), strings
    joined = " | ".join(strings)
    for word in FRENCH[kind]:
        assert word in joined, (word, strings)


@pytest.mark.parametrize("kind", list(PlotKind))
def test_each_plot_is_english_on_request(tiny_run, kind):
    run = folder_view(read_run(tiny_run), tiny_run)
    joined = " | ".join(draw(kind, run, Language.EN))
    english = {
        PlotKind.WORKLOAD: ("On-call periods per radiologist", "ISO week (Monday)", "W01", "1 Jan 2027"),
        PlotKind.FAIRNESS: ("optimised rota, max/min", "spreadsheet-style rota (baseline), max/min", "fair share"),
        PlotKind.SLA: ("Turnaround per pool", "target: 95% of reports within 30 min", "duties"),
        PlotKind.CALENDAR: ("Who is on call, January 2027", "day of the month", "M\n4", "S\n3"),
    }[kind]
    for word in english:
        assert word in joined, (word, joined)
    for french in ("astreinte", "planning", "mutualisation", "janv", "semaine", "objectif"):
        assert french not in joined.lower()


def test_numbers_and_dates_are_the_languages_own(tiny_run):
    run = folder_view(read_run(tiny_run), tiny_run)
    french = " | ".join(draw(PlotKind.SLA, run))
    english = " | ".join(draw(PlotKind.SLA, run, Language.EN))
    assert re.search(r"\d+,\d %", french) and not re.search(r"\d+\.\d ?%", french)  # "70,2 %"
    assert re.search(r"\d+\.\d%", english)
    scenario = run.scenario
    assert f"{short_date(scenario.start, Language.FR)} – {short_date(scenario.end, Language.FR)}" in french
    fairness = " | ".join(draw(PlotKind.FAIRNESS, run))
    assert re.search(r"max/min \d,\d\d", fairness)  # "1,02", a French decimal


def test_pools_named_otherwise_are_labelled_by_their_sites(tiny_run):
    # A pools.csv names its pools P01, P02...: the plot once showed only those ids.
    run = folder_view(read_run(tiny_run), tiny_run)
    table = run.tables["workload_pools"].copy()
    pooled = table["pool_id"].str.contains("+", regex=False)
    assert pooled.any()
    table["pool_id"] = [f"P{n + 1:02d}" for n in range(len(table))]
    renamed = dataclasses.replace(run, tables={**run.tables, "workload_pools": table})
    ticks = [t.get_text() for t in plot_sla(renamed, run.scenario, ax=Figure().subplots()).get_yticklabels()]
    first = f"P{int(pooled.to_numpy().argmax()) + 1:02d}"
    assert f"Metz + Nancy ({first})" in ticks
    assert all(re.search(r"[A-Z][a-z].* \(P\d\d\)$", t) for t in ticks), ticks
    # without the analysis's list of sites, the scenario's pools.csv names them
    members = tuple(PoolMember(pool, site) for pool, sites in zip(table["pool_id"], table["sites"], strict=True)
                    for site in sites.split(";"))  # fmt: skip
    bare = dataclasses.replace(run, tables={**run.tables, "workload_pools": table.drop(columns="sites")})
    scenario = dataclasses.replace(run.scenario, pools=members)
    ticks = [t.get_text() for t in plot_sla(bare, scenario, ax=Figure().subplots()).get_yticklabels()]
    assert f"Metz + Nancy ({first})" in ticks


def test_the_plot_command_takes_the_language(tiny_run, tmp_path):
    out = tmp_path / "fairness.svg"
    assert plot(str(tiny_run), "--kind", "fairness", "--out", str(out), "--lang", "en").exit_code == 0
    svg = out.read_text(encoding="utf-8")
    assert "spreadsheet-style rota (baseline)" in svg and "planning" not in svg
    out = tmp_path / "fairness-fr.svg"
    assert plot(str(tiny_run), "--kind", "fairness", "--out", str(out)).exit_code == 0
    assert "planning type tableur (référence)" in out.read_text(encoding="utf-8")
    result = plot(str(tiny_run), "--kind", "fairness", "--out", str(tmp_path / "x.svg"), "--lang", "xx")
    assert result.exit_code == 2 and not (tmp_path / "x.svg").exists()
