"""The module paths from before the floors, kept working: each names where it moved.

Until version 0.2 chainrule's modules sat side by side in one folder (``chainrule.network``,
``chainrule.train``, ``chainrule.modelfile``, …). They now live on the floors described in
``docs/architecture.md``. Importing an old path still works and gives the module at its new place,
with a :class:`DeprecationWarning` that names that place (except where the old module's name is
now a public function of the package, ``chainrule.tensor`` and ``chainrule.gradcheck``: importing
those would replace the function, so they fail with an error naming the new place), e.g.::

    >>> import chainrule.torch_io
    DeprecationWarning: chainrule.torch_io moved to chainrule.io.torch_io; import it from there

``import chainrule as cr`` and the names in ``cr.__all__`` never changed; only these paths did.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

#: old module path → its place on the floors
MOVED = {
    "chainrule.tensor": "chainrule.engine.tensor",
    "chainrule.function": "chainrule.engine.function",
    "chainrule.functional": "chainrule.engine.grad",
    "chainrule.backprop": "chainrule.engine.backward",
    "chainrule.compiled": "chainrule.engine.replay",
    "chainrule.modes": "chainrule.engine.modes",
    "chainrule.gradcheck": "chainrule.engine.gradcheck",
    "chainrule.ops": "chainrule.engine.ops",
    "chainrule.init": "chainrule.nn.initializers",
    "chainrule.layers": "chainrule.nn.layers",
    "chainrule.losses": "chainrule.nn.losses",
    "chainrule.network": "chainrule.nn.network",
    "chainrule.validation": "chainrule.data.checks",
    "chainrule.datasets": "chainrule.data",
    "chainrule.training_data": "chainrule.training.prepare",
    "chainrule.train": "chainrule.training.loop",
    "chainrule.optim": "chainrule.training.optim",
    "chainrule.schedules": "chainrule.training.schedules",
    "chainrule.callbacks": "chainrule.training.callbacks",
    "chainrule.progress": "chainrule.training.progress",
    "chainrule.plots": "chainrule.training.plots",
    "chainrule.files": "chainrule.io.atomic",
    "chainrule.modelfile": "chainrule.io.modelfile",
    "chainrule.interop": "chainrule.io.interop",
    "chainrule.torch_io": "chainrule.io.torch_io",
    "chainrule.onnx_export": "chainrule.io.onnx_export",
    "chainrule.estimators": "chainrule.sklearn.base",
}


class _Alias(importlib.abc.Loader):
    """Loads an old path as the module at its new place (the same module object)."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        package, _, name = self.old.rpartition(".")
        current = getattr(sys.modules.get(package), name, None)
        if current is not None and not isinstance(current, ModuleType):
            # Importing the module would replace the public function of that name on the
            # package (``cr.tensor``, ``cr.gradcheck``): refuse, and say where the module went.
            raise ModuleNotFoundError(
                f"{self.old} moved to {self.new}; import it from there "
                f"({self.old} is the function {package}.{name} now)",
                name=self.old,
            )
        warnings.warn(
            f"{self.old} moved to {self.new}; import it from there",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(self.new)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module at its new place is already loaded."""


class _MovedFinder(importlib.abc.MetaPathFinder):
    """Finds the old paths in :data:`MOVED`, and nothing else."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(fullname, new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (``import chainrule`` does this)."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
