"""Files written so that a crash never leaves half a file and never destroys the old one.

Every file chainrule writes for a user (model files, ONNX and safetensors exports, predictions,
explanations, plots) goes through :func:`atomic_write`: the bytes go to a temporary file in the
same folder, which is flushed and synced to disk, given a normal file's permissions, and then
renamed over the target in one step (``os.replace``). A reader sees the old file or the new one,
never a mix; if writing fails, or is interrupted (Ctrl-C), the temporary file is removed and the
old file is untouched. The temporary file is ``.<name>.chainrule-<random>.tmp`` beside the target;
one left by a killed run (older than :data:`STALE_SECONDS`) is removed by the next write of the same
target. A failed write (disk full, permission denied, a read-only disk) is a
:class:`~chainrule.errors.FileWriteError` naming the file.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from chainrule.errors import FileWriteError

#: a temporary file older than this (seconds) is a killed run's, removed by the next write
STALE_SECONDS = 3600
_TAG = ".chainrule-"
_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the disk is read-only",
}


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[bytes]], None], what: str
) -> Path:
    """Call ``write(f)`` on a temporary binary file, then rename it over ``path``.

    ``what`` names the file in the error raised when its folder does not exist (e.g. "the
    model"). Returns ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(
            f"cannot write {what} to {path}: the folder {directory} does not exist"
        )
    if path.is_dir():
        raise IsADirectoryError(
            f"cannot write {what} to {path}: that is a folder; give a file name (e.g. "
            f"{path / ('model.chainrule' if what == 'the model' else 'output')})"
        )
    _remove_stale(directory, path.name)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{_TAG}", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; give it a normal file's mode
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        if isinstance(err, FileWriteError):
            raise
        reason = err.strerror or str(err)
        if err.errno in _REASONS:
            reason = f"{_REASONS[err.errno]} ({reason})"
        raise FileWriteError(
            f"cannot write {what} to {path}: {reason}", err.errno, str(path)
        ) from err
    finally:
        if tmp is not None:  # any failure, KeyboardInterrupt included
            Path(tmp).unlink(missing_ok=True)
    _sync_folder(directory)
    return path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, what: str) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda f: f.write(data), what)


def atomic_write_text(path: str | os.PathLike[str], text: str, what: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write_bytes(path, text.encode("utf-8"), what)


def _remove_stale(directory: Path, name: str) -> None:
    """Remove this target's temporary files left by a killed run: the exact name pattern
    ``.<name>.chainrule-<8 random characters>.tmp``, older than :data:`STALE_SECONDS`."""
    pattern = re.compile(re.escape(f".{name}{_TAG}") + r"[a-z0-9_]{8}\.tmp")
    cutoff = time.time() - STALE_SECONDS
    try:
        entries = [e for e in os.scandir(directory) if pattern.fullmatch(e.name)]
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
    except OSError:  # cleaning up is a courtesy: a folder we cannot list is not an error here
        pass


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
