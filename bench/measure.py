"""The measurements: the engine as users get it (a Session, the REST API, the stream) and the
textbook reference on the same data, timed in the same run, interleaved so noise hits both."""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.config import get_settings
from app.data.datasets import make_split
from app.data.features import DEFAULT_FEATURES, feature_matrix
from app.training.boundary import compute_boundary
from app.training.session import Session
from app.training.spec import DatasetConfig, LayerConfig, SessionConfig

from . import textbook
from .timing import Samples, clock, per_call, units_for

Array = np.ndarray
DATASET = {"name": "spiral", "n_samples": 500, "noise": 0.0, "train_ratio": 0.5, "seed": 1}
LEARNING_RATE = 0.03
SEED = 1


@dataclass(frozen=True)
class Net:
    """One benchmark network: hidden layers of tanh units, a batch size (None: the whole set)."""

    label: str
    hidden: tuple[int, ...]
    batch_size: int | None

    def config(self) -> SessionConfig:
        return SessionConfig(
            dataset=DatasetConfig(**DATASET),
            layers=[LayerConfig(units=u, activation="tanh") for u in self.hidden],
            batch_size=self.batch_size, seed=SEED,
            optimizer={"name": "sgd", "learning_rate": LEARNING_RATE})  # type: ignore[arg-type]

    def api_body(self) -> dict[str, Any]:
        return json.loads(self.config().model_dump_json())


NET_8x2_B10 = Net("[8,8] tanh, batch 10", (8, 8), 10)
NET_8x6_B10 = Net("[8×6] tanh, batch 10", (8,) * 6, 10)
NET_8x2_FULL = Net("[8,8] tanh, full batch (250)", (8, 8), None)
TRAINING_NETS = (NET_8x2_B10, NET_8x6_B10, NET_8x2_FULL)


# ---------------------------------------------------------------- data and the two implementations


def spiral() -> tuple[Array, Array]:
    """The 250 training points of spiral(500, noise 0, ratio 0.5, seed 1): X (2, 250), Y (1, 250)."""
    split = make_split(DATASET["name"], DATASET["n_samples"], DATASET["noise"], DATASET["train_ratio"],
                       DATASET["seed"])
    x = feature_matrix(split.x_train, DEFAULT_FEATURES, np.float64)
    return x, split.y_train.astype(np.float64)[None, :]


def make_session(net: Net) -> Session:
    return Session("bench", net.config(), get_settings())


def textbook_parameters(net: Net) -> dict[str, Array]:
    return textbook.initialize_parameters_deep([2, *net.hidden, 1], np.random.default_rng(SEED))


@dataclass
class Pair:
    """The engine's and the textbook's seconds per unit of work."""

    engine: Samples = field(default_factory=Samples)
    textbook: Samples = field(default_factory=Samples)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """How many times faster the engine is (best against best)."""
        return self.textbook.best / self.engine.best

    def as_dict(self) -> dict[str, Any]:
        return {"engine_s": self.engine.as_dict(), "textbook_s": self.textbook.as_dict(),
                "ratio": self.ratio, **self.extra}


# ---------------------------------------------------------------- training throughput


def training(net: Net, repeats: int, target_s: float) -> Pair:
    """Seconds per epoch: a Session (per-epoch metrics and history included) vs the textbook model.

    extra: updates per epoch, and the bare Trainer (no per-epoch evaluation) for context.
    """
    x, y = spiral()
    session = make_session(net)
    params = textbook_parameters(net)
    rng = np.random.default_rng(SEED)
    bare = make_session(net).trainer  # the same engine without the Session around it
    upe = session.trainer.updates_per_epoch

    def engine(epochs: int) -> None:
        session.train(session.updates_for(epochs=epochs))

    def reference(epochs: int) -> None:
        nonlocal params
        params, _ = textbook.model(x, y, params, LEARNING_RATE, net.batch_size, epochs, rng)

    def trainer_only(epochs: int) -> None:
        bare.run(epochs * upe)

    runs = {"engine": engine, "textbook": reference, "trainer": trainer_only}
    epochs = {}
    for name, fn in runs.items():  # warm up, then size each sample to last about target_s
        fn(2)
        epochs[name] = units_for(clock(lambda fn=fn: fn(3)) / 3, target_s)
    pair, bare_s = Pair(), Samples()
    dest = {"engine": pair.engine, "textbook": pair.textbook, "trainer": bare_s}
    for _ in range(repeats):
        for name, fn in runs.items():
            dest[name].add(clock(lambda fn=fn, n=epochs[name]: fn(n)), epochs[name])
    pair.extra = {"updates_per_epoch": upe, "epochs_per_sample": epochs, "trainer_only_s": bare_s.as_dict(),
                  "engine_status": session.status.value}
    return pair


# ---------------------------------------------------------------- the decision boundary


def boundary(net: Net, repeats: int, target_s: float, resolution: int = 100) -> Pair:
    """Seconds per 100×100 output grid: compute_boundary vs meshgrid + a float64 forward pass."""
    session = make_session(net)
    session.train(session.updates_for(epochs=20))  # weights off their initial values
    params = textbook.parameters_from_layers(session.weights())
    extent = session.settings.grid_extent
    pair = Pair()
    engine = per_call(lambda: compute_boundary(session, resolution), repeats, target_s)
    reference = per_call(lambda: textbook.boundary_grid(params, resolution, extent), repeats, target_s)
    pair.engine, pair.textbook = engine, reference
    ours = compute_boundary(session, resolution).output
    diff = np.abs(ours - textbook.boundary_grid(params, resolution, extent))
    pair.extra = {"max_abs_difference": float(diff.max())}  # float32 engine vs float64 reference
    return pair


# ---------------------------------------------------------------- the REST API and the stream


def app_client():  # type: ignore[no-untyped-def]
    """An in-process TestClient on a fresh app; use as a context manager (runs the lifespan)."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from bench.owners import keep_owner_tokens

    return keep_owner_tokens(TestClient(create_app()))


def create(client: Any, net: Net) -> str:
    r = client.post("/api/v1/sessions", json=net.api_body())
    r.raise_for_status()
    return str(r.json()["id"])


def rest(client: Any, net: Net, repeats: int, epochs: int = 300) -> Pair:
    """Seconds per epoch: one POST …/step {"epochs": 300} vs the textbook model for 300 epochs."""
    x, y = spiral()
    sid = create(client, net)
    rng = np.random.default_rng(SEED)
    pair = Pair()

    def request() -> None:
        r = client.post(f"/api/v1/sessions/{sid}/step", json={"epochs": epochs})
        r.raise_for_status()

    def reference() -> None:
        textbook.model(x, y, textbook_parameters(net), LEARNING_RATE, net.batch_size, epochs, rng)

    request()  # warm-up, both
    textbook.model(x, y, textbook_parameters(net), LEARNING_RATE, net.batch_size, 3, rng)
    for _ in range(repeats):
        client.post(f"/api/v1/sessions/{sid}/reset").raise_for_status()
        pair.engine.add(clock(request), epochs)
        pair.textbook.add(clock(reference), epochs)
    body = client.get(f"/api/v1/sessions/{sid}").json()
    pair.extra = {"epochs_per_request": epochs, "epoch_after": body["epoch"], "status": body["status"]}
    client.delete(f"/api/v1/sessions/{sid}")
    return pair


def parse_sse(lines: Any) -> list[tuple[str, str]]:
    """SSE lines -> [(event, data)]; multi-line data joined with newlines, as the spec says."""
    events, event, data = [], "message", []
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                events.append((event, "\n".join(data)))
            event, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
    if data:
        events.append((event, "\n".join(data)))
    return events


@dataclass
class Stream:
    sizes: list[int]  # bytes of each frame's JSON (the `data:` payload)
    seconds: float
    epochs: tuple[int, int]  # first and last frame's epoch: training went on while streaming
    timed_out: bool  # the stream stalled (no new frames) and the watchdog ended it

    def as_dict(self) -> dict[str, Any]:
        return {"frames": len(self.sizes), "min": min(self.sizes), "median": statistics.median(self.sizes),
                "max": max(self.sizes), "seconds": self.seconds, "epochs": list(self.epochs),
                "timed_out": self.timed_out, "sizes": self.sizes}


def stream(client: Any, net: Net, frames: int = 60, fps: float = 60.0, deadline_s: float = 30.0) -> Stream:
    """Play the session, read `frames` frames of GET …/stream, pause; sizes of the frame payloads.

    A frame is only sent when the session changed, so a stalled runner would leave the stream
    waiting forever: after deadline_s a watchdog drops the session, which ends the stream (`gone`).
    """
    sid = create(client, net)
    store = client.app.state.store
    stalled = threading.Event()

    def watchdog() -> None:
        stalled.set()
        if sid in store:
            store.delete(sid)

    timer = threading.Timer(deadline_s, watchdog)
    client.post(f"/api/v1/sessions/{sid}/play").raise_for_status()
    try:
        timer.start()
        t0 = time.perf_counter()
        with client.stream("GET", f"/api/v1/sessions/{sid}/stream",
                           params={"frames": frames, "fps": fps}) as r:
            r.raise_for_status()
            events = parse_sse(r.iter_lines())
        seconds = time.perf_counter() - t0
    finally:
        timer.cancel()
        if sid in store:
            client.post(f"/api/v1/sessions/{sid}/pause").raise_for_status()
            client.delete(f"/api/v1/sessions/{sid}")
    payloads = [data for event, data in events if event == "frame"]
    if not payloads:
        raise RuntimeError("the stream sent no frame")
    first, last = json.loads(payloads[0]), json.loads(payloads[-1])
    return Stream([len(p.encode("utf-8")) for p in payloads], seconds, (first["epoch"], last["epoch"]),
                  stalled.is_set())


def frame_build(net: Net, repeats: int, target_s: float) -> Samples:
    """Seconds per app.api.frames.build (boundary + unit maps + encoding + the session body)."""
    from app.api import frames

    session = make_session(net)
    session.train(session.updates_for(epochs=20))
    return per_call(lambda: frames.build(session, None), repeats, target_s)
