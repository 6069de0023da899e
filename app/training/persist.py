"""Sessions survive a restart: every session and comparison is kept in an SQLite file, restored at start-up.

Where: the setting `state_path` (NNP_STATE_PATH; default `.nnp/state.sqlite` under the working
directory, created if missing; "" keeps nothing). A worker of `nn-playground --workers N` keeps its
own file, the worker's name before the suffix (`state.w0.sqlite`, …): its ids carry that name, so
only it can serve them, and a worker restarted on its file gets its sessions back. One process uses
a file at a time (an advisory lock next to it); a second server on the same file refuses to start.

What (stdlib `sqlite3`, WAL, synchronous=NORMAL): one row per session — its config (JSON), its
scalars (JSON: status, counters, both generators' states, metrics…), its arrays (raw bytes, the
manifest in the scalars: app.training.snapshot) and its history in parts (a playing session appends
the epochs since its last write instead of writing its whole curve again; after MAX_PARTS parts,
or when the history is thinned or cleared, it is written whole). One row per comparison (config,
labels, its variants' ids), written in one transaction with its variants, captured together under
their locks, so they come back at one step. The successors of replaced sessions (where a follower's
link leads). A session's owner-token digest is one of its scalars; a comparison's is in the `meta`
JSON column of its row (the sessions' `meta` column is unused room).

When. One saver thread writes; nothing is written on the event loop or by the thread that trains,
and no lock is held while encoding or writing: a snapshot is copied under the session's lock
(microseconds; the history only from the rows not yet written), JSON and SQLite come after.
- A REST change (create, fork, step, PATCH, reset, weights, play, pause, …) reaches the saver through
  the session's `on_state_change` (training=False): written within ~SETTLE_S, so that a burst (a
  slider dragged) is one write.
- A training turn of a playing session (training=True): written at most every `save_interval_s`
  (NNP_SAVE_INTERVAL_S, 2 s): a crash (kill -9, power) loses at most that much training. Writing
  every turn (30 a second per session) would cost more than the training.
- Delete, eviction, expiry: the row goes with the next write (at once).
- Graceful shutdown: the app's lifespan end (after the scheduler has stopped, so every session is
  paused) writes everything not yet written; SIGTERM/SIGINT first stop training and write everything
  at once (app.shutdown), so nothing is lost even if the server is killed while its last
  connections close.
A target whose lock is held (a long REST step) is not waited for: it is tried again shortly.

Restore (start-up, `start()`): every row back into the stores (a session that was playing comes
back paused; its idle time goes on from where it was, the time the server was down not counted),
the least recently saved first, within the stores' limits (the most recently saved are kept); a row
that cannot be restored (another format, a config the limits now refuse) is logged and dropped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from app.config import Settings

from . import snapshot
from .comparison import Comparison, ComparisonStore
from .session import Session
from .spec import SessionConfig
from .store import SUCCESSORS_KEPT, SessionStore

SETTLE_S = 0.02  # after a REST change, wait this long for more before writing
RETRY_S = 0.1  # a target whose lock was busy is tried again after this long
BUSY_WAIT_S = 0.05  # how long a capture waits for a lock before putting the target off
MAX_PARTS = 64  # history parts of a session before it is written whole again

log = logging.getLogger("nn_playground.persist")

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    config TEXT,                   -- the session config (JSON)
    state TEXT NOT NULL,           -- the scalars (JSON), with the manifest of `arrays`
    arrays BLOB NOT NULL,          -- the arrays' raw bytes, one after another
    step INTEGER NOT NULL,         -- updates taken (for people reading the file)
    saved_at REAL NOT NULL,        -- Unix time of the last write
    meta TEXT NOT NULL DEFAULT '{}'  -- room for what other features attach (unused)
);
CREATE TABLE IF NOT EXISTS history (
    session_id TEXT NOT NULL,
    part INTEGER NOT NULL,         -- 0: from the first row; then appended rows, in order
    data TEXT NOT NULL,            -- {"stride", "start", "length", "cols"} (JSON)
    PRIMARY KEY (session_id, part)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS comparisons (
    id TEXT PRIMARY KEY,
    config TEXT NOT NULL,          -- the comparison config (JSON)
    labels TEXT NOT NULL,          -- JSON list
    sessions TEXT NOT NULL,        -- the variants' ids (JSON list), rows of `sessions`
    saved_at REAL NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}'  -- {"owner_key": the digest of its owner token}
);
CREATE TABLE IF NOT EXISTS successors (
    id TEXT PRIMARY KEY,           -- a deleted session
    successor TEXT NOT NULL        -- the session that replaced it
);
"""


def state_file(settings: Settings) -> Path | None:
    """This process's database, or None when nothing is kept."""
    if not settings.state_path:
        return None
    path = Path(settings.state_path).expanduser()
    if settings.worker:
        path = path.with_name(f"{path.stem}.{settings.worker}{path.suffix}")
    return path.absolute()


class StateFileBusy(RuntimeError):
    """Another server process uses this state file."""


# ---------------------------------------------------------------- the database


@dataclass
class SessionRow:
    id: str
    config: str | None  # None: unchanged since the last write
    state: str
    arrays: bytes
    step: int
    history: str | None  # None: no new rows
    part: int  # where `history` goes (0: the whole history, the other parts dropped)


@dataclass
class ComparisonRow:
    id: str
    config: str
    labels: str
    sessions: str
    meta: str  # {"owner_key": digest of its owner token}


@dataclass
class Loaded:
    sessions: list[tuple[str, str, str, bytes, float]]  # id, config, state, arrays, saved_at
    history: dict[str, list[str]]  # session id -> its parts, in order
    comparisons: list[tuple[str, str, str, str, float, str]]  # id, config, labels, sessions, saved_at, meta
    successors: list[tuple[str, str]]  # oldest first


class StateStore:
    """The SQLite file; one connection, used by one thread at a time (the caller serialises)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lockfile: IO[bytes] | None = open(f"{path}.lock", "ab")  # noqa: SIM115 (held while open)
        try:
            fcntl.flock(self._lockfile.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lockfile.close()
            raise StateFileBusy(f"another server keeps its sessions in {path}: give this one another "
                                "file (NNP_STATE_PATH), or \"\" to keep nothing") from None
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)

    def write(self, sessions: list[SessionRow], comparisons: list[ComparisonRow],
              deleted: list[tuple[str, str]], successors: list[tuple[str, str]]) -> None:
        """One transaction: the rows written, then the deletions (a row deleted after its last write)."""
        now = time.time()
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for r in sessions:
                db.execute("INSERT INTO sessions (id, config, state, arrays, step, saved_at) VALUES (?, ?, ?, ?, ?, ?) "
                           "ON CONFLICT (id) DO UPDATE SET config = coalesce(excluded.config, config), "
                           "state = excluded.state, arrays = excluded.arrays, step = excluded.step, "
                           "saved_at = excluded.saved_at", (r.id, r.config, r.state, r.arrays, r.step, now))
                if r.part == 0:
                    db.execute("DELETE FROM history WHERE session_id = ?", (r.id,))
                if r.history is not None:
                    db.execute("INSERT OR REPLACE INTO history (session_id, part, data) VALUES (?, ?, ?)",
                               (r.id, r.part, r.history))
            for c in comparisons:
                db.execute("INSERT INTO comparisons (id, config, labels, sessions, saved_at, meta) "
                           "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at",
                           (c.id, c.config, c.labels, c.sessions, now, c.meta))
            for kind, key in deleted:
                if kind == "session":
                    db.execute("DELETE FROM sessions WHERE id = ?", (key,))
                    db.execute("DELETE FROM history WHERE session_id = ?", (key,))
                else:
                    db.execute("DELETE FROM comparisons WHERE id = ?", (key,))
            for key, successor in successors:
                db.execute("INSERT OR REPLACE INTO successors (id, successor) VALUES (?, ?)", (key, successor))
            if successors:
                db.execute("DELETE FROM successors WHERE rowid NOT IN "
                           "(SELECT rowid FROM successors ORDER BY rowid DESC LIMIT ?)", (SUCCESSORS_KEPT,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def load(self) -> Loaded:
        db = self.db
        history: dict[str, list[str]] = {}
        for sid, _, data in db.execute("SELECT session_id, part, data FROM history ORDER BY session_id, part"):
            history.setdefault(sid, []).append(data)
        return Loaded(
            sessions=db.execute("SELECT id, config, state, arrays, saved_at FROM sessions").fetchall(),
            history=history,
            comparisons=db.execute("SELECT id, config, labels, sessions, saved_at, meta FROM comparisons").fetchall(),
            successors=db.execute("SELECT id, successor FROM successors ORDER BY rowid").fetchall())

    def close(self) -> None:
        self.db.close()
        if self._lockfile is not None:
            self._lockfile.close()  # releases the lock
            self._lockfile = None


# ---------------------------------------------------------------- the saver


@dataclass
class Counters:
    """What the saver did (for /healthz and the tests: they wait on these, not on the clock)."""

    writes: int = 0  # transactions
    sessions: int = 0  # session rows written (a comparison's variants included)
    comparisons: int = 0  # comparison rows written
    deleted: int = 0  # rows deleted
    put_off: int = 0  # captures put off: the target's lock was held (a long REST step)
    errors: int = 0  # writes that failed (logged; the targets are written again later)
    restored: int = 0  # sessions restored at start-up (a comparison's variants included)
    dropped: int = 0  # rows not restored: unreadable, or beyond the stores' limits


@dataclass
class _Written:
    """What the database holds of a session."""

    rewrites: int  # its History's counter when last written
    rows: int  # history rows written
    parts: int  # history parts
    config: SessionConfig  # the config object last written (a config is replaced, never changed)


@dataclass(eq=False)
class _Restored:
    session: Session
    saved_at: float
    idle_s: float
    written: _Written
    used: bool = field(default=False)


class Persistence:
    """The sessions and comparisons of one app, kept in a `StateStore`."""

    def __init__(self, path: Path, settings: Settings, store: SessionStore, comparisons: ComparisonStore) -> None:
        self.path, self.settings = path, settings
        self.store, self.comparisons = store, comparisons
        self.interval = settings.save_interval_s
        self.counters = Counters()
        self.db: StateStore | None = None
        self._cond = threading.Condition()  # guards everything below but _written
        self._dirty: dict[str, bool] = {}  # session or comparison id -> urgent (a REST change)
        self._last: dict[str, float] = {}  # id -> monotonic time of its last write (or due time - interval)
        self._sessions: dict[str, Session] = {}
        self._comparisons: dict[str, Comparison] = {}
        self._deleted: list[tuple[str, str]] = []
        self._successors: list[tuple[str, str]] = []
        self._stopping = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._round_lock = threading.Lock()  # one round at a time: the connection, and _written
        self._written: dict[str, _Written] = {}

    # ------------------------------------------------------------ start and stop

    def start(self) -> None:
        """Open the file, restore what it holds, then follow every change."""
        self.db = StateStore(self.path)
        self._restore()
        self.store.on_add.append(self.attach)
        self.store.on_evict.append(self.forget)
        self.comparisons.on_add.append(self.attach_comparison)
        self.comparisons.on_remove.append(self.forget_comparison)
        self._thread = threading.Thread(target=self._run, name="saver", daemon=True)
        self._thread.start()

    def flush(self) -> None:
        """Write everything not yet written, now, waiting for busy locks (graceful shutdown)."""
        if self.db is not None:
            self._round(force=True, timeout=-1)

    def close(self) -> None:
        """Write everything, stop the saver, close the file. Changes after this are not kept."""
        if self.db is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        self.flush()
        with self._cond:
            self._closed = True
        with self._round_lock:
            self.db.close()
            self.db = None

    # ------------------------------------------------------------ hooks (any thread)

    def attach(self, s: Session) -> None:
        """A session entered the store (created, forked, a comparison's variant): keep it."""
        s.on_state_change = self._changed
        with self._cond:
            self._sessions[s.id] = s
        self._mark(s.owner or s.id, True)  # a variant is written with its comparison

    def _changed(self, s: Session, training: bool) -> None:
        self._mark(s.owner or s.id, not (training and s.running))

    def _mark(self, key: str, urgent: bool) -> None:
        with self._cond:
            if self._closed:
                return
            was = self._dirty.get(key)
            self._dirty[key] = urgent or bool(was)
            if was is None or (urgent and not was):  # newly dirty, or newly urgent: the saver's wait changes
                self._cond.notify()

    def forget(self, s: Session) -> None:
        """A session left the store (deleted, evicted, expired): its row goes."""
        s.on_state_change = None
        successor = self.store.successors.get(s.id)
        with self._cond:
            self._sessions.pop(s.id, None)
            self._dirty.pop(s.id, None)
            self._last.pop(s.id, None)
            self._deleted.append(("session", s.id))
            if successor is not None:
                self._successors.append((s.id, successor))
            self._cond.notify()

    def attach_comparison(self, c: Comparison) -> None:
        with self._cond:
            self._comparisons[c.id] = c
        self._mark(c.id, True)

    def forget_comparison(self, c: Comparison) -> None:
        with self._cond:
            self._comparisons.pop(c.id, None)
            self._dirty.pop(c.id, None)
            self._last.pop(c.id, None)
            self._deleted.append(("comparison", c.id))
            self._cond.notify()

    # ------------------------------------------------------------ the saver thread

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    wait = self._next_wait(time.monotonic())
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait)
                if self._stopping:
                    return
                urgent = self._deleted or any(self._dirty.values())
            if urgent:
                time.sleep(SETTLE_S)  # a burst of REST changes (a slider dragged) is one write
            try:
                self._round(force=False, timeout=BUSY_WAIT_S)
            except Exception:  # never let the saver die: log, count, try again later
                log.exception("saving sessions failed")
                time.sleep(RETRY_S)

    def _next_wait(self, now: float) -> float | None:
        """Seconds until something is due (0: now), None: nothing is."""
        if self._deleted or self._successors:
            return 0.0
        due = None
        for key, urgent in self._dirty.items():
            if urgent:
                return 0.0
            at = self._last.get(key, -float("inf")) + self.interval
            due = at if due is None else min(due, at)
        return None if due is None else due - now

    def _round(self, force: bool, timeout: float) -> None:
        """Capture what is due, write it and the deletions in one transaction."""
        with self._round_lock:
            db = self.db
            if db is None:
                return
            now = time.monotonic()
            with self._cond:
                due = {k: u for k, u in self._dirty.items()
                       if force or u or now - self._last.get(k, -float("inf")) >= self.interval}
                for k in due:
                    del self._dirty[k]
                targets = {k: self._comparisons.get(k) or self._sessions.get(k) for k in due}
            rows, comparison_rows, put_off, written = [], [], [], []
            for key, target in targets.items():
                if target is None or target.closed:
                    continue  # gone (its deletion is queued), or a comparison not in its store yet
                states = self._capture(target, timeout)
                if states is None:
                    put_off.append(key)
                    continue
                if isinstance(target, Comparison):
                    comparison_rows.append(ComparisonRow(
                        target.id, snapshot.dumps(target.config.model_dump(mode="json")),
                        snapshot.dumps(list(target.labels)), snapshot.dumps([s.id for s in target.sessions]),
                        snapshot.dumps({"owner_key": target.owner_key})))
                for state in states:
                    row, mark = self._encode(state)
                    rows.append(row)
                    written.append((state.id, mark))
            with self._cond:
                deleted, self._deleted = self._deleted, []
                successors, self._successors = self._successors, []
                for key in put_off:  # tried again in RETRY_S
                    self._dirty[key] = self._dirty.get(key, False)
                    self._last[key] = now - self.interval + RETRY_S
                    self.counters.put_off += 1
            if not (rows or comparison_rows or deleted or successors):
                return
            try:
                db.write(rows, comparison_rows, deleted, successors)
            except Exception:
                log.exception("writing %d sessions to %s failed", len(rows), self.path)
                with self._cond:
                    self.counters.errors += 1
                    for key in targets:  # written whole next time, in a while
                        self._dirty.setdefault(key, False)
                        self._last[key] = now
                    for sid, _ in written:
                        self._written.pop(sid, None)
                    self._deleted[:0], self._successors[:0] = deleted, successors
                return
            with self._cond:
                for sid, mark in written:
                    if sid in self._sessions:
                        self._written[sid] = mark
                for key in targets:
                    if key in self._sessions or key in self._comparisons:
                        self._last[key] = now
                for kind, key in deleted:
                    if kind == "session":
                        self._written.pop(key, None)
                c = self.counters
                c.writes += 1
                c.sessions += len(rows)
                c.comparisons += len(comparison_rows)
                c.deleted += len(deleted)

    def _capture(self, target: Session | Comparison, timeout: float) -> list[snapshot.SessionState] | None:
        """The target's states (a comparison's: every variant's, at one step); None if a lock was busy."""
        if isinstance(target, Comparison):
            known = {s.id: self._known(s.id) for s in target.sessions}
            state = snapshot.capture_comparison(target, {k: v for k, v in known.items() if v}, timeout)
            return None if state is None else state.variants
        if target.owner is not None:
            return []  # a variant: written with its comparison
        if not target.lock.acquire(timeout=timeout):
            return None
        try:
            return [snapshot.capture(target, known=self._known(target.id))]
        finally:
            target.lock.release()

    def _known(self, sid: str) -> tuple[int, int] | None:
        """The history rows the database holds of a session, if new rows may be appended to them."""
        w = self._written.get(sid)
        return None if w is None or w.parts >= MAX_PARTS else (w.rewrites, w.rows)

    def _encode(self, state: snapshot.SessionState) -> tuple[SessionRow, _Written]:
        w = self._written.get(state.id)
        config = None if w is not None and w.config is state.config else snapshot.encode_config(state.config)
        scalars, blob = snapshot.encode_state(state)
        h = state.history
        if h.start == 0 or w is None:
            part, parts = 0, 1
        else:
            part, parts = w.parts, w.parts + (1 if h.cols["epoch"] else 0)
        history = snapshot.encode_history(h) if part == 0 or h.cols["epoch"] else None
        return (SessionRow(state.id, config, scalars, blob, state.step, history, part),
                _Written(h.rewrites, h.length, parts, state.config))

    # ------------------------------------------------------------ restore

    def _restore(self) -> None:
        assert self.db is not None
        loaded = self.db.load()
        settings, dropped = self.settings, []
        restored: dict[str, _Restored] = {}
        for sid, config, scalars, blob, saved_at in loaded.sessions:
            parts = loaded.history.get(sid, [])
            try:
                state = snapshot.decode(sid, config, scalars, blob, parts)
                s = snapshot.restore_session(state, settings)
            except Exception as e:
                log.warning("session %s not restored: %s", sid, e)
                dropped.append(("session", sid))
                continue
            mark = _Written(0, len(s.history), len(parts), s.config)
            restored[sid] = _Restored(s, saved_at, float(state.scalars.get("idle_s", 0.0)), mark)
        room = settings.max_sessions
        kept_comparisons: list[tuple[Comparison, float]] = []
        for cid, config, labels, ids, saved_at, meta in sorted(loaded.comparisons, key=lambda r: -r[4]):
            variant_ids = json.loads(ids)
            variants = [restored.get(v) for v in variant_ids]
            c = None
            if None not in variants and len(kept_comparisons) < settings.max_comparisons \
                    and len(variant_ids) <= room:
                cstate = snapshot.ComparisonState(cid, json.loads(config), json.loads(labels), variant_ids)
                try:
                    c = snapshot.restore_comparison(cstate, [v.session for v in variants if v is not None])
                    c.owner_key = json.loads(meta).get("owner_key")
                except Exception as e:
                    log.warning("comparison %s not restored: %s", cid, e)
            if c is None:
                dropped.append(("comparison", cid))
                continue
            for v in variants:
                assert v is not None
                v.used, v.saved_at = True, saved_at
            room -= len(variant_ids)
            kept_comparisons.append((c, saved_at))
        alone = sorted((r for r in restored.values() if not r.used), key=lambda r: -r.saved_at)
        kept = [r for r in alone if r.session.owner is None][:max(0, room)]  # a variant without its comparison goes
        kept_ids = {r.session.id for r in kept}
        dropped += [("session", r.session.id) for r in alone if r.session.id not in kept_ids]
        keep = sorted([*kept, *(r for r in restored.values() if r.used)], key=lambda r: r.saved_at)
        for r in keep:  # the least recently saved first: the store evicts from the front
            s = r.session
            self.store.adopt(s)
            s.last_used = self.store.clock() - r.idle_s  # the time the server was down does not count
            s.on_state_change = self._changed
            self._sessions[s.id] = s
            self._written[s.id] = r.written
        for c, _ in sorted(kept_comparisons, key=lambda x: x[1]):
            self.comparisons.add(c)
            self._comparisons[c.id] = c
        for key, successor in loaded.successors:
            self.store.successors[key] = successor
        self.counters.restored, self.counters.dropped = len(keep), len(dropped)
        if dropped:
            self.db.write([], [], dropped, [])
        if keep or dropped:
            log.info("restored %d sessions and %d comparisons from %s (%d rows dropped)",
                     len(keep), len(kept_comparisons), self.path, len(dropped))


def for_app(settings: Settings, store: SessionStore, comparisons: ComparisonStore) -> Persistence | None:
    """The app's persistence (started and closed by its lifespan), or None when nothing is kept."""
    path = state_file(settings)
    return None if path is None else Persistence(path, settings, store, comparisons)


def drop_all(path: Path) -> None:
    """Remove a state file and its companions (for tests and tools)."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
