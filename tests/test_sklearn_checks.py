"""scikit-learn's own conformance suite, run on chainrule's estimators with no expected failures.

``parametrize_with_checks`` yields every check scikit-learn applies to a third-party classifier
or regressor (cloning, parameters, input validation, fitted attributes, pickling, sample
weights, class weights, multi-label and multi-output targets, training accuracy, …). For
reference, scikit-learn 1.9.1's own MLPClassifier gets 65 passed and 2 skipped here, its
MLPRegressor 59 passed and 1 skipped (with pandas installed; 63/4 and 57/3 without).

The estimators warn with scikit-learn's ConvergenceWarning when ``max_iter`` ends training before
the loss has settled, as scikit-learn's MLP does; several checks fit with few epochs on purpose,
so that one warning class (and only it) is ignored here. Every other warning is an error.
"""

import pytest

pytest.importorskip("sklearn", minversion="1.6")

from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule.sklearn import MLPClassifier, MLPRegressor

# Small networks and a higher learning rate than the default keep the suite fast; the checks
# of training accuracy (> 0.83) and R² (> 0.5) still have to be met.
ESTIMATORS = [
    MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=100, random_state=0),
    MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=100, random_state=0),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_conformance(estimator, check):
    check(estimator)
