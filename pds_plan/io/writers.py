"""Atomic writing: a file or run folder appears whole or not at all, and an earlier one is never silently lost."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pds_plan.errors import OutputExistsError, display_path


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


@contextlib.contextmanager
def atomic_folder(path: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; on success it replaces `path`, on failure it is removed.

    Without `force` an existing folder is refused before any work is done; with it, the old folder is only removed
    once the new one is complete.
    """
    path = Path(path)
    refuse_to_overwrite(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
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
