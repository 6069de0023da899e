"""Overload degrades, never fails: a real uvicorn with more work than any machine can do (24
sessions all training as fast as they go, each watched). Every viewer still gets frames, fairly
shared; training is shared evenly; /healthz and REST keep answering; nothing errors. Asserted on
counts and ratios between sessions of the same run (never on wall-clock figures: the speed and the
capacity themselves belong to `python -m bench.capacity`)."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest

from tests.conftest import start_server, stop_server

API = "/api/v1"
SESSIONS = 24
WINDOW_S = 6.0


async def _watch(http: httpx.AsyncClient, sid: str, until: float) -> int:
    frames = 0
    async with http.stream("GET", f"{API}/sessions/{sid}/stream?fps=30") as r:
        assert r.status_code == 200
        async for chunk in r.aiter_raw():
            frames += chunk.count(b"event: frame")
            if time.monotonic() > until:
                return frames
    return frames


async def _probe(http: httpx.AsyncClient, sids: list[str], until: float) -> list[int]:
    """/healthz and a session read, again and again while the load runs: their status codes."""
    codes = []
    i = 0
    while time.monotonic() < until:
        codes.append((await http.get("/healthz")).status_code)
        codes.append((await http.get(f"{API}/sessions/{sids[i % len(sids)]}")).status_code)
        i += 1
        await asyncio.sleep(0.1)
    return codes


async def _run(url: str) -> tuple[list[int], list[int], list[int], dict[str, object]]:
    limits = httpx.Limits(max_connections=SESSIONS + 10)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        sids = []
        for _ in range(SESSIONS):
            r = await http.post(f"{API}/sessions", json={"dataset": {"name": "spiral"}})
            sids.append(r.json()["id"])
        for sid in sids:  # as fast as it goes: more than any machine has, whatever its speed
            assert (await http.post(f"{API}/sessions/{sid}/play", json={})).status_code == 200
        until = time.monotonic() + WINDOW_S
        *frames, codes = await asyncio.gather(*(_watch(http, s, until) for s in sids), _probe(http, sids, until))
        epochs = [(await http.get(f"{API}/sessions/{sid}")).json()["epoch"] for sid in sids]
        health = (await http.get("/healthz")).json()
    return frames, epochs, codes, health


@pytest.mark.slow
def test_an_overloaded_server_shares_fairly_and_keeps_answering() -> None:
    proc, url = start_server()
    try:
        frames, epochs, codes, health = asyncio.run(_run(url))
    finally:
        stop_server(proc)
    assert min(frames) >= 3, frames  # every viewer gets frames
    assert min(frames) >= 0.3 * statistics.median(frames), frames  # fairly shared
    assert min(epochs) >= 0.5 * max(epochs), epochs  # training slows evenly
    assert codes and set(codes) == {200}  # REST and /healthz answered throughout
    assert health["scheduler"]["errors"] == 0 and health["training"] == SESSIONS  # type: ignore[index]
