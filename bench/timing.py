"""Timing on shared, noisy cores: warm up, then repeat and keep the best (and the median)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Samples:
    """Seconds per unit of work (per epoch, per call, …), one per repeat."""

    values: list[float] = field(default_factory=list)

    def add(self, seconds: float, units: float = 1.0) -> None:
        self.values.append(seconds / units)

    @property
    def best(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def as_dict(self) -> dict[str, object]:
        return {"best": self.best, "median": self.median, "samples": self.values}


def clock(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def units_for(seconds_per_unit: float, target_s: float, least: int = 1) -> int:
    """How many units make one sample last about target_s."""
    return max(least, round(target_s / max(seconds_per_unit, 1e-9)))


def per_call(fn: Callable[[], object], repeats: int, target_s: float, warmup: int = 2) -> Samples:
    """Seconds per call of fn: each sample loops fn enough times to last about target_s."""
    for _ in range(warmup):
        fn()
    n = units_for(clock(fn), target_s)
    s = Samples()
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        s.add(time.perf_counter() - t0, n)
    return s
