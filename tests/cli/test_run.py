"""pds-plan run: Ctrl-C says truthfully what was written, and a folder another run is writing is refused."""

import os
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pds_plan.cli import run as run_module
from pds_plan.cli.app import app
from pds_plan.io.run_store import read_run
from pds_plan.io.writers import lock_path

TINY = Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml"
runner = CliRunner()


def run(out: Path, *more: str):
    return runner.invoke(app, ["run", str(TINY), "--out", str(out), "--time-limit", "2", *more])


def interrupt(*_args, **_kwargs):
    raise KeyboardInterrupt


def test_ctrl_c_after_the_folder_is_written_keeps_it_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "write_run_outputs", interrupt)
    result = run(tmp_path / "run")
    assert result.exit_code == 130
    assert "is complete" in result.output and "no export, map or report was written" in result.output
    assert read_run(tmp_path / "run").assignments  # the run folder reads back whole
    assert not (tmp_path / "run" / "report.html").exists()
    assert not lock_path(tmp_path / "run").exists()


def test_ctrl_c_before_anything_is_written_says_nothing_was(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "_plan", interrupt)
    result = run(tmp_path / "run")
    assert result.exit_code == 130 and "nothing was written" in result.output
    assert not (tmp_path / "run").exists() and not lock_path(tmp_path / "run").exists()


@pytest.mark.skipif(not hasattr(os, "getppid"), reason="needs a live process other than this one")
def test_a_folder_another_run_is_writing_is_refused_even_with_force(tmp_path):
    out = tmp_path / "run"
    # The lock of a live process on this host: this test's parent process stands for the other run.
    lock_path(out).write_text(f"{os.getppid()}\n{socket.gethostname()}\n", encoding="utf-8")
    result = run(out, "--force")
    assert result.exit_code == 2
    assert "another pds-plan run is writing" in result.output and f"pid {os.getppid()}" in result.output
    assert not out.exists()
