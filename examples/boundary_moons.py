"""Two moons: a 2-16-1 tanh network bends its decision boundary around the arcs.

A curved boundary needs hidden units: each tanh unit adds one soft step across a line, and the
output sums 16 of them, ŷ = σ(Σ_j W2[j] tanh(h_j) + b). Trained with Adam on 400 noisy points;
the picture shades P(class 1) over the plane, draws the ŷ = 0.5 boundary, and shows 400 new
points the network never saw.

Run it from the repository root:

    python examples/boundary_moons.py [OUT_DIR]      # default OUT_DIR: docs/gallery

It writes OUT_DIR/boundary_moons.png and prints the accuracy on the 400 new points.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw into files: no window, no display needed
import matplotlib.pyplot as plt
import numpy as np

import chainrule as cr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/gallery"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    X, y = cr.make_moons(400, noise=0.2, seed=0)  # X (400, 2), y (400,) in {0, 1}
    X_test, y_test = cr.make_moons(400, noise=0.2, seed=1)
    net = cr.MLP([2, 16, 1], hidden="tanh", output="sigmoid", seed=0)
    history = net.fit(X, y, epochs=200, optimizer="adam", lr=0.01, verbose=0, seed=0)
    accuracy = np.mean(net.predict(X_test) == y_test)
    print(f"final training loss: {history.loss[-1]:.4f}")
    print(f"test accuracy: {accuracy:.3f} (400 new points)")

    # P(class 1) on a 300 × 300 grid: net.forward takes (n_points, 2), gives (n_points, 1)
    (lo1, lo2), (hi1, hi2) = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
    G1, G2 = np.meshgrid(np.linspace(lo1, hi1, 300), np.linspace(lo2, hi2, 300))
    P = net.forward(np.c_[G1.ravel(), G2.ravel()])[:, 0].reshape(G1.shape)

    fig, ax = plt.subplots(figsize=(6, 4.2), dpi=90, layout="constrained")
    shade = ax.contourf(G1, G2, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
    fig.colorbar(shade, ax=ax, label="ŷ = P(class 1)")
    ax.contour(G1, G2, P, levels=[0.5], colors="k", linewidths=1.5)
    for label, colour in [(0, "tab:blue"), (1, "tab:red")]:
        points = X_test[y_test == label]
        ax.scatter(*points.T, color=colour, edgecolors="k", linewidths=0.3, s=12)
    ax.set(xlabel="x1", ylabel="x2")
    ax.set_title(f"Two moons, a 2-16-1 tanh network: test accuracy {accuracy:.1%}", fontsize=10)
    fig.savefig(out / "boundary_moons.png")
    plt.close(fig)
    print(f"wrote {out / 'boundary_moons.png'}")


if __name__ == "__main__":
    main()
