"""What the numbers were measured on: CPU, cores, NumPy and its BLAS (read only, nothing changed)."""

from __future__ import annotations

import os
import platform
from typing import Any

import numpy as np


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def blas() -> str:
    """The BLAS NumPy was built against, from numpy.show_config (threadpoolctl if it is there)."""
    try:
        from threadpoolctl import threadpool_info  # type: ignore[import-not-found]

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            return f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} threads)"
    except ImportError:
        pass
    try:
        deps = np.show_config(mode="dicts").get("Build Dependencies", {})  # type: ignore[func-returns-value]
        b = deps.get("blas", {})
        return f"{b.get('name', '?')} {b.get('version', '')}".strip()
    except Exception:  # older NumPy: no dicts mode
        return "unknown"


def blas_threads() -> int | None:
    """Threads the loaded OpenBLAS will use, asked from the library itself (Linux; else None)."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            libs = {line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return None
    for path in sorted(libs):
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                     "openblas_get_num_threads64_", "openblas_get_num_threads"):
            fn = getattr(lib, name, None)
            if fn is not None:
                return int(fn())
    return None


def info() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    from . import THREAD_ENV_BEFORE_APP

    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "OMP_", "MKL_"))}
    by_app = sorted(k for k in env if k not in THREAD_ENV_BEFORE_APP)
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "usable_cores": usable,
            "python": platform.python_version(), "numpy": np.__version__, "blas": blas(),
            "blas_threads": blas_threads(), "thread_env": env, "thread_env_set_by_app": by_app}


def describe(m: dict[str, Any]) -> str:
    env = ", ".join(f"{k}={v}" + (" (by app/__init__)" if k in m["thread_env_set_by_app"] else "")
                    for k, v in sorted(m["thread_env"].items())) or "none set"
    threads = "?" if m["blas_threads"] is None else m["blas_threads"]
    return (f"CPU: {m['cpu']} · {m['cores']} cores ({m['usable_cores']} usable)\n"
            f"Python {m['python']} · NumPy {m['numpy']} · BLAS: {m['blas']}, {threads} thread(s)\n"
            f"Environment: {env}")
