"""Asked to stop (SIGTERM, Ctrl-C): stop training and save everything at once, and end the event streams.

uvicorn's graceful shutdown waits for every open connection to finish before it runs the app's
lifespan end, and an event stream never finishes by itself: with one follower watching, a SIGTERM
left the server running until something killed it, and the lifespan's last save never ran. So at
the first SIGTERM or SIGINT, in a thread of its own, the app stops its scheduler (every playing
session is paused), writes every session not yet written (app.training.persist: a kill after this
loses nothing) and wakes every open stream, which then ends quietly: no `gone` event, so a
follower's EventSource reconnects by itself, to the same link, once the server is back. uvicorn's
own handler runs too, and its shutdown goes on as before, now without waiting for the streams.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGTERM, signal.SIGINT)
_requested = threading.Event()  # the process was asked to stop: read by every open event stream


def requested() -> bool:
    return _requested.is_set()


def install(app: Any) -> Callable[[], None]:
    """Handle the first SIGTERM/SIGINT as above, then call the handler that was there (uvicorn's);
    returns what puts that handler back. Signals are handled in the main thread only: an app whose
    lifespan runs elsewhere (a test client's thread, a Ray actor) installs nothing."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}

    def handler(signum: int, frame: FrameType | None) -> None:
        if not _requested.is_set():
            _requested.set()
            # no lock may be taken in a signal handler (the interrupted code may hold it): the loop
            # starts the thread, as soon as this handler returns
            loop.call_soon_threadsafe(lambda: threading.Thread(target=stop, args=(app,), name="stopping").start())
        before = previous[signal.Signals(signum)]
        if callable(before):
            before(signum, frame)
        elif before == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    for sig in SIGNALS:
        signal.signal(sig, handler)

    def uninstall() -> None:
        for sig, before in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, before)

    return uninstall


def stop(app: Any) -> None:
    """Stop training, write everything, end the streams (they read `requested()` when woken)."""
    state = app.state
    state.scheduler.stop_all()
    for target in [*state.store.values(), *state.comparisons.values()]:
        target.audience.beacon.fire()
    if state.persist is not None:
        state.persist.flush()
