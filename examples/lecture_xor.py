"""The lecture's network, trained with the chainrule engine, with its work shown and proven.

A 2-H-1 sigmoid network in the lecture's notation (each weight matrix has the bias as its last row,
"W31, W32"), trained by gradient descent on a built-in dataset: noisy XOR, made here from a seed.
Then, for one sample, the lecture's chain rule for ∂E/∂W11^(1), factor by factor, against the
engine's reverse pass; and the whole gradient against central finite differences (cr.gradcheck).

This is the engine underneath ``cr.MLP`` and ``cr.explain``, written out by hand with raw ops.
Run it with ``python examples/lecture_xor.py`` (``--help`` for its options).
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr


def xor_data(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points around the corners of the unit square; label 1 where exactly one coordinate is 1."""
    corners = rng.integers(0, 2, size=(n, 2))
    X = corners + noise * rng.standard_normal((n, 2))
    y = (corners[:, 0] ^ corners[:, 1]).astype(np.float64)[:, None]
    return X, y


def forward(W1: cr.Tensor, W2: cr.Tensor, X: np.ndarray) -> tuple[cr.Tensor, cr.Tensor]:
    """ŷ = σ(W^(2) σ(W^(1) x)) in matrix form, with the bias rows; returns (h, ŷ)."""
    a1 = (X @ W1[:-1] + W1[-1]).sigmoid()
    h = a1 @ W2[:-1] + W2[-1]
    return h, h.sigmoid()


def error(W1: cr.Tensor, W2: cr.Tensor, X: np.ndarray, y: np.ndarray) -> cr.Tensor:
    """Mean cross-entropy −y ln ŷ − (1 − y) ln(1 − ŷ), from the logit h (no log(0))."""
    h, _ = forward(W1, W2, X)
    return -(y * h.log_sigmoid() + (1 - y) * (-h).log_sigmoid()).mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=4, help="hidden units (default 4)")
    parser.add_argument("--epochs", type=int, default=2000, help="gradient-descent steps")
    parser.add_argument("--lr", type=float, default=2.0, help="learning rate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    X, y = xor_data(400, 0.15, rng)
    X_test, y_test = xor_data(200, 0.15, rng)
    limit1, limit2 = np.sqrt(6 / (2 + args.hidden)), np.sqrt(6 / (args.hidden + 1))  # Glorot
    W1 = cr.tensor(rng.uniform(-limit1, limit1, (3, args.hidden)), requires_grad=True)
    W2 = cr.tensor(rng.uniform(-limit2, limit2, (args.hidden + 1, 1)), requires_grad=True)
    W1.data[-1] = W2.data[-1] = 0.0  # biases start at zero

    print(f"Training a 2-{args.hidden}-1 sigmoid network on noisy XOR (400 points), lr={args.lr}")
    for epoch in range(args.epochs + 1):
        E = error(W1, W2, X, y)
        W1.grad = W2.grad = None
        E.backward()
        W1.data -= args.lr * W1.grad  # plain NumPy on .data: the update is not recorded
        W2.data -= args.lr * W2.grad
        if epoch % (args.epochs // 5) == 0:
            print(f"  epoch {epoch:5d}   E = {E.item():.4f}")

    with cr.no_grad():
        accuracy = np.mean((forward(W1, W2, X_test)[1].data > 0.5) == (y_test > 0.5))
    print(f"Test accuracy on 200 new points: {accuracy:.3f}")

    # The lecture's chain rule for one sample, factor by factor.
    x1, t = X[:1], y[:1]
    h1 = (x1 @ W1.data[:-1] + W1.data[-1])[0, 0]
    _, yhat = forward(W1, W2, x1)
    yhat = yhat.item()
    s1 = 1 / (1 + np.exp(-h1))
    factors = [
        ("∂E/∂ŷ · ∂ŷ/∂h = ŷ − y", yhat - t[0, 0]),
        ("∂h/∂h1 = W11^(2) σ(h1)(1 − σ(h1))", W2.data[0, 0] * s1 * (1 - s1)),
        ("∂h1/∂W11^(1) = x1", x1[0, 0]),
    ]
    print(f"\nSample 0: x = {x1[0].round(4)}, y = {t[0, 0]:.0f}, ŷ = {yhat:.6f}")
    product = 1.0
    for label, value in factors:
        product *= value
        print(f"  {label:38s} = {value: .8f}   running product {product: .10f}")
    engine = cr.grad(lambda w: error(w, W2.detach(), x1, t))(W1.data)[0, 0]
    print(f"  engine's ∂E/∂W11^(1)                   = {engine: .10f}")
    print(f"  |difference|                           = {abs(product - engine):.2e}")

    report = cr.gradcheck(lambda w1, w2: error(w1, w2, X, y), (W1, W2), rtol=1e-6, atol=1e-9)
    print(f"\n{report}")


if __name__ == "__main__":
    main()
