"""Data-parallel training on MPI: every rank a copy of the network, one allreduce per step.

Started as ``mpiexec -n N python train.py`` (or ``mpiexec -n N chainrule train … --distributed``),
N processes each hold the whole network. Each minibatch B of the global order (the same on every
rank: the same seed) is cut into N contiguous slices, rank r taking rows [r·m/N, (r+1)·m/N) of
its m rows. With the weights of the mean taken over the *global* batch, wᵢ = sᵢ / Σ_{j∈B} sⱼ
(1/m without sample weights), rank r's gradient is g_r = Σ_{i∈r} wᵢ ∇ℓᵢ and the SUM over ranks
is exactly the single-process gradient of E_B = Σ_{i∈B} wᵢ ℓᵢ (up to the order of the additions).
That sum is one ``Allreduce`` per step, in place, over one flat float buffer holding every
parameter's gradient and one more number: how many ranks found their E not finite. Every rank then
takes the same optimizer step on the same sum, so the parameters stay identical (broadcast from
rank 0 at the start; with ``check_every=K``, compared by checksum every K steps).

The collectives are nonblocking (``Iallreduce``) and polled against a deadline (``timeout``
seconds): a rank that died or hangs makes the others print which step they waited at and abort
the whole job (``MPI.Abort``), instead of waiting forever.

Example:
    >>> dist = cr.distributed.init(timeout=60)       # under mpiexec -n 4
    >>> hist = cr.fit(net, X, y, epochs=10, batch_size=256, distributed=dist)
    >>> dist.rank == 0 and net.save("model.chainrule")
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from typing import Any

import numpy as np

from chainrule.errors import DistributedError

__all__ = ["Distributed", "DistributedOptimizer", "init", "is_available"]

#: seconds a rank waits for the others at a collective before it aborts the job
DEFAULT_TIMEOUT = 300.0


def is_available() -> bool:
    """Whether ``mpi4py`` (and an MPI library under it) can be imported."""
    try:
        import mpi4py.MPI  # noqa: F401
    except ImportError:
        return False
    return True


class Distributed:
    """The ranks of one data-parallel run: ``rank``, ``size`` and the collectives training uses.

    Args:
        comm: an ``mpi4py`` communicator (default ``MPI.COMM_WORLD``).
        timeout: seconds to wait at a collective before aborting the job (default 300).
        check_every: compare a checksum of the parameters across ranks every K steps (a debug
            check; None: never).
    """

    def __init__(
        self, comm: Any = None, *, timeout: float = DEFAULT_TIMEOUT, check_every: int | None = None
    ) -> None:
        try:
            from mpi4py import MPI
        except ImportError:
            raise DistributedError(
                "distributed training needs mpi4py and an MPI library: pip install "
                "'chainrule[distributed]' (mpi4py and the mpich wheel), then run under mpiexec"
            ) from None
        if not (isinstance(timeout, int | float) and timeout > 0):
            raise DistributedError(f"timeout must be a number of seconds > 0, got {timeout!r}")
        if check_every is not None and (not isinstance(check_every, int) or check_every < 1):
            raise DistributedError(f"check_every must be a whole number ≥ 1, got {check_every!r}")
        self.MPI, self.comm = MPI, MPI.COMM_WORLD if comm is None else comm
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self.timeout, self.check_every = float(timeout), check_every
        self.step = 0  # steps taken, for the messages

    @property
    def is_root(self) -> bool:
        """Rank 0: the one that prints and writes files."""
        return self.rank == 0

    def shard(self, m: int) -> slice:
        """This rank's rows of a global batch of m rows: [r·m // N, (r+1)·m // N)."""
        return slice(self.rank * m // self.size, (self.rank + 1) * m // self.size)

    def _wait(self, request: Any, what: str) -> None:
        """Poll a nonblocking collective until done; past the deadline, abort the job."""
        start = time.monotonic()
        deadline, spin = start + self.timeout, start + 0.01
        while not request.Test():  # MPI progresses inside Test: poll closely at first
            now = time.monotonic()
            if now < spin:
                os.sched_yield()  # a rank sharing this core (oversubscribed) gets to run
                continue
            if now > deadline:
                sys.stdout.flush()
                sys.stderr.write(
                    f"chainrule distributed: error: rank {self.rank} of {self.size} got no "
                    f"answer from the other ranks within {self.timeout:g} s at {what} (after step "
                    f"{self.step}); a rank has probably died or hangs. Aborting the whole job.\n"
                )
                sys.stderr.flush()
                self.comm.Abort(3)
            time.sleep(1e-4)  # a long wait (another rank is slower): let it have the core

    def allreduce(self, buf: np.ndarray, what: str = "the gradient allreduce") -> np.ndarray:
        """``buf`` ← Σ over ranks of ``buf``, in place (a contiguous float or int array)."""
        self._wait(self.comm.Iallreduce(self.MPI.IN_PLACE, buf, op=self.MPI.SUM), what)
        return buf

    def broadcast(self, arrays: list[np.ndarray]) -> None:
        """Every rank's ``arrays`` ← rank 0's, in place (one flat buffer)."""
        flat = np.concatenate([a.ravel() for a in arrays]) if arrays else np.empty(0)
        self._wait(self.comm.Ibcast(flat, root=0), "the broadcast of the parameters")
        pos = 0
        for a in arrays:
            a[...] = flat[pos : pos + a.size].reshape(a.shape)
            pos += a.size

    def check_same(self, arrays: list[np.ndarray]) -> None:
        """Raise :class:`DistributedError` unless ``arrays`` are bit for bit equal on every rank."""
        crc = 0
        for a in arrays:
            crc = zlib.crc32(np.ascontiguousarray(a).tobytes(), crc)
        sums = np.zeros(self.size, dtype=np.int64)
        sums[self.rank] = crc
        self.allreduce(sums, "the parameter checksum")
        if (sums != sums[0]).any():
            odd = [r for r in range(self.size) if sums[r] != sums[0]]
            raise DistributedError(
                f"after step {self.step} the parameters differ between rank 0 and rank(s) {odd} "
                "(checksums differ); every rank must run the same network, data order and seed"
            )

    def barrier(self) -> None:
        self._wait(self.comm.Ibarrier(), "a barrier")


class DistributedOptimizer:
    """An optimizer whose ``step()`` first sums every rank's gradients (one flat allreduce).

    Wraps any :mod:`~chainrule.optim` optimizer, as Horovod's ``DistributedOptimizer`` does: the
    parameters' ``.grad`` are packed into one buffer with a last slot counting ranks whose E was
    not finite, summed over ranks in place, and unpacked; then the wrapped optimizer steps, unless
    some rank's E was not finite (then no rank steps, so the weights stay identical). A rank whose
    step was skipped by ``net.train_step`` (E not finite) or that had no rows must still join by
    :meth:`join`, or the others would wait.

    Attributes:
        optimizer: the wrapped optimizer; ``lr`` reads and sets its learning rate.
        stepped: whether :meth:`step` or :meth:`join` ran since :meth:`begin`.
        ok: whether every rank's E was finite at the last step.
    """

    def __init__(self, optimizer: Any, dist: Distributed) -> None:
        self.optimizer, self.dist = optimizer, dist
        self.params = optimizer.params
        self.flat = np.empty(sum(p.data.size for p in self.params) + 1, dtype=np.float64)
        self.stepped, self.ok = False, True

    @property
    def lr(self) -> float:
        return float(self.optimizer.lr)

    @lr.setter
    def lr(self, value: float) -> None:
        self.optimizer.lr = value

    def begin(self) -> None:
        """Before a step: nothing is summed yet."""
        self.stepped = False

    def step(self) -> None:
        """Sum the gradients over the ranks, then step the wrapped optimizer (all ranks or none)."""
        self._reduce(bad=False, empty=False)

    def join(self, *, bad: bool) -> None:
        """Take part in this step's sum without gradients: E not finite (``bad``) or no rows."""
        self._reduce(bad=bad, empty=True)

    def _reduce(self, *, bad: bool, empty: bool) -> None:
        flat, pos = self.flat, 0
        for p in self.params:
            n = p.data.size
            if empty or p.grad is None:
                flat[pos : pos + n] = 0.0
            else:
                flat[pos : pos + n] = p.grad.ravel()
            pos += n
        flat[-1] = 1.0 if bad else 0.0
        self.dist.allreduce(flat)
        self.stepped, self.ok = True, flat[-1] == 0
        self.dist.step += 1
        if not self.ok:
            return
        pos = 0
        for p in self.params:
            n = p.data.size
            p.grad = flat[pos : pos + n].reshape(p.data.shape).astype(p.data.dtype, copy=True)
            pos += n
        self.optimizer.step()
        every = self.dist.check_every
        if every is not None and self.dist.step % every == 0:
            self.dist.check_same([p.data for p in self.params])

    def state_dict(self) -> dict[str, Any]:
        return dict(self.optimizer.state_dict())

    def load_state_dict(self, state: Any) -> None:
        self.optimizer.load_state_dict(state)


def init(*, timeout: float = DEFAULT_TIMEOUT, check_every: int | None = None) -> Distributed:
    """The :class:`Distributed` context of this process (MPI.COMM_WORLD) for ``fit(distributed=)``.

    Run the program under ``mpiexec -n N``; alone it is one rank of one (and trains as usual).
    """
    return Distributed(timeout=timeout, check_every=check_every)
