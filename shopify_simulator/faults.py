"""Fault injection for GraphQL calls, configured per run.

Kinds: ``"500"``, ``"502"``, ``"503"``, ``"504"`` (HTTP 5xx), ``"429"`` (HTTP 429 with
``Retry-After``), ``"throttled"`` (HTTP 200 with a THROTTLED error, nothing
executed), ``"drop"`` (the socket is closed without an answer) and
``"latency"`` / ``"latency:<seconds>"`` (the call is delayed, then answered
normally).  A constant added latency can be set with ``latency=``.

Faults fire at given rates (a seeded RNG, so runs repeat) or on given call
numbers, counted from 1 since the faults were last configured, optionally
only for calls whose operation name or a root field equals ``only`` (other
calls are neither counted nor faulted).
"""

import random
import threading

KINDS = ("500", "502", "503", "504", "429", "throttled", "drop", "latency")


class Fault:
    __slots__ = ("kind", "seconds")

    def __init__(self, kind, seconds=0.0):
        self.kind = kind
        self.seconds = seconds

    def __repr__(self):
        return f"<Fault {self.kind}>"


def _parse(kind):
    kind = str(kind)
    if kind.startswith("latency"):
        seconds = float(kind.split(":", 1)[1]) if ":" in kind else 1.0
        return Fault("latency", seconds)
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
    return Fault(kind)


class Faults:
    """The fault plan of one simulator (thread-safe)."""

    def __init__(self, seed=0):
        self._lock = threading.Lock()
        self._seed = seed
        self.clear()

    def clear(self):
        with self._lock:
            self.rates = {}
            self.calls = {}
            self.latency = 0.0
            self.only = None
            self.retry_after = 1.0
            self.count = 0
            self.rng = random.Random(self._seed)

    def configure(
        self, rates=None, calls=None, latency=None, only=None, retry_after=None, seed=None
    ):
        """Replace the plan; the call count restarts at 0."""
        for kind in list((rates or {}).keys()) + list((calls or {}).values()):
            _parse(kind)
        with self._lock:
            self.rates = {str(k): float(v) for k, v in (rates or {}).items()}
            self.calls = {int(k): str(v) for k, v in (calls or {}).items()}
            self.latency = float(latency or 0.0)
            self.only = only
            if retry_after is not None:
                self.retry_after = float(retry_after)
            self.count = 0
            self.rng = random.Random(self._seed if seed is None else seed)
        return self

    def on_calls(self, calls, only=None):
        """E.g. ``on_calls({3: "500", 5: "drop"})``: fault the 3rd and 5th call."""
        return self.configure(
            rates=self.rates,
            calls=calls,
            latency=self.latency,
            only=only if only is not None else self.only,
        )

    def set_rates(self, rates, only=None):
        """E.g. ``set_rates({"500": 0.1, "drop": 0.05})``."""
        return self.configure(
            rates=rates,
            calls=self.calls,
            latency=self.latency,
            only=only if only is not None else self.only,
        )

    def set_latency(self, seconds, only=None):
        return self.configure(
            rates=self.rates,
            calls=self.calls,
            latency=seconds,
            only=only if only is not None else self.only,
        )

    def describe(self):
        with self._lock:
            return {
                "rates": dict(self.rates),
                "calls": dict(self.calls),
                "latency": self.latency,
                "only": self.only,
                "retry_after": self.retry_after,
                "count": self.count,
            }

    def decide(self, names):
        """Count one call (``names``: operation name and root fields); return a Fault or None,
        and the constant latency to add."""
        with self._lock:
            if self.only is not None and self.only not in names:
                return None, 0.0
            if not self.rates and not self.calls and not self.latency:
                return None, 0.0
            self.count += 1
            kind = self.calls.get(self.count)
            if kind is None:
                for candidate, rate in self.rates.items():
                    if self.rng.random() < rate:
                        kind = candidate
                        break
            return (_parse(kind) if kind else None), self.latency
