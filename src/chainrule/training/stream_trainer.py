"""The loop of a streamed, distributed or checkpointed run: :class:`BatchTrainer`.

It runs what :class:`~chainrule.training.trainer.Trainer` runs — epochs of minibatches through
``net.train_step``, the epoch's loss and metric, validation, callbacks, a schedule step — over a
*source* of global minibatches (:mod:`~chainrule.training.stream_sources`) whose order depends
only on (seed, epoch). Per global batch B of m rows with relative weights s (1 without):

    wᵢ = sᵢ / Σ_{j∈B} sⱼ                        the weights of the mean, over the global batch
    rank r: rows [r·m/N, (r+1)·m/N)           its slice (N = 1: all of them)
    g = Σ_r Σ_{i∈r} wᵢ ∇ℓᵢ = ∇E_B              one allreduce (SUM) of the flat gradient buffer

so N ranks take the single-process step on the same B (:mod:`~chainrule.training.distributed`).

Every ``checkpoint_every`` steps rank 0 writes a checkpoint (:mod:`~chainrule.training.checkpoint`)
with the weights, the optimizer's and schedule's state, the callbacks' state, the history, the
epoch, the batches done in it and the epoch's running sums. Resuming loads them and skips those
batches of that epoch, so the run ends with the weights of an uninterrupted one, bit for bit.
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.engine import compiled
from chainrule.engine.modes import enable_grad, no_grad
from chainrule.errors import CheckpointError
from chainrule.nn.protocol import Network
from chainrule.training.callbacks import Callback, History, overrides
from chainrule.training.checkpoint import join_state, load_checkpoint, save_checkpoint, split_state
from chainrule.training.distributed import Distributed, DistributedOptimizer
from chainrule.training.schedules import step_schedule
from chainrule.training.stream_sources import score_sums, score_value, score_width
from chainrule.training.trainer import give_back, nonfinite_weights

__all__ = ["BatchTrainer"]

_HOOKS = ("on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end", "on_train_end")


class BatchTrainer:
    """The loop over a batch source; its attributes are what callbacks see (as on ``Trainer``).

    Attributes:
        net, optimizer (the wrapped one in a distributed run), schedule, history, epoch, stop,
        step (optimizer steps so far, over all epochs), dist (the
        :class:`~chainrule.training.distributed.Distributed`, or None).
    """

    def __init__(
        self, net: Network, source: Any, optimizer: Any, schedule: Any, *, epochs: int,
        callbacks: list[Callback], validation: Any, dist: Distributed | None,
        checkpoint: str | Path | None, every: int | None, resume: bool, extra: dict[str, Any],
    ) -> None:  # fmt: skip
        self.net, self.source, self.schedule, self.epochs = net, source, schedule, epochs
        self.callbacks, self.validation, self.extra = callbacks, validation, extra
        self.dist = dist if dist is not None and dist.size > 1 else None
        self.inner = optimizer
        self.optimizer = optimizer if self.dist is None else DistributedOptimizer(optimizer, dist)
        self.checkpoint, self.every, self.resume = checkpoint, every, resume
        self.kind = net.task if net.task != "multilabel" else "binary"
        self.metric = "r2" if net.task == "regression" else "accuracy"
        self.history, self.epoch, self.step, self.stop = History(), 0, 0, False
        self.params = net.parameters()
        self.weights = [p.data for p in self.params]
        self._start = [np.empty_like(W) for W in self.weights]
        self._sums = np.zeros(2 + score_width(self.kind, net.n_outputs))
        self._skip = 0

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> History:
        for cb in self.callbacks:
            cb.trainer = self
        self._hooks = {
            h: [getattr(c, h) for c in self.callbacks if overrides(c, h)] for h in _HOOKS
        }
        b, n = self.source.batch_size, self.source.n_rows
        self._call("on_train_begin", {
            "epochs": self.epochs, "batch_size": b, "n_train": n, "metric": self.metric,
            "n_val": 0 if self.validation is None else len(self.validation[0]),
            "n_batches": -(-n // b) if n and b else 0,
        })  # fmt: skip
        if self.dist is not None:
            self.dist.broadcast(self.weights)
        first = self._restore() if self.resume else 1
        t0 = time.perf_counter()
        try:
            with enable_grad(), np.errstate(all="ignore"), self._fixed_backend():
                for epoch in range(first, self.epochs + 1):
                    if self._epoch(epoch) or self.stop:
                        break
        except KeyboardInterrupt:
            self.history.interrupted, self.history.stop_reason = True, "interrupted"
        finally:
            self.history.time += time.perf_counter() - t0
            self.net.history = self.history
            self._call("on_train_end", self.history)
        return self.history

    def _fixed_backend(self) -> Any:
        """With checkpoints, the training step's backend fixed from the first step.

        Under ``auto`` the compiled step takes over once the network's own steps have done
        about a second of estimated NumPy work, and it rounds differently from the NumPy replay.
        A resumed network starts that count again, so it would switch at another step than the
        uninterrupted one; a checkpointed run therefore uses what ``auto`` would end with (numba
        where installed) from its first step.
        """
        chosen = compiled.backend()
        if self.checkpoint is None or not chosen.auto:
            return contextlib.nullcontext()
        return compiled.use_backend(str(chosen))

    def _call(self, hook: str, *args: Any) -> list[Any]:
        return [f(*args) for f in self._hooks[hook]]

    def _epoch(self, epoch: int) -> bool:
        """One epoch; True when training should stop after it."""
        self.epoch, lr, t0 = epoch, self.inner.lr, time.perf_counter()
        self._call("on_epoch_begin", epoch, {"lr": lr})
        for W, copy in zip(self.weights, self._start, strict=True):
            np.copyto(copy, W)
        done = self._skip
        for X, y, s in self.source.batches(epoch, self._skip):
            done += 1
            self._batch(epoch, done, X, y, s)
            if self.every and self.step % self.every == 0 and self._stepped:
                self.save(epoch, done)
            if self.stop:
                return True
        self._skip = 0
        sums = self._sums.copy()
        self._sums[:] = 0.0
        if self.dist is not None:
            self.dist.allreduce(sums, "the epoch's loss and metric")
        if not all(np.isfinite(W).all() for W in self.weights):
            self._diverged(epoch, "after the epoch's updates")
        logs = {"loss": float(sums[0] / max(sums[1], 1e-300))}
        logs[self.metric] = score_value(self.kind, sums[2:])
        if self.validation is not None:
            self._validate(epoch, logs)
        logs["lr"], logs["time"] = lr, time.perf_counter() - t0
        self._record(epoch, logs)
        return any(self._call("on_epoch_end", epoch, logs)) or self.stop

    def _batch(self, epoch: int, k: int, X: Any, y: Any, s: Any) -> None:
        """One step on the global batch (X, y, s): this rank's slice, the sums, the update."""
        m = len(X)
        size = float(m) if s is None else float(s.sum())
        self._stepped = size > 0
        if not size > 0:  # every sample of the batch weighs 0 (the same on every rank)
            return
        w = np.full(m, 1.0 / m, dtype=self.net.dtype) if s is None else (s / size)
        part = slice(None) if self.dist is None else self.dist.shard(m)
        Xr, yr, wr = X[part], y[part], np.asarray(w[part], dtype=self.net.dtype)
        out = np.empty((len(Xr), self.net.n_outputs), dtype=self.net.dtype)
        opt = self.optimizer
        if self.dist is not None:
            opt.begin()
        E = self.net.train_step(Xr, yr, wr, opt, out=out) if len(Xr) else 0.0
        if self.dist is not None:
            if not opt.stepped:  # E not finite here, or no rows: still join the allreduce
                opt.join(bad=len(Xr) > 0)
            if not opt.ok:
                self._diverged(epoch, f"a rank's loss E was not finite at batch {k}")
        elif not math.isfinite(E):
            self._diverged(epoch, f"the loss E of batch {k} is {E}")
        self.step += 1
        self._sums[0] += E * size  # E is this rank's part of E_B: the parts sum to E_B
        if self.dist is None or self.dist.is_root:
            self._sums[1] += size  # counted once over the ranks
        if len(Xr):
            self._sums[2:] += score_sums(self.kind, out, yr)
        self._call("on_batch_end", k, {"loss": E, "size": m, "epoch": epoch})

    def _validate(self, epoch: int, logs: dict[str, Any]) -> None:
        Xv, yv, wv = self.validation
        with no_grad():
            z, E = self.net.output_and_loss(Xv, yv, wv)
        logs["val_loss"] = float(E.data)
        logs[f"val_{self.metric}"] = score_value(self.kind, score_sums(self.kind, z.data, yv))
        if not math.isfinite(logs["val_loss"]):
            self._diverged(epoch, f"the validation loss is {logs['val_loss']}")

    def _record(self, epoch: int, logs: dict[str, Any]) -> None:
        self.history.add_epoch(epoch, logs, self.metric)
        step_schedule(self.schedule, logs)

    def _diverged(self, epoch: int, what: str) -> None:
        lr = self.inner.lr
        causes = f"the learning rate lr={lr:g} is probably too high: try lr={lr / 10:g} (or "
        causes += "clip_norm=1); or the inputs are not standardised"
        what += nonfinite_weights(self.weights)
        raise give_back(self.weights, self._start, self.history, epoch, f"epoch {epoch}", what,
                        causes)  # fmt: skip

    # -- checkpoints -----------------------------------------------------------------------------
    def save(self, epoch: int, done: int) -> None:
        """Write the checkpoint (rank 0; the epoch's sums are summed over the ranks first)."""
        sums = self._sums.copy()
        if self.dist is not None:
            self.dist.allreduce(sums, "the checkpoint's sums")
            if not self.dist.is_root:
                return
        arrays = {f"W.{k}": W for k, W in enumerate(self.weights)}
        opt_plain, opt_arrays = split_state(self.inner.state_dict(), "opt.")
        arrays.update(opt_arrays)
        cbs = {}
        for i, cb in enumerate(self.callbacks):
            if callable(getattr(cb, "state_dict", None)):
                cbs[str(i)], more = split_state(cb.state_dict(), f"cb.{i}.")
                arrays.update(more)
        meta = {
            "step": self.step, "epoch": epoch, "batch": done, "sums": sums.tolist(),
            "history": self.history.to_dict(), "optimizer": opt_plain, "callbacks": cbs,
            "schedule": None if self.schedule is None else self.schedule.state_dict(),
            "ranks": 1 if self.dist is None else self.dist.size, **self.extra,
            "seed": getattr(self.source, "seed", None),  # the batch order's: (seed, epoch)
        }  # fmt: skip
        assert self.checkpoint is not None
        save_checkpoint(self.checkpoint, meta, arrays)

    def _restore(self) -> int:
        """Load the checkpoint if there is one; the epoch to continue in (1 if none)."""
        if self.checkpoint is None or not Path(self.checkpoint).exists():
            return 1
        meta, arrays = load_checkpoint(self.checkpoint)
        ranks = 1 if self.dist is None else self.dist.size
        if meta["ranks"] != ranks:
            raise CheckpointError(
                f"{self.checkpoint} was written by a run on {meta['ranks']} rank(s); resume it "
                f"on as many (mpiexec -n {meta['ranks']}), or delete it to start over"
            )
        for k, W in enumerate(self.weights):
            if arrays.get(f"W.{k}", np.empty(0)).shape != W.shape:
                raise CheckpointError(
                    f"{self.checkpoint}: its weight W{k + 1} does not fit this network "
                    f"({W.shape}); it belongs to another model: delete it or pass another path"
                )
            W[...] = arrays[f"W.{k}"]
        self.inner.load_state_dict(join_state(meta["optimizer"], arrays, "opt."))
        if self.schedule is not None and meta["schedule"] is not None:
            self.schedule.load_state_dict(meta["schedule"])
        for i, cb in enumerate(self.callbacks):
            if str(i) in meta["callbacks"]:
                cb.load_state_dict(join_state(meta["callbacks"][str(i)], arrays, f"cb.{i}."))
        if meta.get("seed") is not None and hasattr(self.source, "seed"):
            self.source.seed = meta["seed"]  # the order's RNG, were fit's seed not an int
        self.history = History.from_dict(meta["history"])
        self.step, self._skip = int(meta["step"]), int(meta["batch"])
        if self.dist is None or self.dist.is_root:
            self._sums[:] = meta["sums"]
        return int(meta["epoch"])
