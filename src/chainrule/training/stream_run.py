"""The set-up of a streamed, distributed or checkpointed :func:`~chainrule.fit`.

:func:`run_batches` builds the batch source (arrays through
:func:`~chainrule.training.prepare.prepare`; a :class:`~chainrule.data.Stream`; an iterable of
batches), the validation data, what a checkpoint keeps of the data (the preprocessing, the
classes, the scaler) and runs :class:`~chainrule.training.stream_trainer.BatchTrainer`. A stream
of a regression target is trained on (y − μ)/σ, with μ and σ from its first pass, and the output
layer is rescaled afterwards (:meth:`~chainrule.data.TargetScaler.fold_into`) so the network
predicts in the target's units.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.data.scaling import TargetScaler
from chainrule.errors import TrainingError
from chainrule.nn.protocol import Network
from chainrule.training.callbacks import Callback, History
from chainrule.training.distributed import Distributed
from chainrule.training.prepare import prepare
from chainrule.training.stream_sources import ArraySource, StreamSource, make_source
from chainrule.training.stream_trainer import BatchTrainer

__all__ = ["run_batches", "setup_distributed"]


def setup_distributed(distributed: Any, seed: Any) -> Distributed | None:
    """fit's ``distributed``: None/False, True (``MPI.COMM_WORLD``) or a Distributed."""
    if distributed in (None, False):
        return None
    if distributed is True:
        distributed = Distributed()
    if not isinstance(distributed, Distributed):
        raise TrainingError(
            f"fit: distributed must be True or cr.distributed.init(), got a "
            f"{type(distributed).__name__}"
        )
    if distributed.size > 1 and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TrainingError(
            f"fit: a distributed run needs an int seed, the same on every rank (got {seed!r}), so "
            "that every rank draws the same validation split and batch order"
        )
    return distributed


def _seed(seed: Any, rng: np.random.Generator) -> int:
    """An int for the per-epoch orders: ``seed`` itself, or drawn from the Generator."""
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        return int(seed)
    return int(rng.integers(2**62))


def _data_meta(net: Network) -> dict[str, Any]:
    """What a checkpoint keeps of the data: the preprocessing, the classes, the scaler."""
    prep = getattr(net.preprocessor, "to_dict", None)
    scaler = getattr(net.scaler, "to_dict", None)
    return {
        "preprocessing": None if prep is None else prep(),
        "classes": None if net.classes is None else np.asarray(net.classes).tolist(),
        "scaler": None if scaler is None else scaler(),
    }


def _stream_validation(net: Network, validation: Any) -> Any:
    if validation is None:
        return None
    if not (isinstance(validation, tuple | list) and len(validation) in (2, 3)):
        raise TrainingError(
            "fit: with a stream or batches, validation must be None or a tuple (X_val, y_val) "
            "of the network's inputs (already preprocessed); hold out a file and pass its arrays"
        )
    Xv, yv, wv = net.check_data(*validation)
    return Xv, yv, wv


def run_batches(
    net: Network, X: Any, y: Any, opt: Any, sched: Any, *, epochs: int, batch_size: int,
    shuffle: bool, seed: Any, rng: np.random.Generator, validation: Any, standardize: bool,
    weights: dict[str, Any], callbacks: list[Callback], dist: Distributed | None,
    checkpoint: Any, every: int | None, resume: bool,
) -> History:  # fmt: skip
    """Train ``net`` by :class:`BatchTrainer` on arrays, a stream or batches; the History."""
    if y is None:
        if any(v is not None for v in weights.values()):
            raise TrainingError(
                "fit: sample_weight and class_weight are for arrays; give a stream's or a batch "
                "iterable's weights as the third item (X, y, s) of each batch"
            )
        source: Any = make_source(net, X, epochs)
        val = _stream_validation(net, validation)
    else:
        data = prepare(
            net, X, y, sample_weight=weights["sample_weight"], class_weight=weights["class_weight"],
            validation=validation, standardize=standardize, rng=rng, batch_size=batch_size,
        )  # fmt: skip
        source = ArraySource(data.X, data.y, data.w, batch_size, _seed(seed, rng), shuffle)
        val = None if data.X_val is None else (data.X_val, data.y_val, data.w_val)
    trainer = BatchTrainer(
        net, source, opt, sched, epochs=epochs, callbacks=callbacks, validation=val, dist=dist,
        checkpoint=checkpoint, every=every, resume=resume, extra=_data_meta(net),
    )  # fmt: skip
    history = trainer.run()
    if isinstance(source, StreamSource) and source.stream.classes is None:
        folding = TargetScaler()
        folding.mean_ = np.atleast_1d(np.float64(source.scale[0]))
        folding.scale_ = np.atleast_1d(np.float64(source.scale[1]))
        folding.fold_into(net.weights[-1])
    return history
