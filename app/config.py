"""Every limit and default of the server in one typed object, read from NNP_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NNP_")

    # --- the session store
    # a class of 30 each opening the largest comparison lesson (6 variants) and a playground holds
    # 30 × 7 sessions; ~0.2 MB a session (flower, 800 points)
    max_sessions: int = 400
    max_comparisons: int = 60  # each holds 2–6 sessions of the store
    idle_timeout_s: float = 1800.0  # a session untouched this long may be dropped
    # --- one client's share (app.api.clients): a client is an address (the front and a reverse proxy
    # pass the real one on); clients on `trusted_clients` (the machine itself) are not counted. Past
    # its share of sessions or comparisons a client's own least recently used idle one makes room;
    # past its running or streams share it is told (429) what to close. 0: no cap
    max_sessions_per_client: int = 40
    max_comparisons_per_client: int = 3
    max_running_per_client: int = 8  # sessions and comparisons training at once
    max_streams_per_client: int = 30  # open live views (a deck of embeds opens one each)
    trusted_clients: list[str] = ["127.0.0.1", "::1"]
    unattended_pause_s: float = 120.0  # training with no viewer and no request this long pauses itself
    # sessions survive a restart (app.training.persist): the SQLite file ("" keeps nothing; a worker
    # of --workers N appends its name: state.w0.sqlite); a playing session is written this often
    state_path: str = ".nnp/state.sqlite"
    save_interval_s: float = 2.0

    # --- sizes a request may ask for (validated before anything is allocated); the request
    # schemas read these once, at import, from the environment: see SCHEMA_LIMITS
    max_layers: int = 8  # hidden layers
    max_units: int = 64  # units per hidden layer
    max_classes: int = 5
    min_samples: int = 10
    max_samples: int = 2000
    max_custom_points: int = 2000
    max_csv_bytes: int = 200_000
    # any request body, checked before it is read (JSON is parsed on the event loop); the largest
    # legitimate ones, 8 layers of 64×64 weights or a full CSV upload, are well under it
    max_body_bytes: int = 2_000_000
    max_predict_points: int = 10_000
    max_resolution: int = 200  # boundary grid side
    max_neuron_resolution: int = 50
    grid_extent: float = 6.0  # the boundary covers [−extent, extent]²

    # --- work one request may do (beyond this the caller is asked to split it)
    max_updates_per_request: int = 200_000
    max_epochs_per_request: int = 20_000  # each epoch ends with an evaluation of both splits
    max_example_updates_per_request: int = 20_000_000  # updates × batch size
    # updates × parameters × batch size: the multiply-adds of the forward pass, a third of the work.
    # 1e10 is ~15–30 s of one core here; the heaviest request the other bounds allowed (8 × 64 units,
    # 1,800 points, full batch) was ~15 CPU-minutes, holding its session (and a worker thread) as long
    max_work_per_request: int = 10_000_000_000
    # a step is trained in ~20 ms slices (app.api.work) on this many threads of its own, at a lower OS
    # priority, never on the pool that serves the plain routes: heavy requests queue there, everything
    # else goes on (1: on a 2-core machine one core stays for the rest)
    heavy_threads: int = 1
    max_history: int = 100_000  # epochs kept

    # --- slow clients (app.slow_clients): how long a connection may take before it is closed. Each
    # timeout counts from when the server starts waiting for that part; 0 turns the head and body ones off
    header_timeout_s: float = 10.0  # connecting (or a keep-alive request's first byte) to the end of its head
    body_timeout_s: float = 30.0  # the head to the last byte of the body; never a response or a stream
    keep_alive_s: float = 5.0  # an idle connection between two requests (uvicorn's keep-alive timeout)
    max_connections: int = 0  # beyond this many open connections a request gets a 503; 0: no cap

    # --- the live stream
    max_fps: float = 60.0
    stream_stall_s: float = 30.0  # a viewer whose connection takes nothing for this long is dropped
    max_epochs_per_second: float = 10_000.0

    # --- more than one process (app.cluster): set by `nn-playground --workers N` for its workers
    worker: str = ""  # this worker's name, the prefix of its ids ("w0", "w1", …); "" for one process
    front_sockets: str = ""  # the front's: "w0=/path/w0.sock,w1=…" (set by the command, not by hand)
    # a web process of a Ray cluster (`nn-playground --ray …`, app.cluster.ray_hosts)
    ray: str = ""  # the cluster's address, "auto" (the one started on this machine), or "local" (a private one)
    ray_hosts: int = 0  # session hosts h0…h{n-1} to find or start; 0: one per CPU of the cluster
    ray_temp_dir: str = ""  # the node to join when several share this machine (their --temp-dir); rarely needed

    # --- embedding (issue 5)
    frame_ancestors: str = "*"  # CSP frame-ancestors for /embed; the rest is same-origin
    root_path: str = ""


@lru_cache
def get_settings() -> Settings:
    return Settings()


# Limits baked into the request schemas when the app is imported (they are part of the OpenAPI
# document); create_app() refuses Settings that differ in them rather than advertise one limit
# and enforce another. Set them with NNP_* variables before start-up.
SCHEMA_LIMITS = ("max_layers", "max_units", "max_classes", "min_samples", "max_samples", "max_custom_points",
                 "max_csv_bytes", "max_predict_points", "max_resolution", "max_neuron_resolution", "grid_extent")
