"""Clocks: the real one and an injectable fake one for tests.

A clock has ``monotonic()`` (seconds, for the leaky bucket and token expiry)
and ``sleep(seconds)``.  The simulator derives its wall-clock timestamps
(``createdAt``/``updatedAt``) from a fixed start instant plus the clock's
elapsed monotonic time, so a fake clock also drives timestamps.
"""

import threading
import time


class RealClock:
    """Wall time: ``time.monotonic`` and ``time.sleep``."""

    def monotonic(self):
        return time.monotonic()

    def sleep(self, seconds):
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to (``advance``); ``sleep`` advances it."""

    def __init__(self, start=1000.0):
        self._now = float(start)
        self._lock = threading.Lock()

    def monotonic(self):
        with self._lock:
            return self._now

    def advance(self, seconds):
        with self._lock:
            self._now += float(seconds)
            return self._now

    def sleep(self, seconds):
        if seconds > 0:
            self.advance(seconds)
