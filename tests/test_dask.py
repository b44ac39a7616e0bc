"""chainrule's scikit-learn estimators on a Dask cluster: dask-ml's Incremental, joblib's backend.

One local cluster serves the module: two worker processes with one thread each, so every model
that Dask moves between tasks is pickled out of one process and into another. dask-ml's
``Incremental`` trains out of core: ``fit`` on a dask array calls the estimator's ``partial_fit``
once per chunk, in chunk order, carrying the model from task to task. ``GridSearchCV`` under
``joblib.parallel_backend("dask")`` sends its fits to the workers and must choose and score
exactly as it does in this process.
"""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

pytest.importorskip("sklearn")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
wrappers = pytest.importorskip("dask_ml.wrappers")

import joblib  # noqa: E402
from dask.utils import key_split  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

CHUNK, N_CHUNKS = 500, 8

# distributed warns (UserWarning) when making a worker's scratch folder takes over a second; on a
# busy shared machine it can, and it says nothing about the results. Only that message is let by.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Creating scratch directories is taking a surprisingly long time:UserWarning"
)


@pytest.fixture(scope="module", autouse=True)
def numpy_steps():
    """Every training step of this module on the NumPy replay, here and on the workers.

    chainrule's ``auto`` backend moves a long-lived process (this one, late in the test suite) to
    the compiled numba step once NumPy steps have cost more than loading it, while a fresh worker
    starts on NumPy; the two round differently in the last bits. Pinned, the same ``partial_fit``
    calls give the same bits in every process, so the comparisons below can be exact.
    """
    with cr.use_backend("numpy"):
        yield


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A local cluster of two worker processes (one thread each) and a client to it."""
    # the dashboard on a free port: 8787 may be taken by another cluster on this machine
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        local_directory=tmp_path_factory.mktemp("dask"),
        env={"CHAINRULE_BACKEND": "numpy"},  # see numpy_steps
    )
    dask_client = distributed.Client(cluster, timeout="60s")
    yield dask_client
    dask_client.close()
    cluster.close()


def _workers(dask_client) -> set[str]:
    return set(dask_client.scheduler_info()["workers"])


@pytest.fixture(scope="module")
def moons():
    """Two moons: 4,000 training samples in 8 chunks of 500, and 1,000 held out."""
    X, y = make_moons(CHUNK * N_CHUNKS, noise=0.15, random_state=0)
    X_test, y_test = make_moons(1000, noise=0.15, random_state=1)
    return X, y, X_test, y_test


def _classifier() -> MLPClassifier:
    return MLPClassifier(
        (16,), activation="tanh", learning_rate_init=0.03, batch_size=50, random_state=0
    )


def test_incremental_calls_partial_fit_once_per_chunk_on_the_workers(client, moons):
    X, y, X_test, y_test = moons
    Xd, yd = da.from_array(X, chunks=(CHUNK, 2)), da.from_array(y, chunks=CHUNK)
    assert Xd.numblocks == (N_CHUNKS, 1)
    inc = wrappers.Incremental(_classifier(), scoring="accuracy", shuffle_blocks=False)
    with distributed.get_task_stream(client) as stream:
        inc.fit(Xd, yd, classes=[0, 1])
    model = inc.estimator_
    # partial_fit is one epoch over its batch: 8 calls, 500 samples each
    assert model.n_iter_ == N_CHUNKS
    assert model.t_ == CHUNK * N_CHUNKS
    assert len(model.loss_curve_) == N_CHUNKS
    fit_tasks = [t for t in stream.data if key_split(t["key"]) == "fit"]
    assert fit_tasks, "the cluster saw no training task"
    assert {t["worker"] for t in fit_tasks} <= _workers(client)

    # the same partial_fit calls over the same chunks, in this process, give the same weights,
    # bit for bit (a chunk missed, repeated or out of order changes them in the first digit)
    assert set(client.run(lambda: str(cr.backend())).values()) == {"numpy"}
    local = _classifier()
    for i in range(N_CHUNKS):
        rows = slice(i * CHUNK, (i + 1) * CHUNK)
        local.partial_fit(X[rows], y[rows], classes=[0, 1])
    for W_local, W_dask in zip(local.network_.weights, model.network_.weights, strict=True):
        np.testing.assert_array_equal(W_dask, W_local)

    # two more passes over the chunks (partial_fit on the wrapper continues the same model)
    for _ in range(2):
        inc.partial_fit(Xd, yd, classes=[0, 1])
    assert inc.estimator_.n_iter_ == 3 * N_CHUNKS
    accuracy = inc.score(X_test, y_test)
    assert accuracy >= 0.95, f"held-out accuracy {accuracy:.3f} after 3 passes"
    # predicted chunk by chunk on the workers (matrix products of other sizes: a last bit may
    # differ)
    proba = inc.predict_proba(da.from_array(X_test, chunks=250)).compute()
    np.testing.assert_allclose(proba, inc.estimator_.predict_proba(X_test), rtol=1e-12)


def test_incremental_regressor_learns_a_surface_from_chunks(client):
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (CHUNK * N_CHUNKS + 1000, 2))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 / 2
    X, y, X_test, y_test = X[:-1000], y[:-1000], X[-1000:], y[-1000:]
    reg = MLPRegressor(
        (16,), activation="tanh", learning_rate_init=0.03, batch_size=50, random_state=0
    )
    inc = wrappers.Incremental(reg, scoring="r2")
    inc.fit(da.from_array(X, chunks=(CHUNK, 2)), da.from_array(y, chunks=CHUNK))
    inc.partial_fit(da.from_array(X, chunks=(CHUNK, 2)), da.from_array(y, chunks=CHUNK))
    assert inc.estimator_.n_iter_ == 2 * N_CHUNKS
    r2 = inc.score(X_test, y_test)
    assert r2 >= 0.95, f"held-out R² {r2:.3f} after 2 passes"


def test_incremental_without_classes_fails_on_the_worker_with_the_advice(client, moons):
    X, y, _, _ = moons
    inc = wrappers.Incremental(_classifier())
    with pytest.raises(ValueError, match=r"pass classes= on the first call"):
        inc.fit(da.from_array(X, chunks=(CHUNK, 2)), da.from_array(y, chunks=CHUNK))


def test_grid_search_on_the_dask_backend_matches_the_default_backend(client):
    X, y = make_moons(300, noise=0.2, random_state=0)
    grid = {"hidden_layer_sizes": [(4,), (16,)], "learning_rate_init": [0.003, 0.03]}
    # every candidate stops by the tol rule well before max_iter (no ConvergenceWarning)
    est = MLPClassifier(max_iter=500, tol=1e-3, random_state=0)
    here = GridSearchCV(est, grid, cv=3).fit(X, y)
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        there = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y)

    # 4 candidates × 3 folds = 12 fits, run by the cluster's workers in batches of fits
    batches = [t for t in stream.data if "fit_and_score" in key_split(t["key"])]
    assert {t["worker"] for t in batches} <= _workers(client)
    calls = [re.search(r"_(\d+)_calls", key_split(t["key"])) for t in batches]
    assert all(calls), [t["key"] for t in batches]
    assert sum(int(c.group(1)) for c in calls) == 4 * 3

    assert there.best_params_ == here.best_params_
    for key in ("mean_test_score", *(f"split{k}_test_score" for k in range(3))):
        np.testing.assert_array_equal(there.cv_results_[key], here.cv_results_[key])
    np.testing.assert_array_equal(
        there.best_estimator_.network_.weights[0], here.best_estimator_.network_.weights[0]
    )
    assert here.best_params_ == {"hidden_layer_sizes": (16,), "learning_rate_init": 0.03}
    assert here.best_score_ >= 0.95


def test_a_model_pickled_between_partial_fit_calls_trains_as_one_never_pickled(moons):
    """What Dask does to a model it carries from task to task, in one process."""
    X, y, _, _ = moons
    kept, moved = _classifier(), _classifier()
    for i in range(3):
        rows = slice(i * CHUNK, (i + 1) * CHUNK)
        kept.partial_fit(X[rows], y[rows], classes=[0, 1])
        moved = pickle.loads(pickle.dumps(moved.partial_fit(X[rows], y[rows], classes=[0, 1])))
    assert moved.n_iter_ == kept.n_iter_ == 3
    for W_kept, W_moved in zip(kept.network_.weights, moved.network_.weights, strict=True):
        np.testing.assert_array_equal(W_moved, W_kept)
    np.testing.assert_array_equal(moved.predict_proba(X), kept.predict_proba(X))
