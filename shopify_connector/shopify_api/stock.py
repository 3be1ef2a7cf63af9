"""Stock: what Odoo publishes to a Shopify location, and how it is written.

Plain data in, plain data out.  The model layer computes, per mapped variant,
Odoo's free quantity over the source warehouses and the units Odoo has
reserved for the shop's own orders; this module

- computes the quantity to publish (:func:`target_quantity`),
- reads Shopify's quantities at a location, all of them in pages
  (:func:`read_location_levels`) or some items by ID (:func:`read_item_levels`),
- writes with compare-and-swap in batches of 250 (:func:`push_stock`).

Compare-and-swap against the last known value
---------------------------------------------
Every quantity is written with ``changeFromQuantity`` = the available
quantity Shopify last reported for that item: read in this run, or the
value Shopify accepted from the connector's own previous write (a successful
compare-and-swap proves Shopify held exactly that value).  Reading all levels
before every push would cost one call and about 750 points per 250 items,
which a shop with 100,000 variants cannot afford on every run; the
compare-and-swap makes the read unnecessary, because any change Shopify made
since (an order moving units from available to committed, a manual edit)
answers ``CHANGE_FROM_QUANTITY_STALE``.  The stale items are then read again
(with their committed units), recomputed and the batch resent, at most
``max_stale_rounds`` times.

Items are read before the push when their last known value is missing
(never read, new mapping, other location) or when their committed units
exceed what Odoo has reserved for the shop's orders: that difference is
subtracted from what is published, and must not be stale-high (fulfilled
since) or the item would stay under-published.
"""

import hashlib
import json
import math
from dataclasses import dataclass, field

from .documents import document
from .errors import ShopifyError
from .idempotency import idempotency_key

MAX_QUANTITIES_PER_CALL = 250
LEVELS_PAGE_SIZE = 250
QUANTITY_NAMES = ("available", "committed", "on_hand")
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

# 2 + 250 x (level + item + quantities) + location = 754 points.
LOCATION_LEVELS = document(
    "StockLocationLevels",
    """
    query StockLocationLevels($locationId: ID!, $first: Int!, $after: String) {
      location(id: $locationId) {
        inventoryLevels(first: $first, after: $after) {
          nodes {
            item { id tracked }
            quantities(names: ["available", "committed", "on_hand"]) { name quantity }
          }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
    """,
    {"first": LEVELS_PAGE_SIZE, "locationId": "gid://shopify/Location/1"},
)

ITEM_LEVELS = document(
    "StockItemLevels",
    """
    query StockItemLevels($ids: [ID!]!, $locationId: ID!) {
      nodes(ids: $ids) {
        ... on InventoryItem {
          id
          tracked
          inventoryLevel(locationId: $locationId) {
            quantities(names: ["available", "committed", "on_hand"]) { name quantity }
          }
        }
      }
    }
    """,
    {"ids": ["gid://shopify/InventoryItem/1"], "locationId": "gid://shopify/Location/1"},
)

SET_QUANTITIES = document(
    "StockSetQuantities",
    """
    mutation StockSetQuantities(
      $input: InventorySetQuantitiesInput!
      $idempotencyKey: String!
    ) {
      inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
        inventoryAdjustmentGroup { id }
        userErrors { field message code }
      }
    }
    """,
)

ACTIVATE = document(
    "StockActivate",
    """
    mutation StockActivate($inventoryItemId: ID!, $locationId: ID!, $idempotencyKey: String!) {
      inventoryActivate(inventoryItemId: $inventoryItemId, locationId: $locationId)
        @idempotent(key: $idempotencyKey) {
        inventoryLevel { id }
        userErrors { field message }
      }
    }
    """,
)

TRACK_ITEM = document(
    "StockTrackItem",
    """
    mutation StockTrackItem($id: ID!) {
      inventoryItemUpdate(id: $id, input: {tracked: true}) {
        inventoryItem { id tracked }
        userErrors { field message }
      }
    }
    """,
)


# -- the formula ----------------------------------------------------------------


def unreserved_committed(committed, reserved):
    """Units Shopify committed for orders Odoo has not reserved (never below 0)."""
    return max(0.0, float(committed or 0) - float(reserved or 0))


def target_quantity(free, committed=0, reserved=0, buffer_units=0.0, buffer_percent=0.0):
    """The quantity to publish: what Odoo can really deliver, never below 0.

    ``free``: on hand minus reserved over the source warehouses (may be
    negative); ``committed``: Shopify's committed units at the location;
    ``reserved``: units Odoo reserved for the shop's own orders of the product.
    A percentage buffer is taken from the free quantity; every fraction is
    rounded down (when in doubt, publish less).
    """
    free = float(free or 0)
    if buffer_percent and free > 0:
        free -= free * float(buffer_percent) / 100.0
    free -= float(buffer_units or 0)
    free -= unreserved_committed(committed, reserved)
    # 1e-9: 2.9999999 computed from float quantities is still 3.
    return max(0, math.floor(free + 1e-9))


# -- reading --------------------------------------------------------------------


def _quantities(level):
    values = dict.fromkeys(QUANTITY_NAMES, 0)
    for entry in (level or {}).get("quantities") or ():
        if entry.get("name") in values:
            values[entry["name"]] = int(entry.get("quantity") or 0)
    return values


def read_location_levels(client, location_gid):
    """Yield ``(item_gid, state)`` for every item stocked at the location.

    ``state``: ``{"available", "committed", "on_hand", "tracked"}``.
    """
    for node in client.paginate(
        LOCATION_LEVELS, {"locationId": location_gid}, ("location", "inventoryLevels")
    ):
        item = node.get("item") or {}
        if not item.get("id"):
            continue
        yield item["id"], dict(_quantities(node), tracked=bool(item.get("tracked")))


def read_item_levels(client, location_gid, item_gids):
    """The state of some items at the location, by item: a dict as in
    :func:`read_location_levels`, with ``"stocked": False`` for an item not
    stocked there, or None for an item Shopify does not know."""
    result = {}
    item_gids = list(dict.fromkeys(item_gids))
    for start in range(0, len(item_gids), MAX_QUANTITIES_PER_CALL):
        chunk = item_gids[start : start + MAX_QUANTITIES_PER_CALL]
        data = client.execute(ITEM_LEVELS, {"ids": chunk, "locationId": location_gid})
        for gid, node in zip(chunk, data.get("nodes") or (), strict=False):
            if not node or not node.get("id"):
                result[gid] = None
                continue
            level = node.get("inventoryLevel")
            state = dict(_quantities(level), tracked=bool(node.get("tracked")))
            state["stocked"] = level is not None
            result[node["id"]] = state
    return result


# -- pushing --------------------------------------------------------------------


@dataclass
class StockLine:
    """One mapped variant to publish at one location.

    Inputs: ``free`` and ``reserved`` from Odoo; ``available``, ``committed``,
    ``state`` (STOCKED, NOT_STOCKED, UNTRACKED or None when unknown) as last
    known from Shopify; ``last_pushed``: the quantity Shopify was last told.
    Outputs: ``target``, ``outcome``, ``reason``, and the updated Shopify facts.
    """

    key: object
    item_gid: str
    free: float = 0.0
    reserved: float = 0.0
    sku: str = ""
    available: int = None
    committed: int = None
    state: str = None
    last_pushed: int = None
    target: int = None
    outcome: str = None
    reason: str = None
    read: bool = False  # read from Shopify in this run
    pushed: bool = False  # written in this run

    @property
    def reference(self):
        return self.sku or self.item_gid


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
        line.reserved,
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
    return unreserved_committed(line.committed, line.reserved) > 0


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


def batch_key(settings, quantities, attempt=0):
    """The idempotency key of one call: the work (run...), the attempt and the content.

    Retrying the same call after a lost answer sends the same key, so Shopify
    applies it once; a batch resent after Shopify refused it (stale items
    recomputed, refused items left out) is new work with a new key, because
    Shopify answers a known key with the first outcome, the refusal.
    """
    content = json.dumps(
        [(q["inventoryItemId"], q["quantity"], q["changeFromQuantity"]) for q in quantities],
        separators=(",", ":"),
    )
    digest = hashlib.sha256(content.encode()).hexdigest()
    return idempotency_key(*settings.key_parts, settings.location_gid, attempt, digest)


def _error_index(error):
    path = error.get("field") or []
    if len(path) >= 3 and path[0] == "input" and path[1] == "quantities":
        try:
            return int(path[2])
        except (TypeError, ValueError):
            return None
    return None


def _not_stocked(error):
    return error.get("code") == "INVALID_LOCATION" and "not stocked" in str(
        error.get("message") or ""
    )


class StockPusher:
    """Push the lines of one location; see the module docstring."""

    def __init__(self, client, settings, on_batch=None):
        self.client = client
        self.settings = settings
        self.on_batch = on_batch  # called with the lines settled by each call
        self.result = None

    def run(self, lines):
        self.result = PushResult(lines=lines)
        try:
            self._read([line for line in lines if needs_read(line)])
            to_send = self._prepare(lines)
            if self.on_batch:
                self.on_batch([line for line in lines if line.outcome])
            size = self.settings.batch_size
            for start in range(0, len(to_send), size):
                batch = to_send[start : start + size]
                self._send(batch)
                if self.on_batch:
                    self.on_batch(batch)
        except ShopifyError as exc:
            self.result.error = exc
            unsettled = [line for line in lines if not line.outcome]
            for line in unsettled:
                line.outcome = FAILED
                line.reason = f"Not sent: {exc.message}"
            if self.on_batch and unsettled:
                self.on_batch(unsettled)
        return self.result

    # -- steps -------------------------------------------------------------

    def _read(self, lines):
        if not lines:
            return
        self.result.calls["read"] += math.ceil(len(lines) / MAX_QUANTITIES_PER_CALL)
        states = read_item_levels(
            self.client, self.settings.location_gid, [line.item_gid for line in lines]
        )
        for line in lines:
            apply_read(line, states.get(line.item_gid))

    def _prepare(self, lines):
        """Settle what needs no write; return the lines to send."""
        settings = self.settings
        to_send = []
        for line in lines:
            if line.state is None:
                line.outcome, line.reason = FAILED, "Shopify does not know this inventory item."
                continue
            if line.state == UNTRACKED:
                if not settings.track_untracked:
                    line.outcome = SKIPPED
                    line.reason = "Inventory is not tracked for this variant in Shopify."
                    continue
                if not self._track(line):
                    continue
            if line.state == NOT_STOCKED:
                if not settings.activate_unstocked:
                    line.outcome = SKIPPED
                    line.reason = "The variant is not stocked at the Shopify location."
                    continue
                if not self._activate(line):
                    continue
            compute_target(line, settings)
            if settings.mode != "all" and line.target == line.last_pushed:
                line.outcome = UNCHANGED
                continue
            to_send.append(line)
        return to_send

    def _track(self, line):
        self.result.calls["track"] += 1
        payload = self.client.mutate(
            TRACK_ITEM, {"id": line.item_gid}, "inventoryItemUpdate", raise_user_errors=False
        )
        errors = payload.get("userErrors") or []
        if errors:
            line.outcome = FAILED
            line.reason = "Shopify refused to track inventory: " + "; ".join(
                str(e.get("message")) for e in errors
            )
            return False
        line.state = STOCKED
        # Tracking changes what the level holds: read it again.
        self._reread([line])
        return line.state in (STOCKED, NOT_STOCKED)

    def _activate(self, line):
        self.result.calls["activate"] += 1
        settings = self.settings
        key = idempotency_key(
            *settings.key_parts, "activate", settings.location_gid, line.item_gid
        )
        payload = self.client.mutate(
            ACTIVATE,
            {
                "inventoryItemId": line.item_gid,
                "locationId": settings.location_gid,
                "idempotencyKey": key,
            },
            "inventoryActivate",
            raise_user_errors=False,
        )
        errors = payload.get("userErrors") or []
        if errors or not payload.get("inventoryLevel"):
            line.outcome = FAILED
            line.reason = "Shopify refused to stock the variant at the location: " + "; ".join(
                str(e.get("message")) for e in errors
            )
            return False
        self._reread([line])
        if line.state == UNTRACKED and not settings.track_untracked:
            line.outcome = SKIPPED
            line.reason = "Inventory is not tracked for this variant in Shopify."
            return False
        return line.state == STOCKED

    def _reread(self, lines):
        for line in lines:
            line.read = False
        self._read(lines)

    def _send(self, batch):
        settings = self.settings
        pending = list(batch)
        stale_rounds = attempt = 0
        activated = set()
        while pending:
            quantities = [
                {
                    "inventoryItemId": line.item_gid,
                    "locationId": settings.location_gid,
                    "quantity": line.target,
                    "changeFromQuantity": line.available,
                }
                for line in pending
            ]
            variables = {
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "quantities": quantities,
                },
                "idempotencyKey": batch_key(settings, quantities, attempt),
            }
            if settings.reference_uri:
                variables["input"]["referenceDocumentUri"] = settings.reference_uri
            self.result.calls["set"] += 1
            attempt += 1
            payload = self.client.mutate(
                SET_QUANTITIES, variables, "inventorySetQuantities", raise_user_errors=False
            )
            errors = payload.get("userErrors") or []
            if not errors:
                for line in pending:
                    line.available = line.target
                    line.last_pushed = line.target
                    line.pushed = True
                    line.outcome = PUSHED
                return
            stale, unplaced = [], []
            by_index = {}
            for error in errors:
                index = _error_index(error)
                if index is None or index >= len(pending):
                    unplaced.append(error)
                else:
                    by_index.setdefault(index, []).append(error)
            if unplaced:
                message = "; ".join(str(e.get("message")) for e in unplaced)
                for line in pending:
                    line.outcome, line.reason = FAILED, f"Shopify refused the batch: {message}"
                return
            keep = []
            for index, line in enumerate(pending):
                line_errors = by_index.get(index)
                if not line_errors:
                    keep.append(line)
                elif any(e.get("code") == STALE for e in line_errors):
                    stale.append(line)
                elif any(_not_stocked(e) for e in line_errors):
                    line.state = NOT_STOCKED
                    if id(line) in activated:
                        line.outcome = FAILED
                        line.reason = "Shopify still reports the variant as not stocked."
                    elif not settings.activate_unstocked:
                        line.outcome = SKIPPED
                        line.reason = "The variant is not stocked at the Shopify location."
                    elif self._activate(line):
                        activated.add(id(line))
                        compute_target(line, settings)
                        keep.append(line)
                else:
                    line.outcome = FAILED
                    line.reason = "; ".join(str(e.get("message")) for e in line_errors)
            if stale:
                if stale_rounds >= settings.max_stale_rounds:
                    for line in stale:
                        line.outcome = FAILED
                        line.reason = (
                            f"Shopify's quantity changed during each of {stale_rounds + 1} "
                            "attempts (orders being placed); the next run tries again."
                        )
                else:
                    stale_rounds += 1
                    self._reread(stale)
                    for line in stale:
                        if line.state == STOCKED:
                            compute_target(line, settings)
                            keep.append(line)
                        elif line.state == NOT_STOCKED:
                            line.outcome = FAILED
                            line.reason = "The variant is no longer stocked at the location."
                        else:
                            line.outcome = SKIPPED if line.state == UNTRACKED else FAILED
                            line.reason = "Inventory is no longer tracked in Shopify."
            kept = {id(line) for line in keep}
            pending = [line for line in batch if id(line) in kept]


def push_stock(client, settings, lines, on_batch=None):
    """Push ``lines`` (:class:`StockLine`) to ``settings.location_gid``."""
    return StockPusher(client, settings, on_batch).run(lines)
