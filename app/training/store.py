"""The bounded session store: at most `max_sessions`, idle ones expire, the oldest idle goes first."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from app.config import Settings

from .session import Session, Status

SUCCESSORS_KEPT = 1000


class StoreFull(Exception):
    """Every session is running: none may be evicted (reported as 503)."""


class SessionNotFound(KeyError):
    pass


class ClientShareFull(Exception):
    """A client is at its share of something and none of its own may make room (reported as 429,
    saying what the client can do about it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class SessionStore:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self._sessions: OrderedDict[str, Session] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()
        self.on_evict: list[Callable[[Session], None]] = []  # e.g. stop its training
        self.on_add: list[Callable[[Session], None]] = []  # e.g. keep it (app.training.persist)
        self.successors: OrderedDict[str, str] = OrderedDict()  # deleted id -> the session that replaced it

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._sessions

    def values(self) -> list[Session]:
        """A snapshot of the sessions held (for counters; no lock of theirs is taken)."""
        with self._lock:
            return list(self._sessions.values())

    def new_id(self) -> str:
        """A fresh id; a worker of a multi-process server puts its name first (`w1.Xy…`), so the
        front finds the owner from the id alone."""
        token = secrets.token_urlsafe(9)
        return f"{self.settings.worker}.{token}" if self.settings.worker else token

    def oldest_idle(self) -> float | None:
        """How long the session that eviction would take next has been unused (None: none may go)."""
        with self._lock:
            victim = next((s for s in self._sessions.values() if self._evictable(s)), None)
            return None if victim is None else self.clock() - victim.last_used

    def evict_oldest(self) -> bool:
        """Drop the least recently used idle session (for a server-wide limit); False if none may go."""
        with self._lock:
            try:
                self._evict_one()
            except StoreFull:
                return False
            return True

    def add(self, make: Callable[[str], Session], client: str | None = None) -> Session:
        """Build a session with a fresh id and keep it, making room first if needed: past its
        client's share, that client's own least recently used idle session goes (never another
        client's); past the store's limit, anyone's."""
        session = make(self.new_id())
        session.clock = self.clock
        session.last_used = session.last_seen = self.clock()
        session.client = client
        share = self.settings.max_sessions_per_client
        with self._lock:
            self._expire()
            if client is not None and share:
                mine = [s for s in self._sessions.values() if s.client == client]
                if len(mine) >= share:
                    self._evict_one(mine, ClientShareFull(
                        "sessions", f"you have {len(mine)} sessions training or in comparisons, the most one "
                        "client may hold: pause or close some (other tabs?)"))
            if len(self._sessions) >= self.settings.max_sessions:
                self._evict_one()
            self._sessions[session.id] = session
        for hook in self.on_add:
            hook(session)
        return session

    def adopt(self, session: Session) -> bool:
        """Keep a session made elsewhere under its own id (restored at start-up), after those held;
        False (not kept) when the store is full or holds that id. No hook runs."""
        session.clock = self.clock
        session.last_used = session.last_seen = self.clock()
        with self._lock:
            if len(self._sessions) >= self.settings.max_sessions or session.id in self._sessions:
                return False
            self._sessions[session.id] = session
        return True

    def get(self, session_id: str) -> Session:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                raise SessionNotFound(session_id)
            self._sessions.move_to_end(session_id)
        session.touch()
        session.last_seen = self.clock()
        return session

    def delete(self, session_id: str, successor: str | None = None) -> Session:
        """Drop a session; with a successor (the page that owned it moved on to a new session),
        remember where it went so its followers can move along."""
        with self._lock:
            session = self._sessions.pop(session_id, None)
            if session is not None and successor is not None and successor in self._sessions:
                self.successors[session_id] = successor
                while len(self.successors) > SUCCESSORS_KEPT:
                    self.successors.popitem(last=False)
        if session is None:
            raise SessionNotFound(session_id)
        self._notify(session)
        return session

    def successor_of(self, session_id: str) -> str | None:
        """The live session a deleted one was replaced by, following the chain."""
        seen = set()
        while session_id in self.successors and session_id not in seen:
            seen.add(session_id)
            session_id = self.successors[session_id]
            if session_id in self._sessions:
                return session_id
        return None

    def _expire(self) -> None:
        now = self.clock()
        for sid, s in list(self._sessions.items()):
            idle = now - s.last_used > self.settings.idle_timeout_s
            if idle and self._evictable(s):
                self._notify(self._sessions.pop(sid))

    @staticmethod
    def _evictable(s: Session) -> bool:
        return s.status is not Status.RUNNING and s.owner is None  # a comparison's variants go with it

    def _evict_one(self, among: list[Session] | None = None, full: Exception | None = None) -> None:
        for s in (self._sessions.values() if among is None else among):  # oldest use first
            if self._evictable(s):
                self._notify(self._sessions.pop(s.id))
                return
        raise full or StoreFull(f"all {self.settings.max_sessions} sessions of this server are running; try "
                                "again in a minute (an unwatched one pauses itself), or pause or delete one")

    def _notify(self, session: Session) -> None:
        session.closed = True  # before the hooks: a play racing this delete finds it closed
        session.audience.beacon.fire()  # its viewers hear that it is gone
        for hook in self.on_evict:
            hook(session)

    def clear(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for s in sessions:
            self._notify(s)
