"""What the benchmarks print about the machine they ran on: the CPU and the BLAS kernel.

Peers are only compared when they ran on the same kernel, so every benchmark prints the one
``threadpoolctl`` reports (see benchmarks/README.md on OPENBLAS_CORETYPE).
"""

from __future__ import annotations

import platform


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(
        f"{i.get('internal_api')} {i.get('version')} kernel {i.get('architecture')}, "
        f"{i.get('num_threads')} threads"
        for i in blas
    )
