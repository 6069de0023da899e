"""One frame of a live view, as the page gets it: for tests that check what a page shows."""

from __future__ import annotations

import json
from typing import Any

import httpx


def stream_frame(client: httpx.Client, path: str) -> dict[str, Any]:
    """The first `event: frame` of GET {path}/stream, as JSON."""
    with client.stream("GET", f"{path}/stream?frames=1") as r:
        r.raise_for_status()
        event = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:") and event == "frame":
                return json.loads(line.partition(":")[2])  # type: ignore[no-any-return]
    raise AssertionError(f"no frame from {path}")
