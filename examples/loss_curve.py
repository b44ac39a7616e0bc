"""Training and validation loss per epoch: watch a network start to memorise its data.

A 2-64-64-1 ReLU network is far bigger than 150 noisy points of the two moons need. A quarter
of them are held out (``cr.train_test_split``) and passed as ``validation=(X_val, y_val)``; fit
records, after each epoch, the mean training loss E and the loss on the held-out points. The
training loss keeps falling; the validation loss falls, bottoms out, and then climbs as the
network fits the noise. ``history.best_epoch`` is the epoch of the lowest validation loss:
with ``early_stopping=True`` fit would stop soon after it and restore those weights.

Run it from the repository root:

    python examples/loss_curve.py [OUT_DIR]          # default OUT_DIR: docs/gallery

It writes OUT_DIR/loss_curve.png with ``chainrule.training.plots.loss_curve`` (the plot
``chainrule train`` writes) and prints the best epoch and both losses there and at the end.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule.training import plots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/gallery"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    X, y = cr.make_moons(150, noise=0.3, seed=0)
    X_train, X_val, y_train, y_val = cr.train_test_split(X, y, test_size=0.25, seed=0)
    net = cr.MLP([2, 64, 64, 1], hidden="relu", output="sigmoid", seed=0)
    history = net.fit(
        X_train, y_train, validation=(X_val, y_val),
        epochs=300, optimizer="adam", lr=0.01, verbose=0, seed=0,
    )  # fmt: skip
    loss, val_loss = np.array(history.loss), np.array(history.val_loss)  # one value per epoch
    best = history.best_epoch  # 1-based
    print(f"epochs: {len(loss)} on {len(X_train)} points, {len(X_val)} held out")
    print(f"best epoch: {best}")
    print(f"at the best epoch: training loss {loss[best - 1]:.4f}, "
          f"validation loss {val_loss[best - 1]:.4f}")  # fmt: skip
    print(f"at the last epoch: training loss {loss[-1]:.4f}, validation loss {val_loss[-1]:.4f}")

    # chainrule's own plot (the one `chainrule train` writes): both losses, the best epoch dotted
    title = f"Two moons, 2-64-64-1 ReLU: {len(X_train)} points, {len(X_val)} held out"
    plots.loss_curve(history, out / "loss_curve.png", title=title)
    print(f"wrote {out / 'loss_curve.png'}")


if __name__ == "__main__":
    main()
