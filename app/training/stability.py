"""When a run is unstable: its cost bounces up and down without getting any better.

The blow-up rule (`metrics.blown_up`) stops a run whose cost explodes; a learning rate that is
too large for the curvature but not large enough to explode leaves the cost bouncing, e.g. tanh
at α = 10 on the spiral swings between 1 and 3.5 for ever, above where it started. Nothing is
wrong with the arithmetic, so the run goes on; the session reports it, and the page says so.

The rule, over the epoch-end training costs c₀ (where the watch started: the initial weights, or
the weights a change left) …, c_t, with a window of the last WINDOW epochs:

1. **no progress**: the lowest cost in the window is not below PROGRESS × the lowest cost
   before it (so a cost coming down from a bad start, even bouncing, is not flagged); and
2. **bouncing**: the window's median is above its lowest cost by more than SWING × the cost at
   the initial weights (the scale of the problem: J₀ ≈ 0.69 for BCE at chance). A converged run
   with an occasional spike has its median at its floor; a plateau (a dead network) does not
   move at all; neither is flagged.

Once flagged, a run stays flagged until it makes progress again (condition 1 fails), so the
banner does not flicker with the bounces. Closed form and figures: tests/training/test_training_stability.py.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass

WINDOW = 20  # epochs: at 30 epochs a second, under a second of bouncing before the page says so
PROGRESS = 0.9  # the window's best must beat the best before it by 10 % to count as progress
SWING = 0.15  # median − lowest, as a share of the cost at the initial weights


@dataclass(frozen=True)
class Unstable:
    since: int  # the epoch the run was first flagged (this time)
    low: float  # the window's lowest and highest cost
    high: float
    window: int = WINDOW


class CostWatch:
    """The epoch-end training costs since `start(c₀)`, enough of them to apply the rule."""

    def __init__(self, scale: float) -> None:
        self.scale = scale  # the cost at the initial weights
        self.recent: deque[float] = deque(maxlen=WINDOW)
        self.best_before = math.inf  # the lowest cost that has left the window (c₀ included)
        self.flag: Unstable | None = None

    def start(self, cost: float, scale: float | None = None) -> None:
        """Watch afresh from `cost` (a reset, new weights, a new learning rate or new data)."""
        if scale is not None:
            self.scale = scale
        self.recent.clear()
        self.best_before = cost if math.isfinite(cost) else math.inf
        self.flag = None

    def record(self, epoch: int, cost: float) -> Unstable | None:
        """The cost at the end of `epoch`; the flag as it stands after it."""
        if len(self.recent) == WINDOW:
            self.best_before = min(self.best_before, self.recent[0])
        self.recent.append(cost)
        self.flag = self._judge(epoch)
        return self.flag

    def _judge(self, epoch: int) -> Unstable | None:
        if len(self.recent) < WINDOW or not math.isfinite(self.best_before):
            return None
        low, high = min(self.recent), max(self.recent)
        if low < PROGRESS * self.best_before:
            return None  # it got better: whatever it did meanwhile, it is learning
        if self.flag is None and statistics.median(self.recent) - low <= SWING * abs(self.scale):
            return None
        since = self.flag.since if self.flag is not None else epoch
        return Unstable(since, low, high)
