"""``chainrule gradcheck``: check a saved model's gradient against finite differences.

Runs :func:`~chainrule.gradcheck` on ``net.error_function(X, y)``: the engine's ∂E/∂W for every
layer against central differences, in float64. With a CSV file, on its first ``--samples`` rows
and their targets; without one, on random inputs (standard normal in the standardised space,
mapped back through the model's scaler) with random targets. Exits 1 if the check fails.
Weights are named 1-based, as in the lecture and ``chainrule explain``: ``W1[1,1]`` is row 1
(the first input), column 1 (the first unit) of layer 1; the bias is each W's last row.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from chainrule.cli.common import HelpFormatter, UsageError, load_model, read_labelled
from chainrule.engine.gradcheck import gradcheck
from chainrule.nn.network import from_config


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "gradcheck",
        help="check a saved model's gradients against finite differences",
        description=(
            "Compare the engine's gradient of the model's error E with respect to every weight "
            "with central finite differences (float64), on a labelled CSV file or on random "
            "data. Prints the report, naming weights 1-based as the lecture and 'chainrule "
            "explain' do (W1[1,1]: layer 1, first input, first unit; the bias is the last row); "
            "exits 1 if any element is off."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("model", help="a model file")
    p.add_argument("data", nargs="?", help="a labelled CSV file (default: random data)")
    p.add_argument("--target", help="the CSV's target column: a name or a 0-based position")
    p.add_argument("--samples", type=int, default=32, help="samples to check on")
    p.add_argument(
        "--max-elements",
        type=int,
        default=1000,
        help="weights checked per layer (a random subset of larger layers)",
    )
    p.add_argument("--seed", type=int, default=0, help="seeds the random data and subsets")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.samples < 1 or args.max_elements < 1:
        raise UsageError("--samples and --max-elements must be at least 1")
    net = as_float64(load_model(args.model))
    rng = np.random.default_rng(args.seed)
    if args.data is not None:
        X, y = read_labelled(args.data, net, args.target)
        X, y = X[: args.samples], y[: args.samples]
        source = f"the first {len(X)} samples of {args.data}"
    else:
        X, y = random_data(net, args.samples, rng)
        source = f"{len(X)} random samples"
    print(
        f"checking ∂E/∂W for {', '.join(f'W{k}' for k in range(1, len(net.layers) + 1))} "
        f"({net.loss}) on {source}"
    )
    report = gradcheck(
        net.error_function(X, y),
        net.weights,
        max_elements=args.max_elements,
        seed=args.seed,
        raise_on_failure=False,
    )
    print(describe(report))
    return 0 if report.passed else 1


def describe(report: Any) -> str:
    """The report with the weights named as the lecture names them, 1-based: input 0 is W1, and
    its element (0, 0) is ``W1[1,1]`` (rows are inputs, the bias last; columns are units)."""
    head = "gradcheck passed" if report.passed else "gradcheck FAILED"
    lines = [
        f"{head} (central differences in float64, step {report.eps:g}; an element is off beyond "
        f"{report.atol:g} + {report.rtol:g} × |numeric|):"
    ]
    for check in report.inputs:
        k = check.position + 1
        status = "ok" if check.passed else f"FAILED at {check.failures} element(s)"
        lines.append(
            f"  W{k} {check.shape[0]}×{check.shape[1]}: {status}; {check.checked}/{check.total} "
            f"weights checked; worst abs error {check.max_abs_err:.3g} at "
            f"{_name(k, check.max_abs_at)} (engine {check.engine_at_worst:.10g}, numeric "
            f"{check.numeric_at_worst:.10g}); worst rel error {check.max_rel_err:.3g} at "
            f"{_name(k, check.max_rel_at)}"
        )
    lines.append(
        "  (weights numbered from 1, as in the lecture: W<layer>[<row>,<column>], bias last)"
    )
    return "\n".join(lines)


def _name(k: int, at: tuple[int, ...]) -> str:
    return f"W{k}[{','.join(str(i + 1) for i in at)}]"


def as_float64(net: Any) -> Any:
    """The model itself, or a float64 copy of a float32 one (checks run in float64)."""
    if net.dtype == np.float64:
        return net
    copy = from_config(
        {**net.get_config(), "dtype": "float64"}, [W.astype(np.float64) for W in net.weights]
    )
    for attr in ("classes", "scaler", "preprocessor", "feature_names", "target_name"):
        setattr(copy, attr, getattr(net, attr))
    return copy


def random_data(net: Any, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs that are standard normal once standardised, and random targets of the right kind."""
    Z = rng.standard_normal((n, net.n_features))
    X = Z if net.scaler is None else np.asarray(net.scaler.inverse_transform(Z), np.float64)
    if net.task == "regression":
        return X, rng.standard_normal(
            (n, net.n_outputs)
        ) if net.n_outputs > 1 else rng.standard_normal(n)
    if net.task == "multilabel":
        return X, rng.integers(0, 2, (n, net.n_outputs)).astype(np.float64)
    k = 2 if net.task == "binary" else net.n_outputs
    index = rng.integers(0, k, n)
    return X, index if net.classes is None else net.classes[index]
