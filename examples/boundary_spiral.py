"""Three spiral arms: a 2-64-64-3 ReLU network with a softmax output, one region per class.

Each arm winds 1.5 turns out from the centre, so the classes interleave and no few lines
separate them. Two hidden layers of ReLU units cut the plane into many small linear pieces; the
softmax output ŷ_k = exp(h_k) / Σ_c exp(h_c) gives each point a probability per class, trained
on the cross-entropy −ln ŷ_y. The picture colours the plane by the predicted class
(the argmax of ŷ) and shows 300 new points.

Run it from the repository root:

    python examples/boundary_spiral.py [OUT_DIR]     # default OUT_DIR: docs/gallery

It writes OUT_DIR/boundary_spiral.png and prints the accuracy on the 300 new points.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw into files: no window, no display needed
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import chainrule as cr

COLOURS = ["tab:blue", "tab:red", "tab:green"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/gallery"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    X, y = cr.make_spiral(600, n_classes=3, noise=0.05, seed=0)  # X (600, 2), y in {0, 1, 2}
    X_test, y_test = cr.make_spiral(300, n_classes=3, noise=0.05, seed=1)
    net = cr.MLP([2, 64, 64, 3], hidden="relu", output="softmax", seed=0)
    history = net.fit(X, y, epochs=400, optimizer="adam", lr=0.01, verbose=0, seed=0)
    accuracy = np.mean(net.predict(X_test) == y_test)
    print(f"final training loss: {history.loss[-1]:.4f}")
    print(f"test accuracy: {accuracy:.3f} (300 new points)")

    # the predicted class on a 300 × 300 grid: net.predict takes (n_points, 2)
    g = np.linspace(-1.25, 1.25, 300)
    G1, G2 = np.meshgrid(g, g)
    Z = net.predict(np.c_[G1.ravel(), G2.ravel()]).reshape(G1.shape)

    fig, ax = plt.subplots(figsize=(5, 4.6), dpi=90, layout="constrained")
    ax.contourf(G1, G2, Z, levels=[-0.5, 0.5, 1.5, 2.5], cmap=ListedColormap(COLOURS), alpha=0.3)
    ax.contour(G1, G2, Z, levels=[0.5, 1.5], colors="k", linewidths=0.8)
    for label, colour in enumerate(COLOURS):
        points = X_test[y_test == label]
        ax.scatter(*points.T, color=colour, edgecolors="k", linewidths=0.3, s=12)
    ax.set(xlabel="x1", ylabel="x2", aspect="equal")
    ax.set_title(f"Three spirals, 2-64-64-3 ReLU: test accuracy {accuracy:.1%}", fontsize=10)
    fig.savefig(out / "boundary_spiral.png")
    plt.close(fig)
    print(f"wrote {out / 'boundary_spiral.png'}")


if __name__ == "__main__":
    main()
