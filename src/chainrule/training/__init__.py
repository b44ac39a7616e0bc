"""Training: everything that turns a network and data into trained weights.

This floor owns the training loop (:mod:`~chainrule.training.loop`: :func:`fit`, its checks and
set-up; :mod:`~chainrule.training.trainer`: the :class:`Trainer` running epochs and minibatches),
the optimizers (:mod:`~chainrule.training.optim`), the learning-rate schedules
(:mod:`~chainrule.training.schedules`), the callbacks, the :class:`History` and early stopping
(:mod:`~chainrule.training.callbacks`), the progress display (:mod:`~chainrule.training.progress`),
the plots of a run (:mod:`~chainrule.training.plots`) and the preparation of the data for a run
(:mod:`~chainrule.training.prepare`: labels, weights, the validation split, standardising),
and training at scale: a streamed, distributed (MPI) or checkpointed run
(:mod:`~chainrule.training.stream_run`, :mod:`~chainrule.training.stream_trainer`,
:mod:`~chainrule.training.distributed`, :mod:`~chainrule.training.checkpoint`).
Training may import the floors below it — ``chainrule.engine``, ``chainrule.data``,
``chainrule.nn`` and ``chainrule.io`` (only ``io.atomic``, for writing plots) — and
``chainrule.errors``; never ``models``, ``explain``, ``sklearn``, ``playground`` or ``cli``, which
build on it. A network reaches it as a :class:`chainrule.nn.protocol.Network`; it saves no models
(``chainrule.models`` does, after :func:`fit`).
"""

from chainrule.training import distributed, optim, schedules
from chainrule.training.callbacks import Callback, EarlyStopping, History
from chainrule.training.loop import fit
from chainrule.training.trainer import Trainer

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "Trainer",
    "distributed",
    "fit",
    "optim",
    "schedules",
]
