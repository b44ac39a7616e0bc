"""Small problems the estimator tests share: settings that converge fast, and their data.

Imported by ``test_sklearn_estimators.py`` and ``test_sklearn_inputs.py``.
"""

import numpy as np

import chainrule as cr

#: settings that train these small problems quickly and to convergence (no ConvergenceWarning)
FAST = {"hidden_layer_sizes": (16,), "learning_rate_init": 0.05, "tol": 1e-3, "max_iter": 500,
        "random_state": 0}  # fmt: skip


def moons(n=200, seed=0):
    return cr.make_moons(n=n, noise=0.2, seed=seed)


def blobs(n=240, seed=0):
    """Three well-separated classes with string labels."""
    gen = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    k = gen.integers(0, 3, size=n)
    X = centres[k] + gen.normal(size=(n, 2)) * 0.7
    return X, np.array(["ant", "bee", "cat"])[k]
