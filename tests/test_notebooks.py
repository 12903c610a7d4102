"""The analysts' notebooks (notebooks/*.ipynb) run top to bottom on the bundled data and show their key figures.

Each notebook is executed in a fresh kernel whose working directory is a temporary folder, which must stay empty:
the notebooks write their run folder into a `tempfile.TemporaryDirectory` and nothing else to disk.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.notebooknode import NotebookNode

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ("regional_coverage.ipynb", "scenario_comparison.ipynb")


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


def execute(name: str, kernel: str, workdir: Path) -> NotebookNode:
    """Run every cell; nbclient raises CellExecutionError (with the cell and its traceback) at the first error."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
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


def check_regional_coverage(nb: NotebookNode) -> None:
    scenario = text(nb, "scenario")
    sites = number(r"(\d+) of them with a PDS need", scenario)
    assert "lorraine-2027q1" in scenario
    assert number(r"(\d+) site periods to cover", text(nb, "calendar")) > 0
    assert "Vendredi saint" in text(nb, "calendar")  # Moselle's extra holiday in the quarter
    design = text(nb, "design")
    on_call = number(r"radiologists on call at once with the designed pools: (\d+)", design)
    assert 1 <= on_call < sites
    assert "share_within_30_min" in text(nb, "turnaround")
    solved = text(nb, "solve")
    assert "hard-rule violations (independent check): 0" in solved
    assert number(r"radiologists on call per night: ([\d.]+) on average", solved) == pytest.approx(on_call)
    assert "rota.csv" in text(nb, "run-folder")
    assert 0.5 < number(r"within 30 min over the region \(simulated\): ([\d.]+)%", text(nb, "workload")) <= 100
    assert "PLACEHOLDER" in text(nb, "cost")
    assert number(r"regional cost over the quarter: ([\d,]+) EUR", text(nb, "cost")) > 0
    assert has_image(nb, "map")
    assert has_image(nb, "plot")
    assert "temporary run folder removed: True" in text(nb, "key-figures")


def check_scenario_comparison(nb: NotebookNode) -> None:
    variants = text(nb, "variants")
    assert variants.count(", 0 hard-rule violations") == 3, variants
    measured = text(nb, "measure")
    on_call = {
        label: number(rf"{label}: ([\d.]+) radiologists on call per night", measured)
        for label in ("no pooling", "designed pools", "pools formed by the optimiser")
    }
    sites = number(r"(\d+) PDS sites", text(nb, "setup"))
    assert on_call["no pooling"] == sites  # one radiologist per site every night
    assert on_call["designed pools"] < sites
    assert on_call["pools formed by the optimiser"] < sites
    assert "own radiologists and no remote fee" in measured
    assert "radiologists on call at once" in text(nb, "sweep")
    regions = text(nb, "regions")
    assert all(name in regions for name in ("lorraine", "picardie", "pays-de-la-loire")), regions
    assert has_image(nb, "chart")


CHECKS = {"regional_coverage.ipynb": check_regional_coverage, "scenario_comparison.ipynb": check_scenario_comparison}


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_shows_its_key_figures(name: str, python3_kernel: str, tmp_path: Path) -> None:
    before = sorted(p.name for p in NOTEBOOKS.iterdir())
    nb = execute(name, python3_kernel, tmp_path)
    CHECKS[name](nb)
    assert list(tmp_path.iterdir()) == []  # nothing written in the kernel's working directory
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
