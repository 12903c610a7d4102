"""The analysts' notebooks (notebooks/*.ipynb) run top to bottom on the bundled data and show the library's figures.

Each notebook is executed in a fresh kernel whose working directory is a temporary folder, which must stay empty:
the notebooks write their run folder into a `tempfile.TemporaryDirectory` and nothing else to disk. After its last
cell, one cell added by the test (never stored in the notebook) hands the notebook's runs and the tables it
displayed over to the test, which recomputes every key figure from each run's rota with the library (analysis,
fairness, rule check) and requires the notebook to show exactly these figures, rounded as `pds-plan compare` rounds
them: a figure computed by the notebook itself, or rounded its own way, fails here.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from nbformat.notebooknode import NotebookNode

from pds_plan.analysis.fairness import fairness
from pds_plan.check import check_rota
from pds_plan.domain.run import Run
from pds_plan.outputs.compare import shown
from pds_plan.runs.compare import compare
from pds_plan.runs.pipeline import analyse

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ("regional_coverage.ipynb", "scenario_comparison.ipynb")

# What each notebook hands over: its runs by label, and the tables it displayed (variables of the notebook).
HANDOVER = {
    "regional_coverage.ipynb": ('{"run": run}', '{"key_figures": key_figures}'),
    "scenario_comparison.ipynb": ("runs", '{"comparison": comparison, "rounded": rounded}'),
}
HANDOVER_CELL = """
import dataclasses as _dataclasses
import pickle as _pickle

with open({path!r}, "wb") as _file:
    _pickle.dump(
        {{
            # details holds the solver's own objects, which are neither written to a run folder nor needed here
            "runs": {{label: _dataclasses.replace(r, details=None) for label, r in ({runs}).items()}},
            "shown": {shown},
        }},
        _file,
    )
"""


@pytest.fixture(scope="module")
def python3_kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A "python3" kernelspec that runs this interpreter, found before any other (JUPYTER_PATH comes first).

    ipykernel provides "python3" in most installs (its kernel.json says `python`, which jupyter_client replaces by
    the running interpreter), but a "python3" kernel registered by the user from another environment
    (`python -m ipykernel install --user`) names that environment's interpreter and would shadow it.
    """
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    root = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(root / "kernels" / "python3")
    paths = [str(root), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", os.pathsep.join(paths))
        assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
        yield "python3"


def execute(name: str, kernel: str, workdir: Path, handover: Path) -> NotebookNode:
    """Run every cell, then the handover cell (pickling the notebook's runs and displayed tables to `handover`);
    nbclient raises CellExecutionError (with the cell and its traceback) at the first error."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    runs, tables = HANDOVER[name]
    nb.cells.append(nbformat.v4.new_code_cell(HANDOVER_CELL.format(path=str(handover), runs=runs, shown=tables)))
    NotebookClient(nb, timeout=300, kernel_name=kernel, resources={"metadata": {"path": str(workdir)}}).execute()
    return nb


def cell(nb: NotebookNode, cell_id: str) -> NotebookNode:
    return next(c for c in nb.cells if c.get("id") == cell_id)


def text(nb: NotebookNode, cell_id: str) -> str:
    """Printed text and plain-text results of one cell."""
    parts = []
    for output in cell(nb, cell_id).outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def has_image(nb: NotebookNode, cell_id: str) -> bool:
    return any("image/png" in output.get("data", {}) for output in cell(nb, cell_id).outputs)


def number(pattern: str, within: str) -> float:
    match = re.search(pattern, within)
    assert match, f"{pattern!r} not found in:\n{within}"
    return float(match.group(1).replace(",", ""))


def on_call_per_night(run: Run) -> float:
    """Radiologists on call on a mean night, counted here from the rota itself."""
    nights: dict[object, set[str]] = {}
    for a in run.assignments:
        if a.period.value == "night":
            nights.setdefault(a.date, set()).add(a.radiologist_id)
    return sum(len(readers) for readers in nights.values()) / len(nights)


def recomputed(run: Run) -> Run:
    """The notebook's run analysed again by the library, from its scenario, solver record and rota alone; the
    figures it copies from the solver's record (fairness) or counts simply are recomputed here from the rota."""
    again = analyse(run.scenario, run.solve, run.assignments, run.settings)
    assert again.figures == run.figures, "the notebook's run holds other figures than its rota gives"
    for name, table in again.tables.items():
        pd.testing.assert_frame_equal(table, run.tables[name], check_dtype=False)
    assert check_rota(run.scenario, run.assignments) == []
    assert again.figures.violations == 0
    assert again.figures.fairness_max_over_min == fairness(run.scenario, run.assignments).spread_ratio
    assert again.figures.baseline_max_over_min == fairness(run.scenario, run.baseline).spread_ratio
    assert again.figures.on_call_per_night == pytest.approx(on_call_per_night(run), abs=1e-9)
    return again


def check_regional_coverage(nb: NotebookNode, handover: dict[str, Any]) -> None:
    scenario = text(nb, "scenario")
    sites = number(r"(\d+) of them with a PDS need", scenario)
    assert "lorraine-2027q1" in scenario
    assert number(r"(\d+) site periods to cover", text(nb, "calendar")) > 0
    assert "Vendredi saint" in text(nb, "calendar")  # Moselle's extra holiday in the quarter
    design = text(nb, "design")
    on_call = number(r"radiologists on call at once with the designed pools: (\d+)", design)
    assert 1 <= on_call < sites
    assert "share_within_30_min" in text(nb, "turnaround")

    run = handover["runs"]["run"]
    figures = recomputed(run).figures
    values = figures.as_dict()
    solved = text(nb, "solve")
    assert "the run designed the pools of section 5: True" in solved
    assert "hard-rule violations (independent check): 0" in solved
    assert figures.on_call_per_night == pytest.approx(on_call)  # one radiologist per designed pool every night
    shown_on_call = shown("on_call_per_night", figures.on_call_per_night)
    assert f"radiologists on call per night: {shown_on_call} on average" in solved
    assert f"fairness, max/min load: {shown('fairness_max_over_min', figures.fairness_max_over_min)}" in solved
    assert "rota.csv" in text(nb, "run-folder")
    assert "read back from the folder, the run is the same: True" in text(nb, "run-folder")
    workload = text(nb, "workload")
    assert f"(simulated): {shown('regional_sla_share', figures.regional_sla_share)}" in workload
    assert f"{shown('daytime_days_lost', figures.daytime_days_lost)} with the pools" in workload
    cost = text(nb, "cost")
    assert "PLACEHOLDER" in cost
    assert f"regional cost over the quarter: {shown('cost_total_eur', figures.cost_total_eur)} EUR" in cost
    assert has_image(nb, "map")
    assert has_image(nb, "plot")

    # The key-figure table: one row per figure of the run, each the library's figure rounded as compare rounds it.
    table = handover["shown"]["key_figures"]
    assert len(table) >= 15
    assert {name: table.loc[name, "value"] for name in table.index} == {
        name: shown(name, values[name]) for name in table.index
    }
    displayed = text(nb, "key-figures")
    for name in table.index:
        assert re.search(rf"^{name}\b.*{re.escape(table.loc[name, 'value'])}\s*$", displayed, re.M), name
    assert "temporary run folder removed: True" in displayed


def check_scenario_comparison(nb: NotebookNode, handover: dict[str, Any]) -> None:
    variants = text(nb, "variants")
    assert variants.count(", 0 hard-rule violations") == 3, variants
    labels = ("no pooling", "designed pools", "pools formed by the optimiser")
    runs = handover["runs"]
    assert tuple(runs) == labels
    again = {label: recomputed(run) for label, run in runs.items()}

    # The comparison is `compare` of the runs, and the table displayed is it rounded as `pds-plan compare` rounds.
    expected = compare(list(again.items()))
    pd.testing.assert_frame_equal(handover["shown"]["comparison"], expected)
    rounded = pd.DataFrame({c: [shown(c, v) for v in expected[c]] for c in expected})
    pd.testing.assert_frame_equal(handover["shown"]["rounded"], rounded)

    measured = text(nb, "measure")
    figures = {label: run.figures for label, run in again.items()}
    sites = number(r"(\d+) PDS sites", text(nb, "setup"))
    for label, shown_figures in figures.items():
        line = f"{label}: {shown('on_call_per_night', shown_figures.on_call_per_night)} radiologists on call per night"
        assert line in measured, line
    assert figures["no pooling"].on_call_per_night == sites  # one radiologist per site every night
    assert figures["no pooling"].pooled_sites == 0
    assert figures["designed pools"].on_call_per_night < sites
    assert figures["pools formed by the optimiser"].on_call_per_night < sites
    # Pools the optimiser forms keep the turnaround target (a hard rule): only sites too busy alone miss it.
    for label in ("designed pools", "pools formed by the optimiser"):
        assert not any(" + " in name for name in figures[label].pools_below_target_names), figures[label]
    assert "own radiologists and no remote fee" in measured
    assert "radiologists on call at once" in text(nb, "sweep")
    regions = text(nb, "regions")
    assert all(name in regions for name in ("lorraine", "picardie", "pays-de-la-loire")), regions
    assert has_image(nb, "chart")


CHECKS = {"regional_coverage.ipynb": check_regional_coverage, "scenario_comparison.ipynb": check_scenario_comparison}


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_shows_the_librarys_key_figures(name: str, python3_kernel: str, tmp_path: Path) -> None:
    before = sorted(p.name for p in NOTEBOOKS.iterdir())
    workdir = tmp_path / "kernel"
    workdir.mkdir()
    handover = tmp_path / "handover.pickle"
    nb = execute(name, python3_kernel, workdir, handover)
    with handover.open("rb") as file:
        CHECKS[name](nb, pickle.load(file))
    assert list(workdir.iterdir()) == []  # nothing written in the kernel's working directory
    assert sorted(p.name for p in NOTEBOOKS.iterdir()) == before


def test_notebooks_are_stored_without_outputs_as_their_generator_writes_them() -> None:
    spec = importlib.util.spec_from_file_location("make_notebooks", NOTEBOOKS / "make_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generated = module.notebooks()
    assert sorted(generated) == sorted(NAMES)
    for name, nb in generated.items():
        stored = (NOTEBOOKS / name).read_text(encoding="utf-8")
        assert stored.rstrip("\n") == nbformat.writes(nb).rstrip("\n"), (
            f"run python notebooks/make_notebooks.py ({name})"
        )
        for code in (c for c in nbformat.reads(stored, as_version=4).cells if c.cell_type == "code"):
            assert code.outputs == [] and code.execution_count is None, f"{name}: cell {code.id} has outputs"
