"""The network cases the gradient tests share: every hidden activation, every output and loss.

Imported by ``test_network_gradients.py`` (the engine against autograd and PyTorch) and
``test_fast_path.py`` (the recorded step against the engine), so both cover the same pairs.
"""

import numpy as np

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax"]
#: (output activation, loss, number of outputs, target kind)
OUTPUT_LOSS = [
    ("sigmoid", "binary_cross_entropy", 1, "binary"),
    ("sigmoid", "binary_cross_entropy", 3, "binary"),  # multi-label
    ("softmax", "cross_entropy", 3, "indices"),
    ("softmax", "cross_entropy", 3, "probabilities"),
    ("identity", "squared_error", 2, "real"),
    ("sigmoid", "squared_error", 1, "unit"),
    ("tanh", "squared_error", 2, "real"),
    ("relu", "squared_error", 2, "real"),
    ("leaky_relu", "squared_error", 1, "real"),
    ("softmax", "squared_error", 3, "unit"),
]


def random_targets(rng, kind, m, n_out):
    """m random targets of ``kind``: 0/1 labels, class indices, probability rows, values in
    [0, 1) or real numbers."""
    if kind == "binary":
        return rng.integers(0, 2, size=(m, n_out)).astype(float)
    if kind == "indices":
        return rng.integers(0, n_out, size=m)
    if kind == "probabilities":
        return rng.dirichlet(np.ones(n_out), size=m)
    if kind == "unit":
        return rng.uniform(0.0, 1.0, size=(m, n_out))
    return rng.normal(size=(m, n_out))
