"""Session owners on a Ray cluster: `nn-playground --ray ADDRESS|auto|local`.

Each session host (host.SessionHost: the whole app in one process) is a Ray actor, placed by Ray
on any node, named `h0`, `h1`, … in the namespace "nn-playground": the prefix of its sessions'
ids. It is an async actor, so requests and open streams interleave on its event loop while the
app's scheduler thread trains. It is started detached: it outlives the web process that made it.

The web tier holds no sessions: every web process (the command, or `uvicorn app.main:app` with
NNP_RAY set, on any node) finds the hosts by name, creating those missing (get-if-exists, so
several web processes share one set), and routes by id prefix through a `RayOwner`, which has
`UnixOwner`'s interface. A host whose node or process is gone raises `OwnerGone`: 410, `gone`.

Ray is an optional extra (`pip install -e '.[cluster]'`): it is imported only when a function
here is called, never by importing this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from app.config import Settings

from .fanout import Shared, shareable
from .front import GONE_EVENT, Owners
from .host import NOT_FORWARDED, SessionHost
from .owners import Headers, OwnerGone, Reply

NAMESPACE = "nn-playground"
BACKPRESSURE = 4  # frames a host may have sent ahead of a slow viewer before its stream waits
SSE_REQUEST: Headers = [(b"accept", b"text/event-stream")]  # a shared stream's request: no viewer's headers
READY_S = 120.0  # how long a web process waits for the hosts to start
log = logging.getLogger("nn_playground.ray")


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the install
        raise RuntimeError("--ray needs the cluster extra: pip install -e '.[cluster]'") from e
    return ray


def _host_class() -> Any:
    return _ray().remote(SessionHost)


# --- the web side: reach a host by its name


class RayOwner:
    """A SessionHost, as the front's `Owners` sees any owner. The pages' streams of one target are
    shared by this process's viewers (fanout.Shared): one stream from the host, not one each."""

    def __init__(self, name: str, handle: Any) -> None:
        self.name, self.handle = name, handle
        self.shared = Shared(self._open_stream, self._weigh)
        self._weights: dict[str, int] = {}  # shared stream -> the viewer count to tell its host
        self._told: dict[str, int] = {}  # what the host was last told (a new stream counts as one)
        self._weighing: dict[str, asyncio.Task[None]] = {}

    async def request(self, method: str, target: bytes, headers: Headers, body: bytes) -> Reply:
        ray = _ray()
        try:
            if method == "GET" and target.partition(b"?")[0].endswith(b"/stream"):
                if shareable(target):  # request headers do not change a stream: the first viewer's serve all
                    return await self.shared.reply(target)
                return await self._open_stream(target, "", headers)
            status, out_headers, out = await self.handle.request.remote(method, target, headers, body)
        except _gone_errors(ray) as e:
            raise OwnerGone(self.name) from e
        return Reply(status, out_headers, out)

    async def _open_stream(self, target: bytes, share: str, headers: Headers = SSE_REQUEST) -> Reply:
        ray = _ray()
        gen = self.handle.stream.options(_generator_backpressure_num_objects=BACKPRESSURE).remote(
            "GET", target, headers, b"", share)
        try:
            status, out_headers, is_stream = await (await gen.__anext__())
            if not is_stream:
                return Reply(status, out_headers, await (await gen.__anext__()))
        except BaseException:
            _cancel(ray, gen)
            raise
        return Reply(status, out_headers, None, _chunks(ray, gen, self.name))

    def _weigh(self, share: str, viewers: int) -> None:
        """Tell the host how many viewers a shared stream stands for: the newest count, one call at a
        time (thirty students arriving at once make a call or two, not thirty)."""
        if viewers == 0:  # its stream is closing, and with it the host's count of it
            self._weights.pop(share, None)
            if share not in self._weighing:
                self._told.pop(share, None)
            return
        self._weights[share] = viewers
        if share not in self._weighing:
            self._weighing[share] = asyncio.ensure_future(self._send_weights(share))

    async def _send_weights(self, share: str) -> None:
        try:
            while (want := self._weights.get(share)) is not None and want != self._told.get(share, 1):
                with contextlib.suppress(Exception):  # a host gone ends its streams anyway
                    await self.handle.weigh.remote(share, want)
                self._told[share] = want
        finally:
            del self._weighing[share]
            if share not in self._weights:
                self._told.pop(share, None)


async def _chunks(ray: Any, gen: Any, name: str) -> AsyncIterator[bytes]:
    """A host's stream as it comes; a host lost meanwhile ends it with `event: gone`. Closing this
    iterator (the viewer left) cancels the stream in the host."""
    try:
        async for ref in gen:
            try:
                chunk = await ref
            except _gone_errors(ray):
                log.warning("host %s went away during a stream", name)
                chunk = GONE_EVENT
            yield chunk
            if chunk is GONE_EVENT:
                return
    finally:
        _cancel(ray, gen)


def _cancel(ray: Any, gen: Any) -> None:
    with contextlib.suppress(Exception):
        ray.cancel(gen)


def _gone_errors(ray: Any) -> tuple[type[BaseException], ...]:
    e = ray.exceptions
    return (e.RayActorError, e.WorkerCrashedError, e.NodeDiedError, e.ObjectLostError, e.OwnerDiedError)


# --- joining the cluster


def join(settings: Settings) -> Any:
    """This process joins the cluster named by the settings (once); Ray, for the caller."""
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=None if settings.ray == "local" else settings.ray, namespace=NAMESPACE,
                 _temp_dir=settings.ray_temp_dir or None, logging_level=logging.WARNING,
                 configure_logging=False)
    return ray


def front_owners(settings: Settings) -> Owners | None:
    """The owners of a web process of a Ray cluster (NNP_RAY set), or None."""
    if not settings.ray:
        return None
    ray = join(settings)
    hosts = ensure_hosts(settings.ray_hosts, detached=settings.ray != "local")
    log.warning("web process %s on node %s", os.getpid(), ray.get_runtime_context().get_node_id()[:12])
    try:
        where = ray.get([h.where.remote() for h in hosts.values()], timeout=READY_S)
    except ray.exceptions.GetTimeoutError:
        raise RuntimeError(f"the session hosts did not start within {READY_S:.0f} s: does the cluster have room "
                           f"for {len(hosts)} (`ray status`)? Ask for fewer with --hosts") from None
    for info in where:
        log.warning("host %s on node %s (pid %s)", info["name"], info["node"][:12], info["pid"])
    return Owners([RayOwner(name, handle) for name, handle in sorted(hosts.items())], settings)


def ensure_hosts(count: int, *, detached: bool = True) -> dict[str, Any]:
    """The hosts `h0`…`h{count-1}` (count 0: one per CPU of the cluster), started where missing
    and spread over the nodes, plus any other host already running in the namespace. A host
    keeps the NNP_* settings (and the code) of the web process that started it."""
    ray = _ray()
    cpus = float(ray.cluster_resources().get("CPU", 1.0))
    count = count or max(1, int(cpus))
    cls = _host_class()
    env = {k: v for k, v in os.environ.items() if k.startswith("NNP_") and k not in NOT_FORWARDED}
    env |= {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    options: dict[str, Any] = {
        "namespace": NAMESPACE, "get_if_exists": True, "max_restarts": 0,
        "max_concurrency": 1000,  # calls at once, open streams included (one per web process and page)
        "num_cpus": min(1.0, cpus / count),  # one core each while there are cores; shared beyond
        "scheduling_strategy": "SPREAD", "runtime_env": {"env_vars": env}}
    if detached:
        options["lifetime"] = "detached"  # outlives the web process that started it
    hosts = {f"h{k}": cls.options(name=f"h{k}", **options).remote(f"h{k}") for k in range(count)}
    for name in running_hosts(ray):
        if name not in hosts:
            with contextlib.suppress(ValueError):
                hosts[name] = ray.get_actor(name, namespace=NAMESPACE)
    return hosts


def running_hosts(ray: Any) -> list[str]:
    return sorted(n for n in ray.util.list_named_actors() if n.startswith("h") and n[1:].isdigit())


def stop_hosts(settings: Settings) -> list[str]:
    """Stop every session host of the cluster (their sessions go with them): after a code update,
    or to start them again with other settings."""
    ray = join(settings)
    names = running_hosts(ray)
    for name in names:
        with contextlib.suppress(ValueError):
            ray.kill(ray.get_actor(name, namespace=NAMESPACE), no_restart=True)
    return names
