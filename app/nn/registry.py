"""Shared record types for the engine's registries: named entries with typed, bounded parameters."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar


@dataclass(frozen=True)
class Param:
    """A tunable number of a registry entry, with its default and allowed range (inclusive)."""

    name: str
    label: str
    default: float
    low: float
    high: float
    integer: bool = False

    def check(self, value: float) -> float:
        if not (self.low <= value <= self.high):
            raise ValueError(f"{self.name} must be in [{self.low}, {self.high}], got {value}")
        return value


T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """An ordered, read-only table of entries by name; lookups of unknown names say what exists."""

    def __init__(self, kind: str, entries: list[T]) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {e.name: e for e in entries}  # type: ignore[attr-defined]

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r}; one of {', '.join(self._entries)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
