"""What the playground hands out: the model file, the weights as JSON, the data as CSV, and a
Python script that rebuilds and trains the same network with chainrule.

The script repeats the session's training loop (:meth:`Session.train`) line for line, with the
same seed, so ``main(steps)`` reaches the weights the page shows after that many steps.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

from chainrule.data.table import Table
from chainrule.io.modelfile import save
from chainrule.playground.inputs import PLAIN, REGRESSION
from chainrule.playground.session import OUTPUTS, Session, matrix

WEIGHTS_FORMAT = "chainrule-playground-weights"


def model_bytes(session: Session) -> bytes:
    """The model file (:mod:`~chainrule.io.modelfile`), written to a temporary folder, read back."""
    with session.lock, tempfile.TemporaryDirectory(prefix="chainrule-export-") as tmp:
        h = session.history
        history = {"step": h["step"], "loss": h["train"], "val_loss": h["test"]}
        path = save(session.net, Path(tmp) / "playground.chainrule", history=history)
        return path.read_bytes()


def weights_json(session: Session) -> dict[str, Any]:
    """Every weight matrix (bias last row), with the architecture and the setup that made them."""
    with session.lock:
        net = session.net
        return {
            "format": WEIGHTS_FORMAT,
            "version": 1,
            "step": session.steps,
            "setup": session.config.to_dict(),
            "network": net.get_config(),
            "classes": None if net.classes is None else [str(c) for c in net.classes],
            "scaler": None if net.scaler is None else net.scaler.to_dict(),
            "weights": {f"W{k}": matrix(W) for k, W in enumerate(net.weights, start=1)},
        }


def data_csv(session: Session, part: str = "train") -> str:
    """The training (or test) rows in the session's order, with a header; the target as labels.

    ``chainrule explain <model> --data train.csv --sample n`` then sees row n as the page does.
    With a preprocessor (an upload with text or missing cells), the rows are the file's own
    cells (missing ones empty), which the model file's preprocessor reads by column name.
    """
    d = session.data
    ds = d.dataset
    X, y = (d.X_train, d.y_train) if part == "train" else (d.X_test, d.y_test)
    labels = y if ds.classes is None else ds.classes[y]
    names, rows = ds.feature_names, [[repr(v) for v in row] for row in X.tolist()]
    upload, split = session.upload, d.split
    if d.preprocessor is not None and upload is not None and upload.table is not None and split:
        table = upload.table.take(split.rows_train if part == "train" else split.rows_test)
        names, rows = table.names, _cells(table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*names, ds.target_name])
    for row, label in zip(rows, labels.tolist(), strict=True):
        writer.writerow([*row, label])
    return out.getvalue()


def _cells(table: Table) -> list[list[str]]:
    """Each row's cells as text that reads back the same: numbers by repr, missing as ""."""
    columns = []
    for col in table.columns:
        show = (lambda v: repr(float(v))) if col.kind == "number" else str
        missing = col.missing()
        columns.append(
            ["" if m else show(v) for v, m in zip(col.values.tolist(), missing, strict=True)]
        )
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def script(session: Session) -> str:
    """A Python script that rebuilds this network with chainrule and trains it as the page does."""
    c = session.config
    activation, loss = OUTPUTS[c.output]
    data, split = _data_block(session)
    if c.output == "identity" and session.data.task == "multiclass":
        targets = "one_hot = np.eye(len(ds.classes))\n    "
        targets += "t_train, t_test = one_hot[y_train], one_hot[y_test]"
        n_out = "len(ds.classes)"
    elif c.output == "identity":
        targets = "t_train, t_test = y_train.astype(float), y_test.astype(float)"
        n_out = "1"
    else:
        targets = "t_train, t_test = ds.classes[y_train], ds.classes[y_test]  # labels"
        n_out = "len(ds.classes)" if c.output == "softmax" else "1"
    classes = "" if c.output == "identity" else "    net.classes = ds.classes\n"
    scaler = "    net.scaler = cr.Standardizer().fit(X_train)\n" if c.standardized else ""
    names = "list(ds.feature_names)"
    if session.data.preprocessor is not None:
        scaler, names = "    net.preprocessor = pre\n", "list(pre.output_names)"
    steps = max(session.steps, 1)
    if c.features != PLAIN:  # the inputs made from x1, x2, as the session makes them
        data += "\nfrom chainrule.playground.inputs import with_inputs\n"
        data += f"ds = with_inputs(ds, {list(c.features)!r})  # the network's inputs"
    edited = ""
    if session.edited:
        edited = ("\nNote: weights set by hand on the page (step, weight, value) are not "
                  f"repeated here:\n{session.edited}\n")  # fmt: skip
    return _TEMPLATE.format(
        edited=edited,
        l1=c.l1,
        setup=c.to_dict(),
        steps=steps,
        seed=c.seed,
        data="\n    ".join(data.splitlines()),
        split="\n    ".join(split.splitlines()),
        targets=targets,
        hidden="".join(f"{units}, " for units in c.hidden),
        n_out=n_out,
        activation=c.activation,
        output=activation,
        loss=loss,
        classes=classes,
        scaler=scaler,
        names=names,
        optimizer=c.optimizer,
        lr=c.lr,
        l2=c.l2,
        batch_size=c.batch_size,
    )


def _data_block(session: Session) -> tuple[str, str]:
    """The script's lines that make ``ds`` and split it into X_train, X_test, y_train, y_test."""
    c = session.config
    split = (
        "X_train, X_test, y_train, y_test = cr.train_test_split(\n"
        f"    ds.X, ds.y, test_size={c.test_ratio!r}, seed=SEED, "
        'stratify=ds.task != "regression"\n)'
    )
    upload = session.upload
    if c.dataset == "csv" and upload is not None and upload.table is not None:
        return _table_block(session, split)
    if c.dataset == "csv":
        name, target = upload_name(session), session.data.dataset.target_name
        return f"ds = cr.load_csv({name!r}, target={target!r})", split
    if c.dataset in REGRESSION:
        data = "from chainrule.playground.inputs import regression_dataset\n"
        data += f"ds = regression_dataset({c.dataset!r}, n={c.n_samples}, noise={c.noise!r}, "
        data += "seed=SEED)"
    elif c.dataset == "blobs":
        data = f"ds = cr.load_dataset('blobs', n={c.n_samples}, n_classes={c.n_classes}, "
        data += f"std={c.noise!r}, seed=SEED)"
    elif c.dataset == "spiral":
        data = f"ds = cr.load_dataset('spiral', n={c.n_samples}, n_classes={c.n_classes}, "
        data += f"noise={c.noise!r}, seed=SEED)"
    else:
        data = f"ds = cr.load_dataset({c.dataset!r}, n={c.n_samples}, noise={c.noise!r}, seed=SEED)"
    return data, split


def _table_block(session: Session, split: str) -> tuple[str, str]:
    """An upload read as the playground reads it (``read_table``'s reader, rows without a target
    dropped) and, when the session has one, the preprocessor fitted on the training rows."""
    upload, c = session.upload, session.config
    assert upload is not None and upload.table is not None
    name, target = upload_name(session), session.data.dataset.target_name
    features = upload.table.names
    plain = upload.dropped == 0 and session.data.preprocessor is None
    if plain:  # numbers only, every row has its target: load_csv reads the same
        return f"# The uploaded file: save it as {name!r} next to this script.\n" + (
            f"ds = cr.load_csv({name!r}, target={target!r})"
        ), split
    data = (
        f"# The uploaded file: save it as {name!r} next to this script. Missing cells (NA, ...)\n"
        "# are kept missing; rows without a target are dropped, as the playground does.\n"
        "from chainrule.data import Preprocessor, drop_missing_target, read_table, target_values\n"
        f"FEATURES = {features!r}\n"
        f"table, _ = drop_missing_target(read_table({name!r}), {target!r})\n"
        f"labels = target_values(table.column({target!r}))\n"
        "labels = labels.astype(str) if labels.dtype == object else labels\n"
    )
    if session.data.preprocessor is None:
        data += "X = np.column_stack([table.column(n).values.astype(float) for n in FEATURES])\n"
        return data + f"ds = cr.Dataset.from_arrays(X, labels, FEATURES, {target!r})", split
    data += f"ds = cr.Dataset.from_arrays(np.zeros((len(labels), 0)), labels, [], {target!r})"
    scale = session.data.preprocessor.scale
    split = (
        "rows_train, rows_test, y_train, y_test = cr.train_test_split(\n"
        f"    np.arange(len(ds.y)), ds.y, test_size={c.test_ratio!r}, seed=SEED, "
        'stratify=ds.task != "regression"\n)\n'
        "features = table.select(FEATURES)\n"
        f"pre = Preprocessor(scale={scale!r}).fit(features.take(rows_train))  # on training rows\n"
        "X_train = pre.transform(features.take(rows_train))\n"
        "X_test = pre.transform(features.take(rows_test))"
    )
    return data, split


def upload_name(session: Session) -> str:
    return session.upload_filename or "data.csv"


_TEMPLATE = '''"""Rebuild and train the chainrule playground's network.

Setup: {setup}

Run: python this_script.py [steps]     (default {steps}, the step the page was at)
The training loop is the playground's own, with the same seed, so after the same number of steps
the weights are the ones the page showed.
{edited}"""

import sys

import numpy as np

import chainrule as cr

SEED = {seed}
STEPS = {steps}


def main(steps=STEPS, verbose=True):
    {data}
    {split}
    {targets}

    sizes = [X_train.shape[1], {hidden}{n_out}]  # inputs, hidden layers, outputs
    net = cr.MLP(sizes, hidden={activation!r}, output={output!r}, loss={loss!r}, seed=SEED)
{classes}{scaler}    net.feature_names, net.target_name = {names}, ds.target_name
    opt = cr.optim.get_optimizer({optimizer!r}, net.parameters(), lr={lr!r}, weight_decay={l2!r})
    L1 = {l1!r}  # the L1 penalty L1 · Σ|w| (biases excluded): its gradient L1 · sign(w)

    class WithL1:  # the optimizer, with the L1 gradient added to each .grad first
        params = opt.params

        def step(self):
            if L1 > 0:
                for p in opt.params:
                    p.grad[:-1] += L1 * np.sign(p.data[:-1])
            opt.step()

    def batches(n, batch_size):  # each epoch a fresh permutation, cut in order
        rng = np.random.default_rng(SEED)
        while True:
            order = rng.permutation(n)
            for start in range(0, n, batch_size):
                yield order[start : start + batch_size]

    batch = batches(len(X_train), min({batch_size}, len(X_train)))
    for step in range(1, steps + 1):
        idx = next(batch)
        # backpropagation sets every weight's .grad by the chain rule, then the optimizer steps
        net.train_step(*net.check_data(X_train[idx], t_train[idx]), WithL1())
        if verbose and (step % max(1, steps // 10) == 0 or step == steps):
            train, test = net.error(X_train, t_train), net.error(X_test, t_test)
            print(f"step {{step:6d}}  train loss {{train:.6f}}  test loss {{test:.6f}}")
    return net


if __name__ == "__main__":
    net = main(int(sys.argv[1]) if len(sys.argv) > 1 else STEPS)
    net.save("playground.chainrule")
    print("saved playground.chainrule (chainrule explain playground.chainrule ... explains it)")
'''
