"""The sizes chainrule will read, and the reading of an input file held to them.

Each limit is a module constant that a user can read and change (``chainrule.data.limits.
MAX_TABLE_BYTES = 8 * 2**30``, or on the command line ``chainrule --max-table-bytes N
--max-cell-bytes N <command>``); the checks look them up when they run, so a change applies to
the next file read. Going past one is a :class:`~chainrule.errors.DataError` that names the file
(and, for a cell, the line and column) and says which limit to raise:

==========================  ==========  ===================================================
limit                       default     what it bounds
==========================  ==========  ===================================================
:data:`MAX_TABLE_BYTES`     2 GiB       a table file (CSV, Parquet, Arrow) read from disk
:data:`MAX_CELL_BYTES`      1 MiB       one CSV cell (UTF-8 bytes)
:data:`MAX_CLASSES`         1,000       distinct labels ``chainrule train`` accepts as classes
                                        (``--max-classes``)
==========================  ==========  ===================================================

An input that is not a regular file (a FIFO, a device such as ``/dev/zero``, a socket) is refused
before it is opened, since reading one may never end.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from chainrule.errors import DataError

__all__ = [
    "MAX_CELL_BYTES",
    "MAX_CLASSES",
    "MAX_TABLE_BYTES",
    "check_cells",
    "check_input_file",
    "decode_lines",
    "read_bounded",
    "read_lines",
]

MAX_TABLE_BYTES = 2 * 2**30
MAX_CELL_BYTES = 2**20
MAX_CLASSES = 1000


def _size(n: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def check_input_file(path: str | os.PathLike[str], name: str, limit: int | None = None) -> int:
    """Refuse ``path`` unless it is a regular file (of at most ``limit`` bytes); its size.

    ``os.stat`` does not open the file, so a FIFO or a device is refused without blocking.
    """
    try:
        info = os.stat(path)
    except OSError as err:
        raise DataError(f"{name}: cannot read the file ({err.strerror or err})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a folder" if stat.S_ISDIR(info.st_mode)
            else "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode)
            else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "a socket" if stat.S_ISSOCK(info.st_mode)
            else "not a file"
        )  # fmt: skip
        raise DataError(
            f"{name} is not a regular file ({kind}); chainrule reads only files on disk: save "
            "the data to a file and give its path"
        )
    if limit is not None and info.st_size > limit:
        _too_big(name, info.st_size, limit)
    return info.st_size


def _too_big(name: str, size: int | str, limit: int) -> None:
    raise DataError(
        f"{name}: the file is {size if isinstance(size, str) else _size(size)}, over the limit of "
        f"{_size(limit)} for a table; use a sample of the rows, or raise the limit if the memory "
        "is there (chainrule --max-table-bytes N, or chainrule.data.limits.MAX_TABLE_BYTES)"
    )


def read_bounded(path: Path, name: str) -> bytes:
    """The bytes of the regular file ``path``, refused past :data:`MAX_TABLE_BYTES` (checked
    before reading and while reading, for a file whose size the system does not report)."""
    limit = MAX_TABLE_BYTES
    check_input_file(path, name, limit)
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as err:
        raise DataError(f"{name}: cannot read the file ({err.strerror or err})") from None
    if len(data) > limit:
        _too_big(name, "larger than that", limit)
    return data


def read_lines(path: Path, name: str) -> list[str]:
    """The lines of the text file ``path`` read within the limits (see :func:`decode_lines`);
    as a file opened in text mode reads, each line break (and one inside a quoted cell) is \\n."""
    return decode_lines(read_bounded(path, name), name, newline=None)


def decode_lines(text: str | bytes, name: str, newline: str | None = "") -> list[str]:
    """The lines of a file's content (split at \\n, \\r\\n, \\r only; with ``newline=None``
    each break becomes \\n); bytes must be UTF-8 (a BOM is fine)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = bytes(text)[: err.start].count(b"\n") + 1
            raise DataError(
                f"{name}, line {line}: not UTF-8 text ({err.reason}); re-save the file as UTF-8"
            ) from None
    return list(io.StringIO(text.removeprefix("\ufeff"), newline=newline))


def check_cells(records: list[tuple[list[str], int, int]], header: list[str], name: str) -> None:
    """Refuse a CSV cell over :data:`MAX_CELL_BYTES` UTF-8 bytes, naming its line and column.

    ``records`` are ``(cells, first line, last line)``; only a record whose text could hold such
    a cell (a character is at most 4 bytes) has its cells measured.
    """
    limit = MAX_CELL_BYTES
    for cells, start, _ in records:
        if sum(map(len, cells)) <= limit // 4:
            continue
        for j, cell in enumerate(cells):
            if len(cell) > limit // 4 and (n := len(cell.encode("utf-8"))) > limit:
                short = j < len(header) and len(header[j]) <= 80
                column = repr(header[j]) if short else str(j + 1)
                raise DataError(
                    f"{name}, line {start}, column {column}: a cell of {_size(n)}, over the "
                    f"limit of {_size(limit)} per cell; is a quote left open, or a file of "
                    "another kind in the column? Shorten the cell, or raise the limit "
                    "(chainrule --max-cell-bytes N, or chainrule.data.limits.MAX_CELL_BYTES)"
                )
