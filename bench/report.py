"""Plain-text tables."""

from __future__ import annotations

from collections.abc import Sequence


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
          notes: Sequence[str] = ()) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        cells = [f"{first:<{widths[0]}}", *(f"{c:>{w}}" for c, w in zip(rest, widths[1:], strict=True))]
        return "  ".join(cells)

    rule = "─" * len(line(headers))
    out = [title, rule, line(headers), rule, *(line(r) for r in rows), rule]
    out += [f"  {n}" for n in notes]
    return "\n".join(out)


def num(x: float, digits: int = 3) -> str:
    """A few significant digits, thousands separated."""
    if x >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    return f"{x:,.{max(0, digits - 1 - int(f'{x:e}'.split('e')[1]))}f}"


def ratio(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}×"


def target(value: float, at_least: float | None = None, at_most: float | None = None, unit: str = "×") -> str:
    if at_least is not None:
        return f"≥{at_least:g}{unit} {'PASS' if value >= at_least else 'MISS'}"
    assert at_most is not None
    return f"≤{at_most:,.0f}{unit} {'PASS' if value <= at_most else 'MISS'}"
