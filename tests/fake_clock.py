"""A clock a test moves by hand, instead of sleeping until something is idle, expired or unattended.

`create_app(settings, clock=clock, threaded=False)` makes the session store, the comparisons and the
scheduler read it, and nothing trains until the test calls `app.state.scheduler.run_due()`: every
count is then exact, whatever else the machine is doing.
"""

from __future__ import annotations

from app.training.scheduler import TICK_S, Scheduler


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def run_for(clock: FakeClock, scheduler: Scheduler, seconds: float, step: float = TICK_S / 4,
            turns: int = 1_000_000) -> None:
    """Move the clock on by `seconds` in small steps, taking the turns that fall due at each (at
    most `turns` a step: a session playing at full speed is due again at once, every time)."""
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        scheduler.run_due(limit=turns)
