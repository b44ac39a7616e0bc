"""Test accuracy over many stratified splits: ``chainrule train``'s defaults against scikit-learn.

Run it from the repository root, in the project's virtual environment (scikit-learn and pandas
come with the ``test`` extra)::

    .venv/bin/python benchmarks/bench_quality.py             # the full run: 6 sets × 10 splits
    .venv/bin/python benchmarks/bench_quality.py --quick     # the CI smoke: 3 splits, 2 sets
    .venv/bin/python benchmarks/bench_quality.py --splits 5 --datasets iris,titanic

For each dataset and each split seed ``s`` in 0 … N−1 (default N = 10): a 75/25 split by
scikit-learn's ``train_test_split(X, y, test_size=0.25, stratify=y, random_state=s)``, then on
that split, each scored by its accuracy on the test part:

* **chainrule**: the network ``chainrule train`` builds and trains, through the command line's
  own code: its argument parser gives the defaults (``chainrule train --quiet --no-loss-plot
  --seed s``; the seed follows the split, so the weights, validation split and shuffling differ
  from split to split as scikit-learn's ``random_state`` does), and ``chainrule.cli.train``'s
  ``build_network`` and ``train`` build and fit the MLP with them: one hidden layer of 64 tanh
  units, Adam, lr 3·10⁻³, batch 32, weight decay 10⁻⁴, at most 100 epochs, 20 % of the training
  part held out for early stopping with patience 20 (best epoch kept), inputs standardised.
  Only the split differs from the command line, which always splits with its own seed 0.
* **sklearn MLP**: ``Pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=<chainrule's>,
  max_iter=500, random_state=s))``, scikit-learn's defaults otherwise (relu, Adam, lr 10⁻³,
  batch min(200, n), alpha 10⁻⁴, no early stopping).
* **logistic**: ``Pipeline(StandardScaler(), LogisticRegression(max_iter=1000))``.

The bundled sets (iris, wine, breast_cancer, digits; ``chainrule.load_dataset``) are all numbers.
The raw Palmer penguins (``tests/data/penguins_raw.csv``) and Titanic (``tests/data/titanic.csv``)
tables have text columns and missing cells; they go through one scikit-learn ``ColumnTransformer``,
fitted on each split's training part and applied identically before all three models: numbers
imputed with the median and standardised, text imputed with the most frequent value and one-hot
encoded; identifier columns (rownames, PassengerId, Name, Ticket, Cabin) are dropped.
When chainrule's own ``read_table`` and ``Preprocessor`` are importable, a fourth column,
**chainrule (own prep)**, reads the CSV with ``read_table`` and encodes it with a ``Preprocessor``
at the command line's defaults, fitted on the same training rows, then trains the same network.

``--quick`` (the CI smoke) runs 3 splits of iris and penguins, with chainrule's ``--epochs 30``
and ``max_iter=60`` for scikit-learn's MLP: it checks that the script runs, not the goal.

The goal (issue 15): chainrule's mean ≥ scikit-learn MLP's mean − 0.01 on every set. The header
prints the machine, the library versions and the BLAS kernel (threadpoolctl), as the other
benchmarks do. Results: docs/quality.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from machine import blas_info, cpu_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
BUNDLED = ("iris", "wine", "breast_cancer", "digits")
RAW = {
    # name: (file, target column)
    "penguins": ("penguins_raw.csv", "species"),
    "titanic": ("titanic.csv", "survived"),
}
DATASETS = (*BUNDLED, *RAW)
QUICK_DATASETS = ("iris", "penguins")
ID_COLUMNS = {"rownames", "passengerid", "name", "ticket", "cabin"}
GOAL_MARGIN = 0.01


# -- the data --------------------------------------------------------------------------------------
def load(name: str) -> tuple[Any, np.ndarray, list[str], list[str]]:
    """X (array, or DataFrame for a raw table), the labels, its numeric and text columns."""
    if name in BUNDLED:
        import chainrule as cr

        ds = cr.load_dataset(name)
        return ds.X, ds.classes[ds.y], [], []
    import pandas as pd

    file, target = RAW[name]
    table = pd.read_csv(DATA / file)  # "NA" cells become NaN
    y = table[target].to_numpy().astype(str)
    X = table.drop(columns=[target])
    X = X.drop(columns=[c for c in X.columns if c.lower() in ID_COLUMNS])
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    text = [c for c in X.columns if c not in numeric]
    return X, y, numeric, text


def preprocessor(numeric: list[str], text: list[str]) -> Any:
    """The raw tables' ColumnTransformer: the same for all three models."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return ColumnTransformer(
        [
            ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            (
                "text",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                text,
            ),
        ]
    )


# -- the models ------------------------------------------------------------------------------------
def cli_args(seed: int, epochs: int | None) -> argparse.Namespace:
    """``chainrule train --quiet --no-loss-plot --seed <seed>`` as the command line parses it."""
    from chainrule.cli import build_parser

    argv = ["train", "--quiet", "--no-loss-plot", "--seed", str(seed)]
    if epochs is not None:
        argv += ["--epochs", str(epochs)]
    return build_parser().parse_args(argv)


def hidden_sizes(text: str) -> list[int]:
    """``--hidden`` parsed as the command line parses it (wherever its helper lives)."""
    from chainrule.cli import train as cli_train

    parse = getattr(cli_train, "hidden_sizes", None)
    if parse is None:  # the options moved to their own module
        from chainrule.cli import train_options

        parse = train_options.hidden_sizes
    return list(parse(text))


def chainrule_hidden() -> list[int]:
    return hidden_sizes(cli_args(0, None).hidden)


def fit_chainrule(
    X_train, y_train, X_test, y_test, seed: int, epochs: int | None, preprocessor: Any = None
) -> float:
    """The network ``chainrule train`` builds and trains with its defaults, scored on the test.

    ``build_network`` and ``train`` are the command line's own; the data reach them as the
    command line's data object would (features, task, classes, and the table ``preprocessor``
    when there is one, in which case ``train`` leaves the standardising to it, as ``chainrule
    train data.csv`` does)."""
    from chainrule.cli import train as cli_train

    args = cli_args(seed, epochs)
    classes = np.unique(y_train)
    task = "binary" if len(classes) == 2 else "multiclass"
    data = SimpleNamespace(  # what build_network reads, old (Dataset) and new (TrainingData)
        X=X_train,
        X_train=X_train,
        n_features=X_train.shape[1],
        task=task,
        classes=classes,
        n_classes=len(classes),
        feature_names=[f"x{j + 1}" for j in range(X_train.shape[1])],
        target_name="target",
        preprocessor=preprocessor,
    )
    net = cli_train.build_network(data, hidden_sizes(args.hidden), args)
    cli_train.train(net, X_train, y_train, args)
    return float(np.mean(net.predict(X_test) == y_test))


def fit_sklearn_mlp(X_train, y_train, X_test, y_test, seed: int, max_iter: int) -> float:
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            hidden_layer_sizes=tuple(chainrule_hidden()), max_iter=max_iter, random_state=seed
        ),
    )
    return float(model.fit(X_train, y_train).score(X_test, y_test))


def fit_logistic(X_train, y_train, X_test, y_test, seed: int) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return float(model.fit(X_train, y_train).score(X_test, y_test))


def own_preprocessing_available() -> bool:
    """chainrule's own reader and preprocessing (``read_table``, ``Preprocessor``), if present."""
    try:
        from chainrule.data.preprocess import Preprocessor  # noqa: F401
        from chainrule.data.table import read_table  # noqa: F401
    except ImportError:
        return False
    return True


def own_table(name: str) -> tuple[Any, list[str]]:
    """The raw CSV read by chainrule's ``read_table``, and its feature columns."""
    from chainrule.data.table import read_table

    file, target = RAW[name]
    table = read_table(DATA / file)
    features = [c for c in table.names if c != target and c.lower() not in ID_COLUMNS]
    return table, features


def fit_chainrule_own(table, features, train, test, y_train, y_test, seed, epochs) -> float:
    """chainrule's defaults on the raw table, read and preprocessed by chainrule itself: a
    ``Preprocessor`` with the command line's defaults (``--impute``, ``--missing-indicators``)
    fitted on the training rows, as ``chainrule train data.csv`` does."""
    from chainrule.data.preprocess import Preprocessor

    args = cli_args(seed, epochs)
    prep = Preprocessor(
        impute=getattr(args, "impute", "mean"),
        indicators=getattr(args, "missing_indicators", False),
    ).fit(table.take(train), features)
    X_train = np.asarray(prep.transform(table.take(train)), dtype=np.float64)
    X_test = np.asarray(prep.transform(table.take(test)), dtype=np.float64)
    return fit_chainrule(X_train, y_train, X_test, y_test, seed, epochs, prep)


# -- the run ---------------------------------------------------------------------------------------
def evaluate(name: str, splits: int, quick: bool, own: bool) -> dict[str, Any]:
    """Accuracies of every model on ``splits`` stratified splits of ``name``; seconds per model."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split

    X, y, numeric, text = load(name)
    raw = name in RAW
    epochs = 30 if quick else None
    max_iter = 60 if quick else 500
    models: dict[str, Callable[..., float]] = {
        "chainrule": lambda *d, seed: fit_chainrule(*d, seed, epochs),
        "sklearn MLP": lambda *d, seed: fit_sklearn_mlp(*d, seed, max_iter),
        "logistic": lambda *d, seed: fit_logistic(*d, seed),
    }
    scores: dict[str, list[float]] = {m: [] for m in models}
    seconds: dict[str, float] = dict.fromkeys(models, 0.0)
    if own and raw:
        table, features = own_table(name)
        scores["chainrule (own prep)"], seconds["chainrule (own prep)"] = [], 0.0
    for seed in range(splits):
        rows = np.arange(len(y))  # the same split as X's: it depends only on len(y), y and seed
        X_train, X_test, y_train, y_test, train, test = train_test_split(
            X, y, rows, test_size=0.25, stratify=y, random_state=seed
        )
        if raw:
            prep = preprocessor(numeric, text).fit(X_train)
            X_train, X_test = prep.transform(X_train), prep.transform(X_test)
        for model, fit in models.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                scores[model].append(fit(X_train, y_train, X_test, y_test, seed=seed))
            seconds[model] += time.perf_counter() - start
        if "chainrule (own prep)" in scores:
            start = time.perf_counter()
            scores["chainrule (own prep)"].append(
                fit_chainrule_own(table, features, train, test, y_train, y_test, seed, epochs)
            )
            seconds["chainrule (own prep)"] += time.perf_counter() - start
    return {"n": len(y), "features": np.shape(X)[1], "scores": scores, "seconds": seconds}


def mean_std(values: list[float]) -> str:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.3f} ± {std:.3f}"


def print_table(results: dict[str, dict[str, Any]], own: bool) -> None:
    extra = ["chainrule (own prep)"] if own else []
    header = ["dataset", "n", "chainrule", "sklearn MLP", "logistic", *extra]
    header += ["chainrule − sklearn MLP", "goal met"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---", "---:", *["---:"] * (len(header) - 3), "---"]) + "|")
    for name, r in results.items():
        s = r["scores"]
        diff = statistics.fmean(s["chainrule"]) - statistics.fmean(s["sklearn MLP"])
        cells = [name, str(r["n"])]
        cells += [mean_std(s[m]) for m in ("chainrule", "sklearn MLP", "logistic")]
        cells += [mean_std(s[m]) if m in s else "—" for m in extra]
        cells += [f"{diff:+.3f}", "yes" if diff >= -GOAL_MARGIN - 1e-12 else "no"]
        print("| " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--splits", type=int, default=None, help="stratified splits (default 10)")
    p.add_argument(
        "--quick", action="store_true", help="CI smoke: 3 splits, fewer epochs, iris and penguins"
    )
    p.add_argument("--datasets", help=f"comma-separated, from {','.join(DATASETS)} (default all)")
    args = p.parse_args(argv)
    names = (
        [n.strip() for n in args.datasets.split(",") if n.strip()]
        if args.datasets
        else list(QUICK_DATASETS if args.quick else DATASETS)
    )
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        p.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    splits = args.splits if args.splits is not None else 3 if args.quick else 10
    if splits < 2:
        p.error("--splits: at least 2 (a standard deviation needs two)")
    try:
        import sklearn
    except ImportError:
        print("bench_quality: needs scikit-learn (pip install -e '.[test]')", file=sys.stderr)
        return 1
    import chainrule

    own = own_preprocessing_available()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{now}; CPU: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    print(
        f"chainrule {chainrule.__version__}, NumPy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )
    print(f"BLAS: {blas_info()}")
    hidden = chainrule_hidden()
    print(
        f"{splits} stratified 75/25 splits (train_test_split(stratify=y, random_state=0…"
        f"{splits - 1})); chainrule = chainrule train's defaults (hidden {hidden}, "
        f"--seed = split seed{', --epochs 30' if args.quick else ''}); sklearn MLP = "
        f"StandardScaler + MLPClassifier({tuple(hidden)}, max_iter={60 if args.quick else 500}); "
        "logistic = StandardScaler + LogisticRegression(max_iter=1000)"
    )
    if any(n in RAW for n in names):
        print(
            "raw tables (penguins, titanic): one scikit-learn ColumnTransformer per split, fitted "
            "on the training part, the same for all three models: numbers median-imputed and "
            "standardised, text most-frequent-imputed and one-hot encoded, id columns dropped"
            + (
                "; 'chainrule (own prep)' uses chainrule.data.preprocess.Preprocessor instead"
                if own
                else "; chainrule.data.preprocess.Preprocessor not available: no own-prep column"
            )
        )
    print()
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        start = time.perf_counter()
        results[name] = evaluate(name, splits, args.quick, own)
        took = ", ".join(f"{m} {s:.1f} s" for m, s in results[name]["seconds"].items())
        print(f"{name}: {time.perf_counter() - start:.1f} s ({took})", flush=True)
    print()
    print_table(results, own and any(n in RAW for n in names))
    missed = [
        n
        for n, r in results.items()
        if statistics.fmean(r["scores"]["chainrule"])
        < statistics.fmean(r["scores"]["sklearn MLP"]) - GOAL_MARGIN - 1e-12
    ]
    print()
    print(
        f"goal (chainrule mean ≥ sklearn MLP mean − {GOAL_MARGIN}): "
        + ("met on every set" if not missed else f"not met on {', '.join(missed)}")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
