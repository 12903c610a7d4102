import shutil
from pathlib import Path

import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from typer.testing import CliRunner

from pds_plan.cli.app import app
from pds_plan.cli.app import app as main_app
from pds_plan.io.rota import load_rota
from pds_plan.io.run_folder import load_run
from pds_plan.io.run_store import folder_view, read_run
from pds_plan.io.scenario import load_scenario
from pds_plan.optimise.greedy import greedy_rota
from pds_plan.outputs.plots import (
    duties_frame,
    plot_calendar,
    plot_fairness,
    plot_sla,
    plot_workload,
    workload_matrix,
)

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


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
    assert any(label.startswith("optimised (max/min") for label in labels)
    assert any(label.startswith("greedy baseline (max/min") for label in labels)


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
