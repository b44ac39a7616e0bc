"""The settings of the property-based tests: bounded and repeatable in the suite, longer on demand.

``CHAINRULE_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz_*.py`` runs each property that many times
(docs/quality.md, "Fuzzing"); the default keeps the suite fast.
"""

import os

from hypothesis import HealthCheck, settings


def fuzz_settings(default: int) -> settings:
    """``default`` examples per property unless CHAINRULE_FUZZ_EXAMPLES says otherwise."""
    return settings(
        max_examples=int(os.environ.get("CHAINRULE_FUZZ_EXAMPLES", str(default))),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
