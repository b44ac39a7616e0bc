"""Data-parallel scaling: steps/s and epoch time on 1, 2 and 4 MPI ranks, and a model for a cluster.

For each network and each N in ``--ranks`` the benchmark starts ``mpiexec -n N`` (the mpich
wheel's, beside this Python) on itself in worker mode. A worker trains the network on synthetic
data (``n`` samples, the global batch ``B`` cut into N slices, one flat allreduce per step)
through ``cr.fit(..., distributed=...)`` and reports from rank 0:

* the epoch time and steps/s (median over the epochs after the first, which records the step);
* the allreduce alone: the median time of ``Allreduce`` on the step's flat buffer (P + 1
  float64: every parameter's gradient and one flag), and the bytes one rank sends per step in a
  ring allreduce, 2(N − 1)/N × (P + 1) × 8.

Then it prints the cost model for a cluster, per step:

    t(N) ≈ t_fixed + (t_compute(1) − t_fixed) / N + 2(N − 1)/N × P × 8 bytes / bandwidth
           + 2·log2(N) × latency

with t_compute(1) measured here (one rank, the whole global batch) and t_fixed the cost of a
step that does not shrink with the batch (a one-row step: Python and the calls), for network
bandwidths of 10 and 100 Gbit/s, and
the smallest global batch for which N ranks beat one rank at each size (below it, the
allreduce costs more than the compute it saves). This machine has 2 cores, so 4 ranks are
oversubscribed (two processes per core): their figures measure contention, not scaling.

    .venv/bin/python benchmarks/bench_scaling.py            # the full run: about a minute
    .venv/bin/python benchmarks/bench_scaling.py --quick    # the smoke run: a few seconds
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

NETS = {"small": [32, 64, 1], "wide": [256, 512, 512, 1]}
BANDWIDTHS = {"10 Gbit/s Ethernet": 10e9 / 8, "100 Gbit/s InfiniBand": 100e9 / 8}
LATENCY = 5e-6  # seconds per message hop on a cluster network (a typical order of magnitude)


def worker(sizes: list[int], n: int, batch: int, epochs: int) -> None:
    """Run under mpiexec: train, time the allreduce, print one JSON line from rank 0."""
    import numpy as np

    import chainrule as cr
    from chainrule.training.distributed import Distributed

    dist = Distributed(timeout=120)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, sizes[0]))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    net = cr.MLP(sizes, hidden="tanh", output="sigmoid", seed=0)
    epoch_times: list[float] = []

    class Clock(cr.Callback):
        def on_epoch_end(self, epoch, logs):
            epoch_times.append(logs["time"])

    cr.fit(net, X, y, epochs=epochs, batch_size=batch, seed=0, distributed=dist,
           callbacks=[Clock()], verbose=0)  # fmt: skip
    P = sum(W.size for W in net.weights)
    # the fixed cost of a step (Python, the calls), which N ranks do not divide: one row's step
    opt = cr.optim.SGD(net.parameters(), lr=1e-9)
    X1, y1, w1 = net.check_data(X[:1], y[:1])
    fixed = []
    for _ in range(200):
        t = time.perf_counter()
        net.train_step(X1, y1, w1, opt)
        fixed.append(time.perf_counter() - t)
    buf = np.zeros(P + 1)
    times = []
    for _ in range(50):
        t = time.perf_counter()
        dist.allreduce(buf)
        times.append(time.perf_counter() - t)
    if dist.is_root:
        steps = math.ceil(n / batch)
        epoch = statistics.median(epoch_times[1:] or epoch_times)  # the first records the step
        print(json.dumps({
            "ranks": dist.size, "params": P, "steps_per_epoch": steps, "epoch_s": epoch,
            "steps_per_s": steps / epoch, "allreduce_s": statistics.median(times),
            "bytes_per_step": 2 * (dist.size - 1) / dist.size * (P + 1) * 8,
            "fixed_s": statistics.median(fixed),
        }))  # fmt: skip


def run(ranks: int, sizes: list[int], n: int, batch: int, epochs: int) -> dict:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    cmd = [str(mpiexec), "-n", str(ranks), sys.executable, __file__, "--worker",
           json.dumps(sizes), str(n), str(batch), str(epochs)]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"mpiexec -n {ranks} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def model(one: dict, ranks: int, bandwidth: float, batch: int) -> tuple[float, int | None]:
    """(predicted steps/s on ``ranks`` ranks of a cluster, the least batch where it beats 1)."""
    compute = 1 / one["steps_per_s"]  # seconds per step of the whole global batch, one rank
    fixed = min(one["fixed_s"], compute)  # per step, whatever the batch: not divided by N
    P = one["params"] + 1
    comm = 2 * (ranks - 1) / ranks * P * 8 / bandwidth + 2 * math.log2(ranks) * LATENCY
    per_sample = (compute - fixed) / batch
    # N ranks win when per_sample × B × (1 − 1/N) > comm
    least = comm / max(per_sample * (1 - 1 / ranks), 1e-300)
    return 1 / (fixed + (compute - fixed) / ranks + comm), math.ceil(least)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="a few seconds: the smoke run")
    p.add_argument("--ranks", default="1,2,4")
    p.add_argument("--worker", nargs=4, metavar=("SIZES", "N", "BATCH", "EPOCHS"))
    args = p.parse_args()
    if args.worker:
        sizes, n, batch, epochs = args.worker
        worker(json.loads(sizes), int(n), int(batch), int(epochs))
        return
    ranks = [1, 2] if args.quick else [int(r) for r in args.ranks.split(",")]
    n, batch, epochs = (2048, 256, 2) if args.quick else (16384, 512, 4)
    nets = {"small": NETS["small"]} if args.quick else NETS
    cores = os.cpu_count() or 1
    print(f"{cores} cores; ranks beyond {cores} are oversubscribed (share cores)")
    print(f"{n} samples, global batch {batch}, {epochs} epochs, float64\n")
    header = f"{'net':>6} {'P':>8} {'ranks':>5} {'epoch s':>8} {'steps/s':>8} {'allreduce':>10} "
    print(header + f"{'bytes/step':>11}  note")
    results = {}
    for name, sizes in nets.items():
        for r in ranks:
            res = results[name, r] = run(r, sizes, n, batch, epochs)
            note = "oversubscribed" if r > cores else ""
            print(f"{name:>6} {res['params']:>8} {r:>5} {res['epoch_s']:>8.3f} "
                  f"{res['steps_per_s']:>8.1f} {res['allreduce_s'] * 1e6:>8.1f}µs "
                  f"{res['bytes_per_step']:>11.0f}  {note}")  # fmt: skip
    print("\nmodel for a cluster (t_compute(1) and t_fixed measured here; 5 µs latency per hop):")
    for name in nets:
        one = results[name, 1]
        print(f"{name:>6}: t_compute(1) {1e3 / one['steps_per_s']:.2f} ms per step of {batch}, "
              f"t_fixed {one['fixed_s'] * 1e6:.0f} µs")  # fmt: skip
    for name in nets:
        one = results[name, 1]
        for label, bw in BANDWIDTHS.items():
            for r in (2, 4, 8, 16):
                rate, least = model(one, r, bw, batch)
                print(f"{name:>6} {label:>22} N={r:<3} {rate:>8.1f} steps/s "
                      f"(1 rank: {one['steps_per_s']:.1f}); pays from batch ≥ {least}")  # fmt: skip


if __name__ == "__main__":
    main()
