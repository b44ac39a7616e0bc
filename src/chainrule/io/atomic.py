"""Files written so that a crash never leaves half a file and never destroys the old one.

Every file chainrule writes for a user (model files, ONNX and safetensors exports, predictions,
explanations, plots) goes through :func:`atomic_write`: the bytes go to a temporary file in the
same folder, which is flushed and synced to disk, given a normal file's permissions, and then
renamed over the target in one step (``os.replace``). A reader sees the old file or the new one,
never a mix; if writing fails, the temporary file is removed and the old file is untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(directory)
    return path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, what: str) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda f: f.write(data), what)


def atomic_write_text(path: str | os.PathLike[str], text: str, what: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write_bytes(path, text.encode("utf-8"), what)


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
