"""The lines of a stock push: one mapped variant at one location, the push's
settings and result, and what a read from Shopify tells about a line.

Why a line was skipped or failed is a code (``StockLine.reason``) with its
parameters (``StockLine.reason_args``: Shopify's own text under ``errors``,
the error that stopped the push under ``error``); the model layer words each
code for the merchant, in the merchant's language.
"""

from dataclasses import dataclass, field

from .stock_documents import MAX_QUANTITIES_PER_CALL
from .stock_formula import target_quantity, unimported_committed

STALE = "CHANGE_FROM_QUANTITY_STALE"
MAX_STALE_ROUNDS = 3

# Item states at a location.
STOCKED = "stocked"
NOT_STOCKED = "not_stocked"
UNTRACKED = "untracked"

# Outcome of one line.
PUSHED = "pushed"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
FAILED = "failed"

# Reasons of a skipped or failed line.
UNKNOWN_ITEM = "unknown_item"  # Shopify does not know the inventory item
NOT_TRACKED = "not_tracked"  # inventory not tracked (and not to be switched on)
NOT_STOCKED_HERE = "not_stocked_here"  # not stocked at the location (not to be stocked)
STILL_NOT_STOCKED = "still_not_stocked"  # not stocked after activating it
NO_LONGER_STOCKED = "no_longer_stocked"  # found unstocked when re-read after a stale answer
NO_LONGER_TRACKED = "no_longer_tracked"  # found untracked or unknown when re-read
NO_LONGER_STOCKED_TRACKED = "no_longer_stocked_tracked"  # before the correction by difference
TRACK_REFUSED = "track_refused"  # errors: Shopify's text
ACTIVATE_REFUSED = "activate_refused"  # errors: Shopify's text
BATCH_REFUSED = "batch_refused"  # errors: Shopify's text about the whole call
LINE_REFUSED = "line_refused"  # errors: Shopify's text about this quantity
ADJUST_REFUSED = "adjust_refused"  # errors: Shopify's text about the correction
NOT_SENT = "not_sent"  # error: the ShopifyError that stopped the push
REASONS = frozenset(
    {
        UNKNOWN_ITEM,
        NOT_TRACKED,
        NOT_STOCKED_HERE,
        STILL_NOT_STOCKED,
        NO_LONGER_STOCKED,
        NO_LONGER_TRACKED,
        NO_LONGER_STOCKED_TRACKED,
        TRACK_REFUSED,
        ACTIVATE_REFUSED,
        BATCH_REFUSED,
        LINE_REFUSED,
        ADJUST_REFUSED,
        NOT_SENT,
    }
)


def shopify_messages(errors):
    """Shopify's userErrors as one text, as Shopify wrote them."""
    return "; ".join(str(error.get("message")) for error in errors)


@dataclass
class StockLine:
    """One mapped variant to publish at one location.

    Inputs: ``free`` from Odoo and ``orders``, ``(shopify_committed,
    odoo_reserved)`` per imported order (see :func:`unimported_committed`);
    ``available``, ``committed``, ``state`` (STOCKED, NOT_STOCKED, UNTRACKED or
    None when unknown) as last known from Shopify; ``last_pushed``: the
    quantity Shopify was last told; ``repair``: left unknown by an earlier run
    (written first).  Outputs: ``target``, ``outcome``, ``reason`` (a code of
    :data:`REASONS`) with ``reason_args``, ``adjusted`` (corrected by
    difference after the stale rounds) and the updated facts.
    """

    key: object
    item_gid: str
    free: float = 0.0
    orders: tuple = ()
    sku: str = ""
    available: int = None
    committed: int = None
    state: str = None
    last_pushed: int = None
    target: int = None
    outcome: str = None
    reason: str = None
    reason_args: dict = field(default_factory=dict)
    read: bool = False  # read from Shopify in this run
    pushed: bool = False  # written in this run
    repair: bool = False
    adjusted: bool = False

    @property
    def reference(self):
        return self.sku or self.item_gid

    def settle(self, outcome, reason=None, **reason_args):
        """End the line with ``outcome``, and why (a code and its parameters)."""
        self.outcome, self.reason, self.reason_args = outcome, reason, reason_args


@dataclass
class PushSettings:
    location_gid: str
    mode: str = "changed"  # or "all"
    buffer_units: float = 0.0
    buffer_percent: float = 0.0
    activate_unstocked: bool = False
    track_untracked: bool = False
    reference_uri: str = None
    key_parts: tuple = ()  # e.g. ("stock", shop id, run id): names the work
    max_stale_rounds: int = MAX_STALE_ROUNDS
    batch_size: int = MAX_QUANTITIES_PER_CALL


@dataclass
class PushResult:
    lines: list
    calls: dict = field(default_factory=lambda: {"set": 0, "read": 0, "activate": 0, "track": 0})
    error: Exception = None  # a Shopify error that stopped the push

    def count(self, outcome):
        return sum(1 for line in self.lines if line.outcome == outcome)


def compute_target(line, settings):
    line.target = target_quantity(
        line.free,
        line.committed or 0,
        line.orders,
        settings.buffer_units,
        settings.buffer_percent,
    )
    return line.target


def needs_read(line):
    """True when the line's Shopify facts must be read before pushing."""
    if line.read:
        return False
    if line.available is None or line.state is None:
        return True
    return unimported_committed(line.committed, line.orders) > 0


def apply_read(line, state):
    line.read = True
    if state is None:
        line.state = None
        return
    line.available = state["available"]
    line.committed = state["committed"]
    if state.get("stocked", True) is False:
        line.state = NOT_STOCKED
    elif not state.get("tracked", True):
        line.state = UNTRACKED
    else:
        line.state = STOCKED
