"""Per-epoch loss and accuracy, kept in columns, thinned to a bounded length on long runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COLUMNS = ("epoch", "train_cost", "test_cost", "train_loss", "test_loss", "train_accuracy",
           "test_accuracy", "grad_norms")


@dataclass
class History:
    limit: int
    stride: int = 1  # record every stride-th epoch; doubles each time the limit is reached
    cols: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    rewrites: int = 0  # bumped whenever rows already recorded change (thinned, cleared): else it only grows

    def __len__(self) -> int:
        return len(self.cols["epoch"])

    def record(self, epoch: int, row: dict[str, Any]) -> None:
        if epoch % self.stride:
            return
        for name in COLUMNS:
            self.cols[name].append(epoch if name == "epoch" else row[name])
        if len(self) >= self.limit:
            # keep every other row: the curve keeps its shape, memory stays bounded
            self.stride *= 2
            self.rewrites += 1
            keep = [i for i, e in enumerate(self.cols["epoch"]) if int(e or 0) % self.stride == 0]
            for name in COLUMNS:
                col = self.cols[name]
                self.cols[name] = [col[i] for i in keep]

    def since(self, epoch: int) -> dict[str, list[Any]]:
        """Rows with epoch > the given one (for incremental clients)."""
        start = next((i for i, e in enumerate(self.cols["epoch"]) if e is not None and e > epoch),
                     len(self))
        return {name: col[start:] for name, col in self.cols.items()}

    def clear(self) -> None:
        self.stride = 1
        self.rewrites += 1
        for col in self.cols.values():
            col.clear()
