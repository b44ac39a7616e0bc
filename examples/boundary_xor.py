"""XOR's decision boundary: the lecture's 2-2-1 sigmoid network and the two lines it draws.

No straight line separates XOR's classes, but two can: each hidden unit j computes
h_j = W1[1,j] x1 + W1[2,j] x2 + W1[3,j] (the last row is the bias) and σ(h_j) switches on one
side of the line h_j = 0. The output unit ŷ = σ(W^(2) a) combines the two half-planes into the
band between the lines. The picture shows P(class 1) over the plane, the ŷ = 0.5 boundary, and
the hidden units' lines, dashed.

Run it from the repository root:

    python examples/boundary_xor.py [OUT_DIR]        # default OUT_DIR: docs/gallery

It writes OUT_DIR/boundary_xor.png and prints the accuracy on 200 new points.
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

    X, y = cr.make_xor(400, noise=0.15, seed=0)  # X (400, 2), y (400,) in {0, 1}
    X_test, y_test = cr.make_xor(200, noise=0.15, seed=1)
    net = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=1)
    history = net.fit(X, y, epochs=300, optimizer="adam", lr=0.05, verbose=0, seed=1)
    accuracy = np.mean(net.predict(X_test) == y_test)
    print(f"final training loss: {history.loss[-1]:.4f}")
    print(f"test accuracy: {accuracy:.3f} (200 new points)")

    # P(class 1) on a grid over the plane: ŷ = net.forward(points), shape (n_points, 1)
    g = np.linspace(-0.6, 1.6, 300)
    G1, G2 = np.meshgrid(g, g)
    P = net.forward(np.c_[G1.ravel(), G2.ravel()])[:, 0].reshape(G1.shape)

    fig, ax = plt.subplots(figsize=(5.4, 4.6), dpi=90, layout="constrained")
    shade = ax.contourf(G1, G2, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
    fig.colorbar(shade, ax=ax, label="ŷ = P(class 1)")
    ax.contour(G1, G2, P, levels=[0.5], colors="k", linewidths=1.5)
    W1 = net.weights[0]  # (3, 2): column j holds hidden unit j's weights, the last row its bias
    for j, colour in enumerate(["tab:green", "tab:purple"]):  # h_j = 0, i.e.
        line = -(W1[0, j] * g + W1[2, j]) / W1[1, j]  # W1[0,j] x1 + W1[1,j] x2 + W1[2,j] = 0
        ax.plot(g, line, "--", color=colour, lw=1.8, label=f"h{j + 1} = 0 (hidden unit {j + 1})")
    for label, colour in [(0, "tab:blue"), (1, "tab:red")]:
        points = X_test[y_test == label]
        ax.scatter(*points.T, color=colour, edgecolors="k", linewidths=0.3, s=12)
    ax.set(xlim=(g[0], g[-1]), ylim=(g[0], g[-1]), xlabel="x1", ylabel="x2")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.9)
    ax.set_title(f"XOR, a 2-2-1 sigmoid network: test accuracy {accuracy:.1%}", fontsize=10)
    fig.savefig(out / "boundary_xor.png")
    plt.close(fig)
    print(f"wrote {out / 'boundary_xor.png'}")


if __name__ == "__main__":
    main()
