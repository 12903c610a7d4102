"""Atomic writing: a file or run folder appears whole or not at all, and an earlier one is never silently lost."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pds_plan.errors import OutputBusyError, OutputExistsError, display_path

LOCK_SUFFIX = ".lock"
# A lock file that names no pid (its writer died between creating and filling it) is stale after this long.
UNREADABLE_LOCK_STALE_SECONDS = 60.0
_held: Counter[Path] = Counter()  # locks this process holds, with how many nested `folder_lock`s use each


def refuse_to_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise OutputExistsError(f"{display_path(path)} already exists: choose another name or pass --force")


def atomic_write_bytes(path: Path, data: bytes, force: bool = False) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, then rename it into place."""
    path = Path(path)
    refuse_to_overwrite(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, _shareable_mode())  # mkstemp makes owner-only files; exports are meant to be shared
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path


def _current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _shareable_mode() -> int:
    return 0o666 & ~_current_umask()


def atomic_write_text(path: Path, text: str, force: bool = False, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(path, text.encode(encoding), force=force)


def lock_path(path: Path) -> Path:
    """The lock file of an output folder: beside it, so that replacing the folder leaves the lock in place."""
    path = Path(path)
    return path.with_name(path.name + LOCK_SUFFIX)


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _holder(lock: Path) -> tuple[int | None, str | None]:
    """The pid and host written in a lock file; (None, None) when it cannot be read (gone, or still empty)."""
    try:
        lines = lock.read_text(encoding="utf-8").split("\n")
        return int(lines[0]), lines[1].strip() or None
    except (OSError, ValueError, IndexError):
        return None, None


def _is_stale(lock: Path, pid: int | None, host: str | None) -> bool:
    """A lock is stale when its process is dead on this host; a lock of another host is never judged stale."""
    if pid is None:
        try:
            return time.time() - lock.stat().st_mtime > UNREADABLE_LOCK_STALE_SECONDS
        except FileNotFoundError:
            return True
    return host == socket.gethostname() and not _pid_alive(pid)


def _acquire(lock: Path, target: Path) -> None:
    for _ in range(3):  # a stale lock is removed, then taken like a free one; someone else may win that race
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid, host = _holder(lock)
            if not _is_stale(lock, pid, host):
                who = f"pid {pid}" if pid is not None else "pid unknown"
                if host is not None and host != socket.gethostname():
                    who += f" on {host}"
                raise OutputBusyError(
                    f"another pds-plan run is writing {display_path(target)} ({who}); if none is, remove "
                    f"{display_path(lock)}"
                ) from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
            continue
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(f"{os.getpid()}\n{socket.gethostname()}\n")
        return
    raise OutputBusyError(f"another pds-plan run is writing {display_path(target)} (its lock keeps changing hands)")


@contextlib.contextmanager
def folder_lock(path: Path) -> Iterator[Path]:
    """Hold `<path>.lock` (pid and host, created exclusively) while writing `path`; removed on exit, even on error.

    A second process that wants to write `path` fails at once with OutputBusyError, whatever its `force`: two runs
    replacing each other's folder would leave one run's rota beside the other's reports. A lock whose process is
    dead on this host is stale and taken over. Nested use in one process (a whole run, then its folder) is allowed.
    """
    lock = lock_path(path).absolute()
    if _held[lock] == 0:
        lock.parent.mkdir(parents=True, exist_ok=True)
        _acquire(lock, Path(path))
    _held[lock] += 1
    try:
        yield lock
    finally:
        _held[lock] -= 1
        if _held[lock] == 0:
            del _held[lock]
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()


@contextlib.contextmanager
def atomic_folder(path: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; on success it replaces `path`, on failure it is removed.

    Without `force` an existing folder is refused before any work is done; with it, the old folder is only removed
    once the new one is complete. While it works it holds `folder_lock(path)`: another writer is refused.
    """
    path = Path(path)
    refuse_to_overwrite(path, force)
    with folder_lock(path):
        refuse_to_overwrite(path, force)  # written by the lock's previous holder
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
        os.chmod(staging, 0o777 & ~_current_umask())
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if path.exists():
            refuse_to_overwrite(path, force)  # appeared while we worked
            retired = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, retired / path.name)
            os.replace(staging, path)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, path)
