"""Stock: what Odoo publishes to a Shopify location, and how it is written.

Plain data in, plain data out.  The model layer computes, per mapped variant,
Odoo's free quantity over the source warehouses and the units Odoo has
reserved for the shop's own orders; this module

- computes the quantity to publish (``stock_formula.target_quantity``, for
  the lines of ``stock_lines``),
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
(never read, new mapping, other location, left unknown by an earlier run)
or when some of their committed units belong to orders Odoo has not
reserved: those are subtracted from what is published, and must not be
stale-high (fulfilled since) or the item would stay under-published.

Items that stay stale
---------------------
When Shopify's quantity changes during every round, the item is read once
more and corrected by the difference (``inventoryAdjustQuantities`` without
compare): an order placed between that read and the write lowers the result
by its own units, so the result never exceeds what Odoo can deliver.  Its
exact value is then unknown: the line is left ``available = None``, which
makes the next push read it and write it first.
"""

import hashlib
import json
import math

from .errors import ShopifyError
from .idempotency import idempotency_key
from .stock_documents import (
    ACTIVATE,
    ADJUST_QUANTITIES,
    ITEM_LEVELS,
    LEVELS_PAGE_SIZE,
    LOCATION_LEVELS,
    MAX_QUANTITIES_PER_CALL,
    SET_QUANTITIES,
    TRACK_ITEM,
)
from .stock_lines import (
    ACTIVATE_REFUSED,
    ADJUST_REFUSED,
    BATCH_REFUSED,
    FAILED,
    LINE_REFUSED,
    MAX_STALE_ROUNDS,
    NO_LONGER_STOCKED,
    NO_LONGER_STOCKED_TRACKED,
    NO_LONGER_TRACKED,
    NOT_SENT,
    NOT_STOCKED,
    NOT_STOCKED_HERE,
    NOT_TRACKED,
    PUSHED,
    REASONS,
    SKIPPED,
    STALE,
    STILL_NOT_STOCKED,
    STOCKED,
    TRACK_REFUSED,
    UNCHANGED,
    UNKNOWN_ITEM,
    UNTRACKED,
    PushResult,
    PushSettings,
    StockLine,
    apply_read,
    compute_target,
    needs_read,
    shopify_messages,
)

# The names callers use from this module (the lines, their outcomes and
# reasons, the documents), wherever they are defined.
__all__ = [
    "ACTIVATE",
    "ACTIVATE_REFUSED",
    "ADJUST_QUANTITIES",
    "ADJUST_REFUSED",
    "BATCH_REFUSED",
    "FAILED",
    "ITEM_LEVELS",
    "LEVELS_PAGE_SIZE",
    "LINE_REFUSED",
    "LOCATION_LEVELS",
    "MAX_QUANTITIES_PER_CALL",
    "MAX_STALE_ROUNDS",
    "NOT_SENT",
    "NOT_STOCKED",
    "NOT_STOCKED_HERE",
    "NOT_TRACKED",
    "NO_LONGER_STOCKED",
    "NO_LONGER_STOCKED_TRACKED",
    "NO_LONGER_TRACKED",
    "PUSHED",
    "QUANTITY_NAMES",
    "REASONS",
    "SET_QUANTITIES",
    "SKIPPED",
    "STALE",
    "STILL_NOT_STOCKED",
    "STOCKED",
    "TRACK_ITEM",
    "TRACK_REFUSED",
    "UNCHANGED",
    "UNKNOWN_ITEM",
    "UNTRACKED",
    "PushResult",
    "PushSettings",
    "StockLine",
    "apply_read",
    "batch_key",
    "compute_target",
    "needs_read",
    "push_stock",
    "read_item_levels",
    "read_location_levels",
]

QUANTITY_NAMES = ("available", "committed", "on_hand")


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
                line.settle(FAILED, NOT_SENT, error=exc)
                if line.target is None and line.state is not None:
                    # what Odoo would publish: the stock differences show it
                    compute_target(line, self.settings)
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
                line.settle(FAILED, UNKNOWN_ITEM)
                continue
            if line.state == UNTRACKED:
                if not settings.track_untracked:
                    line.settle(SKIPPED, NOT_TRACKED)
                    continue
                if not self._track(line):
                    continue
            if line.state == NOT_STOCKED:
                if not settings.activate_unstocked:
                    line.settle(SKIPPED, NOT_STOCKED_HERE)
                    continue
                if not self._activate(line):
                    continue
            compute_target(line, settings)
            # "changed": whatever Shopify holds as far as the connector knows
            # (its last write, or a read of this or an earlier run) and differs
            # from the target is written, whatever was pushed last.
            if settings.mode != "all" and line.target == line.available:
                line.outcome = UNCHANGED
                continue
            to_send.append(line)
        # Lines an earlier run left unknown (stale to the end) are repaired first.
        to_send.sort(key=lambda line: not line.repair)
        return to_send

    def _track(self, line):
        self.result.calls["track"] += 1
        payload = self.client.mutate(
            TRACK_ITEM, {"id": line.item_gid}, "inventoryItemUpdate", raise_user_errors=False
        )
        errors = payload.get("userErrors") or []
        if errors:
            line.settle(FAILED, TRACK_REFUSED, errors=shopify_messages(errors))
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
            line.settle(FAILED, ACTIVATE_REFUSED, errors=shopify_messages(errors))
            return False
        self._reread([line])
        if line.state == UNTRACKED and not settings.track_untracked:
            line.settle(SKIPPED, NOT_TRACKED)
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
                message = shopify_messages(unplaced)
                for line in pending:
                    line.settle(FAILED, BATCH_REFUSED, errors=message)
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
                        line.settle(FAILED, STILL_NOT_STOCKED)
                    elif not settings.activate_unstocked:
                        line.settle(SKIPPED, NOT_STOCKED_HERE)
                    elif self._activate(line):
                        activated.add(id(line))
                        compute_target(line, settings)
                        keep.append(line)
                else:
                    line.settle(FAILED, LINE_REFUSED, errors=shopify_messages(line_errors))
            if stale:
                if stale_rounds >= settings.max_stale_rounds:
                    self._adjust(stale)
                else:
                    stale_rounds += 1
                    self._reread(stale)
                    for line in stale:
                        if line.state == STOCKED:
                            compute_target(line, settings)
                            keep.append(line)
                        elif line.state == NOT_STOCKED:
                            line.settle(FAILED, NO_LONGER_STOCKED)
                        else:
                            outcome = SKIPPED if line.state == UNTRACKED else FAILED
                            line.settle(outcome, NO_LONGER_TRACKED)
            kept = {id(line) for line in keep}
            pending = [line for line in batch if id(line) in kept]

    def _adjust(self, lines):
        """Lines stale in every round: read once more and correct Shopify by the
        difference, without compare (see the module docstring)."""
        settings = self.settings
        self._reread(lines)
        changes, sent = [], []
        for line in lines:
            if line.state != STOCKED:
                outcome = SKIPPED if line.state == UNTRACKED else FAILED
                line.settle(outcome, NO_LONGER_STOCKED_TRACKED)
                continue
            compute_target(line, settings)
            delta = line.target - line.available
            if not delta:
                line.outcome = UNCHANGED
                continue
            changes.append(
                {
                    "inventoryItemId": line.item_gid,
                    "locationId": settings.location_gid,
                    "delta": delta,
                }
            )
            sent.append(line)
        if not changes:
            return
        content = json.dumps(
            [(c["inventoryItemId"], c["delta"]) for c in changes], separators=(",", ":")
        )
        key = idempotency_key(
            *settings.key_parts,
            "adjust",
            settings.location_gid,
            hashlib.sha256(content.encode()).hexdigest(),
        )
        variables = {
            "input": {"name": "available", "reason": "correction", "changes": changes},
            "idempotencyKey": key,
        }
        if settings.reference_uri:
            variables["input"]["referenceDocumentUri"] = settings.reference_uri
        self.result.calls["set"] += 1
        payload = self.client.mutate(
            ADJUST_QUANTITIES, variables, "inventoryAdjustQuantities", raise_user_errors=False
        )
        errors = payload.get("userErrors") or []
        for line in sent:
            # Orders placed since the read lowered the result: its value is
            # unknown, the next push reads it and writes it first.
            line.available = None
            if errors:
                line.settle(FAILED, ADJUST_REFUSED, errors=shopify_messages(errors))
                continue
            line.outcome = PUSHED
            line.pushed = line.adjusted = True
            line.last_pushed = line.target


def push_stock(client, settings, lines, on_batch=None):
    """Push ``lines`` (:class:`StockLine`) to ``settings.location_gid``."""
    return StockPusher(client, settings, on_batch).run(lines)
