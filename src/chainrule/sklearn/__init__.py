"""scikit-learn estimators on chainrule: :class:`MLPClassifier` and :class:`MLPRegressor`.

This floor owns the two estimators (:mod:`~chainrule.sklearn.estimators`) and what they share
(:mod:`~chainrule.sklearn.base`: scikit-learn's parameters stored verbatim and checked at fit,
the network built at the first fit, the optimizer, and the call to chainrule's ``fit``), what X
they accept and how it is scaled or preprocessed (:mod:`~chainrule.sklearn.inputs`), and
scikit-learn's stopping rule (:mod:`~chainrule.sklearn.stopping`). They
follow scikit-learn's conventions, pass its estimator checks, and work in ``Pipeline``,
``GridSearchCV`` and ``clone``, and on a Dask cluster (``pip install "chainrule[dask]"``):
dask-ml's ``Incremental`` trains one out of core, one ``partial_fit`` per chunk of a dask array,
and ``GridSearchCV`` runs its fits on the workers under ``joblib.parallel_backend("dask")``
(an estimator pickled between ``partial_fit`` calls goes on exactly as one that stayed put). A
fitted estimator's ``network_`` is a :class:`chainrule.models.MLP` that can be explained, saved
and exported. It may import
everything below explain and sklearn (models, training, io, nn, data, engine, errors) and
scikit-learn; never explain (its neighbour on the same floor), the playground or the CLI.
"""

from chainrule.sklearn.estimators import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
