"""CSV text to records, as RFC 4180 says: the part of :func:`~chainrule.data.read_table` that
splits a file into rows and cells.

Quoted cells may hold the delimiter, doubled quotes (``""`` is one ``"``) and line breaks, and be
of any size (Python's csv module stops at 128 KiB); an unterminated quote is a
:class:`~chainrule.errors.DataError` naming the line where it opened, never a block of rows
swallowed into one cell. Cells outside quotes are stripped of spaces; blank rows are skipped.
"""

from __future__ import annotations

import io
from pathlib import Path

from chainrule.errors import DataError

__all__ = ["DELIMITERS", "read_text", "records", "sniff"]

DELIMITERS = ",;\t|"


def read_text(path: Path, name: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise DataError(
            f"{name}, line {line}: not UTF-8 text ({err.reason}); re-save the file as UTF-8"
        ) from None
    except OSError as err:
        raise DataError(f"{name}: cannot read the file ({err.strerror or err})") from None
    return list(io.StringIO(text, newline=""))  # split at \n, \r\n, \r only


def records(lines: list[str], delim: str, name: str) -> list[tuple[list[str], int, int]]:
    """The non-blank records: ``(cells, first line, last line)``, cells outside quotes stripped."""
    records, i = [], 0
    while i < len(lines):
        start = i + 1
        if '"' in lines[i]:
            cells, i = _quoted_record(lines, i, delim, name)
        else:
            cells, i = [c.strip() for c in lines[i].rstrip("\r\n").split(delim)], i + 1
        if any(cells):
            records.append((cells, start, i))
    return records


def _quoted_record(lines: list[str], i: int, delim: str, name: str) -> tuple[list[str], int]:
    """One RFC 4180 record starting at ``lines[i]``: ``(cells, index of the next line)``."""
    pad = " " if delim == "\t" else " \t"
    line, i, pos, cells = lines[i], i + 1, 0, []
    while True:
        k = pos
        while k < len(line) and line[k] in pad:
            k += 1
        if not line.startswith('"', k):  # an unquoted cell: up to the delimiter or the line end
            end = line.find(delim, pos)
            eol = len(line) - (2 if line.endswith("\r\n") else line.endswith(("\n", "\r")))
            if end < 0 or end > eol:
                return [*cells, line[pos:eol].strip()], i
            cells.append(line[pos:end].strip())
            pos = end + 1
            continue
        opened, parts, k = i, [], k + 1
        while (q := line.find('"', k)) < 0 or line.startswith('""', q):
            if q >= 0:  # a doubled quote stands for one quote
                parts.append(line[k : q + 1])
                k = q + 2
                continue
            if i >= len(lines):
                raise DataError(
                    f"{name}, line {opened}: a quoted field opened here is never closed; close "
                    'it with a " (a quote inside a quoted field is written twice: "")'
                )
            parts.append(line[k:])
            line, i, k = lines[i], i + 1, 0
        cells.append("".join([*parts, line[k:q]]))
        k = q + 1
        while k < len(line) and line[k] in pad:
            k += 1
        if line.startswith(delim, k):
            pos = k + 1
        elif k >= len(line) or line[k] in "\r\n":
            return cells, i
        else:
            spans = f" (opened on line {opened})" if opened != i else ""
            raise DataError(
                f"{name}, line {i}: a quoted field{spans} is followed by {line[k : k + 10]!r} "
                'instead of a delimiter; is a quote missing or not doubled ("") inside it?'
            )


def sniff(lines: list[str], name: str) -> str:
    """The delimiter that splits the first rows into the most equal columns (> 1)."""
    sample = [line for line in lines if line.strip()][:20]
    best, width = None, 1
    for d in DELIMITERS:
        try:
            widths = {len(cells) for cells, _, _ in records(sample, d, name)}
        except DataError:  # a quoted field cut off by the sample, or a real error found later
            continue
        if len(widths) == 1 and (w := widths.pop()) > width:
            best, width = d, w
    if best is None:  # no delimiter splits every row alike: the ragged row is reported later
        header = sample[0] if sample else ""
        best = max(DELIMITERS, key=header.count)
    return best
