"""Shopify's cost-based leaky bucket, per shop.

Simulated: bucket size and restore rate per plan (Standard 2000/100 per
second, Advanced 4000/200, Plus 20000/1000, Enterprise 40000/2000, or any
custom values), the check of the *requested* cost before a query runs (a
query is refused as THROTTLED, and nothing executed, when fewer points are
available than it requests), and the refund of the difference between the
requested and the actual cost after it ran.  The bucket restores continuously
with the injected clock.

Not simulated: Shopify's separate limits per app and per IP, and the REST
call-count bucket.
"""

import threading

# plan -> (maximumAvailable, restoreRate)
PLANS = {
    "standard": (2000.0, 100.0),
    "advanced": (4000.0, 200.0),
    "plus": (20000.0, 1000.0),
    "enterprise": (40000.0, 2000.0),
}


class LeakyBucket:
    """A bucket of points that restores at ``restore_rate`` points per second."""

    def __init__(self, clock, maximum=2000.0, restore_rate=100.0):
        self.clock = clock
        self.maximum = float(maximum)
        self.restore_rate = float(restore_rate)
        self._available = self.maximum
        self._stamp = clock.monotonic()
        self._lock = threading.Lock()

    def _refill(self):
        now = self.clock.monotonic()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._available = min(self.maximum, self._available + elapsed * self.restore_rate)

    def take(self, points):
        """Take ``points`` if available; returns True, or False (throttled, nothing taken)."""
        with self._lock:
            self._refill()
            if self._available < points:
                return False
            self._available -= points
            return True

    def give_back(self, points):
        with self._lock:
            self._refill()
            self._available = min(self.maximum, self._available + max(0, points))

    def drain(self, points=None):
        """Empty the bucket (or remove ``points``); used by tests and fault injection."""
        with self._lock:
            self._refill()
            self._available = 0.0 if points is None else max(0.0, self._available - points)

    def status(self):
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": int(self._available),
                "restoreRate": self.restore_rate,
            }

    def configure(self, maximum=None, restore_rate=None):
        with self._lock:
            self._refill()
            if maximum is not None:
                self.maximum = float(maximum)
                self._available = min(self._available, self.maximum)
            if restore_rate is not None:
                self.restore_rate = float(restore_rate)
