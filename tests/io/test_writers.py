"""The lock of an output folder: a second writer is refused at once, even with force; a dead writer's lock is not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pds_plan.cli.app import app
from pds_plan.errors import OutputBusyError, OutputExistsError
from pds_plan.io.writers import atomic_folder, folder_lock, lock_path

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from pds_plan.io.writers import folder_lock

    with folder_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        sys.stdin.read()  # until the test closes our stdin
    """
)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """Another process holding the lock of tmp_path/run until the test ends."""
    target = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield target, holder
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(timeout=30)


def write_folder(target: Path, force: bool = False) -> None:
    with atomic_folder(target, force=force) as staging:
        (staging / "rota.csv").write_text("date\n", encoding="utf-8")


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    return child.pid


def test_a_folder_another_process_is_writing_is_refused_even_with_force(held):
    target, holder = held
    with pytest.raises(OutputBusyError, match=rf"another pds-plan run is writing .*run \(pid {holder.pid}\)"):
        write_folder(target, force=True)
    assert isinstance(OutputBusyError("x"), OutputExistsError)  # the same clean exit 2 as an existing folder
    assert not target.exists()
    assert lock_path(target).read_text(encoding="utf-8").split("\n")[0] == str(holder.pid)  # theirs, kept


def test_once_the_other_process_is_done_its_lock_is_gone_and_the_folder_can_be_written(held):
    target, holder = held
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(timeout=30)
    assert not lock_path(target).exists()
    write_folder(target)
    assert (target / "rota.csv").is_file()


def test_the_command_line_refuses_with_exit_2_and_names_the_pid(held):
    target, holder = held
    result = CliRunner().invoke(
        app, ["solve", str(TINY / "scenario.toml"), "--out", str(target), "--method", "greedy", "--force"]
    )
    assert result.exit_code == 2, result.output
    assert "another pds-plan run is writing" in result.output and f"pid {holder.pid}" in result.output
    assert "Traceback" not in result.output


def test_a_lock_left_by_a_dead_process_on_this_host_is_taken_over(tmp_path):
    target = tmp_path / "run"
    pid = dead_pid()
    lock_path(target).write_text(f"{pid}\n{socket.gethostname()}\n", encoding="utf-8")
    write_folder(target, force=True)
    assert (target / "rota.csv").is_file()
    assert not lock_path(target).exists()


def test_a_lock_of_another_host_is_never_judged_stale(tmp_path):
    target = tmp_path / "run"
    lock_path(target).write_text(f"{dead_pid()}\nsome-other-host\n", encoding="utf-8")
    with pytest.raises(OutputBusyError, match="on some-other-host"):
        write_folder(target, force=True)


def test_the_lock_is_held_while_writing_and_removed_after_success_and_after_an_error(tmp_path):
    target = tmp_path / "run"
    with atomic_folder(target) as staging:
        lock = lock_path(target)
        assert lock.read_text(encoding="utf-8").split("\n")[:2] == [str(os.getpid()), socket.gethostname()]
        (staging / "rota.csv").write_text("date\n", encoding="utf-8")
    assert not lock.exists() and (target / "rota.csv").is_file()

    with pytest.raises(RuntimeError, match="solver crashed"), atomic_folder(target, force=True):
        assert lock.exists()
        raise RuntimeError("solver crashed")
    assert not lock.exists()
    assert (target / "rota.csv").is_file()  # the earlier folder is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging folder left either


def test_a_run_can_hold_the_lock_around_its_folder_write_in_one_process(tmp_path):
    """`pds-plan run` may lock its folder for the whole pipeline; its own atomic write inside is not refused."""
    target = tmp_path / "run"
    with folder_lock(target) as lock:
        write_folder(target)
        assert lock.exists()  # the outer holder still has it
    assert not lock.exists()
