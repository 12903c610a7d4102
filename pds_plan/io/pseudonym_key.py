"""The key of a region's pseudonyms (`pds_plan.runs.pseudonymise`): created on first use, kept by the ARS.

Whoever holds the key can recompute every pseudonym from a staff list, so it never goes into what is shared: it is
kept beside a shared run folder (`DIR.pseudonym-key`) or inside the ARS's own run folder (`RUN/pseudonym.key`),
readable by its owner only. It is reused when present, so that the same radiologist keeps the same pseudonym in
every rota shared under it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from pds_plan.errors import InputError, Problem, display_path

KEY_BYTES = 32
KEY_FILE = "pseudonym.key"  # inside a run folder that stays at the ARS
KEY_SUFFIX = ".pseudonym-key"  # beside a run folder that is shared


def key_beside(folder: Path | str) -> Path:
    """The key of a run folder made to be shared: next to it, never in it."""
    folder = Path(folder)
    return folder.with_name(folder.name + KEY_SUFFIX)


def key_in(folder: Path | str) -> Path:
    """The key of a run folder that stays at the ARS, for pseudonymised outputs written elsewhere."""
    return Path(folder) / KEY_FILE


def is_within(path: Path, folder: Path) -> bool:
    """Whether `path` would be inside `folder` (or be it): a key there would be shared with the folder."""
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def read_or_create_key(path: Path | str) -> bytes:
    """The key in `path` (hex text), or a new random one written there first, readable by its owner only.

    InputError naming the file when it exists but holds no key of the expected length: replacing it would change
    every pseudonym of the region without a word."""
    path = Path(path)
    if not path.exists():
        _create(path, secrets.token_bytes(KEY_BYTES))
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError([Problem(display_path(path), f"unreadable pseudonym key ({error})")]) from None
    if len(key) != KEY_BYTES:
        raise InputError(
            [Problem(display_path(path), f"a pseudonym key holds {KEY_BYTES} bytes (64 hex digits), not {len(key)}")]
        )
    return key


def _create(path: Path, key: bytes) -> None:
    # Written in full to a temporary file (mkstemp makes it owner-only), then linked into place: a run interrupted
    # half-way leaves no truncated key, and of two runs creating the key at once the second reads the first's.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(key.hex() + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
