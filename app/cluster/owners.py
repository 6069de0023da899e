"""How the web tier reaches the process that owns a session: HTTP/1.1 over a Unix socket.

A session lives in exactly one worker process; its id names the worker (`w1.Xy…`). The front
forwards a request to that worker and relays the answer: REST as one response, a stream as raw
bytes (the worker's chunked body is de-chunked as it arrives and handed on chunk by chunk, so a
frame crosses the front with two small reads and one write, and nothing is parsed).

This is deliberately a tiny client, not httpx: the front relays every frame of every viewer, and
on a 2-core machine the CPU it spends is taken from training.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade",
              b"proxy-authorization", b"proxy-authenticate", b"host", b"content-length"}
Headers = list[tuple[bytes, bytes]]


class OwnerGone(Exception):
    """The process that held the session is not there any more (stopped, crashed, a lost node)."""


@dataclass
class Reply:
    status: int
    headers: Headers
    body: bytes | None  # None: a stream, read from `chunks`
    chunks: AsyncIterator[bytes] | None = None


class Owner(Protocol):
    """What the front needs of an owner: the id prefix it answers for, and one request at a time
    (raising OwnerGone when the owner is not there any more)."""

    @property
    def name(self) -> str: ...

    async def request(self, method: str, target: bytes, headers: Headers, body: bytes) -> Reply: ...


@dataclass(frozen=True)
class UnixOwner:
    """One worker process, listening on a Unix socket of the server's private folder."""

    name: str  # the id prefix of its sessions: "w0", "w1", …
    socket_path: str

    async def request(self, method: str, target: bytes, headers: Headers, body: bytes) -> Reply:
        """Send one request; a streamed answer (text/event-stream) is returned unread, as chunks."""
        try:
            reader, writer = await asyncio.open_unix_connection(self.socket_path)
        except OSError as e:
            raise OwnerGone(self.name) from e
        head = [f"{method} ".encode(), target, b" HTTP/1.1\r\nhost: worker\r\nconnection: close\r\n"]
        head += [k + b": " + v + b"\r\n" for k, v in headers if k.lower() not in HOP_BY_HOP]
        head.append(b"content-length: %d\r\n\r\n" % len(body))
        writer.write(b"".join(head) + body)
        try:
            status, out_headers = await _read_head(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            writer.close()
            raise OwnerGone(self.name) from e
        chunked = any(k == b"transfer-encoding" and b"chunked" in v.lower() for k, v in out_headers)
        kept = [(k, v) for k, v in out_headers if k not in HOP_BY_HOP]
        if chunked and any(k == b"content-type" and v.startswith(b"text/event-stream") for k, v in kept):
            return Reply(status, kept, None, _dechunk(reader, writer))
        try:
            body_out = await (_read_chunked(reader) if chunked else reader.read())
        finally:
            writer.close()
        return Reply(status, kept, body_out)


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, Headers]:
    status_line = await reader.readline()
    if not status_line:
        raise ValueError("no answer")
    status = int(status_line.split(b" ", 2)[1])
    headers: Headers = []
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            return status, headers
        key, _, value = line.partition(b":")
        headers.append((key.strip().lower(), value.strip()))


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        if size == 0:
            await reader.readline()
            return b"".join(parts)
        parts.append((await reader.readexactly(size + 2))[:-2])


async def _dechunk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> AsyncIterator[bytes]:
    """The chunks of a streamed body as they arrive; closing the iterator closes the connection
    (a viewer that left stops its stream in the worker too)."""
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            size = int(line.split(b";")[0], 16)
            if size == 0:
                return
            yield (await reader.readexactly(size + 2))[:-2]
    except (OSError, asyncio.IncompleteReadError, ValueError):
        return
    finally:
        writer.close()
