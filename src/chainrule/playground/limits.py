"""What one playground session may hold, and so what the whole playground may hold.

A session's arrays grow with its data rows n, the network's inputs d, its outputs K and its
parameters; a request's transient arrays with the heatmap grid (``GRID``² points × K outputs).
Each of these is bounded here, so the memory of :data:`MAX_SESSIONS` sessions and
:data:`MAX_UPLOADS` uploads has a bound that ``docs/playground.md`` derives and
``tests/test_playground_hostile.py`` checks against the arrays a hostile upload makes::

    X (train + test rows, and the dataset's copy)   2 · 8 B · n·d        ≤ 16 · MAX_CELLS
    y and its split, row numbers, minibatch order    6 · 8 B · n          ≤ 48 · MAX_ROWS
    targets: one-hot rows or labels (UTF-32)         n · max(8 K, 4 L)    ≤ 160 · MAX_ROWS
    parameters, gradients, two optimizer moments     5 · 8 B · P          ≤ 40 · max_parameters()

Generated data (n ≤ 2000, d = 2, K ≤ 8) stays far below it.
"""

from __future__ import annotations

from chainrule.errors import ConfigError

MAX_UPLOAD_BYTES = 1_000_000  # the CSV file
MAX_FEATURES = 64  # feature columns of an upload, and inputs of the network after encoding
MAX_CLASSES = 20  # classes of an uploaded target
MAX_LABEL_CHARS = 40  # characters of one class label (labels are held as fixed-width text)
MAX_ROWS = 10_000  # data rows of an upload (train + test)
MAX_CELLS = 200_000  # rows × network inputs (after one-hot encoding), and rows × feature columns
MAX_LAYERS = 6  # hidden layers
MAX_UNITS = 16  # units per hidden layer
MAX_SESSIONS = 32  # sessions kept (the least recently used dropped past it)
MAX_UPLOADS = 16  # uploads kept
GRID = 64  # cells per side of the decision-boundary heatmap
UNIT_GRID = 20  # cells per side of each unit's heatmap
PYTHON_CELL_BYTES = 60  # a parsed text cell: a short str object and its pointer


def max_parameters() -> int:
    """The most weights a network may have: MAX_FEATURES inputs, MAX_LAYERS × MAX_UNITS, and
    MAX_CLASSES outputs, each layer (n_in + 1) × n_out with its bias row."""
    first = (MAX_FEATURES + 1) * MAX_UNITS
    middle = (MAX_LAYERS - 1) * (MAX_UNITS + 1) * MAX_UNITS
    return first + middle + (MAX_UNITS + 1) * MAX_CLASSES


def session_bytes() -> int:
    """The bound on the bytes of the arrays one session holds (see the module's table)."""
    x = 2 * 8 * MAX_CELLS
    y = 6 * 8 * MAX_ROWS
    targets = MAX_ROWS * max(8 * MAX_CLASSES, 4 * MAX_LABEL_CHARS)
    return x + y + targets + 5 * 8 * max_parameters()


def request_bytes() -> int:
    """The bound on one request's transient arrays beyond the session's: the decision map's
    forward pass (GRID² × K), and a forward pass over the rows (n × max(units, K), twice)."""
    grid = 8 * GRID * GRID * max(MAX_UNITS, MAX_CLASSES) * 2
    rows = 8 * MAX_ROWS * max(MAX_UNITS, MAX_CLASSES) * 2
    return grid + rows


def upload_bytes() -> int:
    """The bound on one stored upload: its X and labels, and its parsed table of cells."""
    return (
        8 * MAX_CELLS + 4 * MAX_LABEL_CHARS * MAX_ROWS + PYTHON_CELL_BYTES * (MAX_CELLS + MAX_ROWS)
    )


def total_bytes() -> int:
    """The bound on everything the playground keeps: every session and every upload."""
    return MAX_SESSIONS * session_bytes() + MAX_UPLOADS * upload_bytes()


def check_session(n_rows: int, n_inputs: int, n_outputs: int, field: str = "upload") -> None:
    """Raise :class:`ConfigError` when data of this shape would pass a session's bound."""
    if n_rows > MAX_ROWS:
        raise ConfigError(f"{n_rows:,} rows; the playground takes at most {MAX_ROWS:,}", field)
    if n_inputs > MAX_FEATURES or n_rows * n_inputs > MAX_CELLS:
        raise ConfigError(
            f"{n_rows:,} rows × {n_inputs} inputs; the playground takes at most {MAX_FEATURES} "
            f"inputs and {MAX_CELLS:,} numbers in all (fewer rows or columns)",
            field,
        )
    if n_outputs > MAX_CLASSES:
        raise ConfigError(
            f"{n_outputs} outputs; the playground takes at most {MAX_CLASSES} classes", field
        )
