"""Mutation resolvers.

``inventorySetQuantities`` (compare-and-swap): every quantity must carry the
``changeFromQuantity`` key (explicit null skips the compare).  The call is
all-or-nothing, as on Shopify: if any quantity is stale
(``CHANGE_FROM_QUANTITY_STALE``), unknown, duplicated or not stocked at its
location, no quantity is written, ``inventoryAdjustmentGroup`` is null and
``userErrors`` lists each faulty quantity (``field`` =
``["input", "quantities", "<index>", ...]``).  An item not stocked at the
location answers ``INVALID_LOCATION`` with the message "The specified
inventory item is not stocked at the location." (the 2026-10 enum has no
ITEM_NOT_STOCKED_AT_LOCATION code any more).

``@idempotent(key:)`` is required at run time on inventorySetQuantities,
inventoryAdjustQuantities, inventoryActivate and refundCreate: without it the
field fails with a GraphQL error (code ``BAD_REQUEST``).  Repeating a key with
the same arguments returns the first result without applying anything again;
the same key with other arguments answers ``IDEMPOTENCY_KEY_PARAMETER_MISMATCH``
(a top-level error for mutations whose error enum lacks that code).

Input arrays are limited to 250 items (``MAX_INPUT_SIZE_EXCEEDED``).
"""

import json

from graphql import GraphQLError, get_directive_values

from shopify_simulator.resolvers import custom
from shopify_simulator.state import gid_type, quantity

MAX_INPUT = 250
IDEMPOTENT = (
    "inventorySetQuantities",
    "inventoryAdjustQuantities",
    "inventoryActivate",
    "refundCreate",
)
VALID_REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}


def _input_size(count, field):
    if count > MAX_INPUT:
        raise GraphQLError(
            f"The input array size of {count} is greater than the maximum allowed of {MAX_INPUT}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED", "argumentName": field},
        )


def idempotent(func):
    """Require ``@idempotent(key:)`` and replay results for a repeated key."""

    def resolve(source, info, **args):
        ctx = info.context
        directive = info.schema.get_directive("idempotent")
        values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
        key = (values or {}).get("key")
        if not key or not str(key).strip():
            raise GraphQLError(
                f"The @idempotent directive with a non-blank key is required for "
                f"{info.field_name} (since API version 2026-04).",
                extensions={"code": "BAD_REQUEST"},
            )
        fingerprint = json.dumps(args, sort_keys=True, default=str)
        seen = ctx.idempotency.get((info.field_name, key))
        if seen is not None:
            if seen[0] != fingerprint:
                error = {
                    "field": None,
                    "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    "message": "The same idempotency key cannot be used with different "
                    "operation parameters.",
                }
                if info.field_name in ("inventorySetQuantities", "inventoryAdjustQuantities"):
                    return {"inventoryAdjustmentGroup": None, "userErrors": [error]}
                raise GraphQLError(
                    error["message"], extensions={"code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"}
                )
            ctx.counters["idempotent_replays"] += 1
            return seen[1]
        result = func(source, info, **args)
        ctx.idempotency[(info.field_name, key)] = (fingerprint, result)
        return result

    return resolve


def _mutation(name, needs_key=False):
    def register(func):
        wrapped = idempotent(func) if needs_key else func
        custom("Mutation", name)(wrapped)
        return func

    return register


def _error(field, message, code=None):
    return {"field": [str(f) for f in field] if field else None, "message": message, "code": code}


# -- inventory --------------------------------------------------------------


def _check_inventory_target(store, index, entry, errors, seen, list_name):
    item_id, location_id = entry["inventoryItemId"], entry["locationId"]
    base = ["input", list_name, index]
    if (item_id, location_id) in seen:
        errors.append(
            _error(
                [*base, "locationId"],
                "The combination of inventoryItemId and locationId must be unique.",
                "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
            )
        )
        return None
    seen.add((item_id, location_id))
    if store.get(item_id, "InventoryItem") is None:
        errors.append(
            _error(
                [*base, "inventoryItemId"],
                "The specified inventory item could not be found.",
                "INVALID_INVENTORY_ITEM",
            )
        )
        return None
    if store.get(location_id, "Location") is None:
        errors.append(
            _error(
                [*base, "locationId"],
                "The specified location could not be found.",
                "INVALID_LOCATION",
            )
        )
        return None
    level = store.level(item_id, location_id)
    if level is None:
        errors.append(
            _error(
                [*base, "locationId"],
                "The specified inventory item is not stocked at the location.",
                "INVALID_LOCATION",
            )
        )
    return level


def _group(ctx, data, changes):
    store = ctx.store
    return store.create(
        "InventoryAdjustmentGroup",
        createdAt=ctx.now(),
        reason=data["reason"],
        referenceDocumentUri=data.get("referenceDocumentUri"),
        changes=changes,
        app=None,
        staffMember=None,
    )


def _change(level, name, delta, ledger=None):
    return {
        "name": name,
        "delta": delta,
        "quantityAfterChange": quantity(level, name),
        "item": level["item"],
        "location": level["location"],
        "ledgerDocumentUri": ledger,
    }


def _apply_set(level, name, target, now):
    q = level["_q"]
    if name == "available":
        delta = target - q["available"]
        q["available"] = target
        other = "on_hand"
    else:
        delta = target - quantity(level, "on_hand")
        q["available"] += delta
        other = "available"
    level["updatedAt"] = now
    return [_change(level, name, delta), _change(level, other, delta)]


@_mutation("inventorySetQuantities", needs_key=True)
def inventory_set_quantities(source, info, input):
    ctx = info.context
    store = ctx.store
    quantities = input["quantities"]
    _input_size(len(quantities), "quantities")
    errors, targets, seen = [], [], set()
    name = input["name"]
    if name not in ("available", "on_hand"):
        errors.append(
            _error(
                ["input", "name"],
                "The quantity name must be either 'available' or 'on_hand'.",
                "INVALID_NAME",
            )
        )
    if input["reason"] not in VALID_REASONS:
        errors.append(
            _error(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON")
        )
    for index, entry in enumerate(quantities):
        level = _check_inventory_target(store, index, entry, errors, seen, "quantities")
        base = ["input", "quantities", index]
        if entry["quantity"] > 1_000_000_000:
            errors.append(
                _error(
                    [*base, "quantity"],
                    "The total quantity can't be higher than 1,000,000,000.",
                    "INVALID_QUANTITY_TOO_HIGH",
                )
            )
        if entry["quantity"] < 0 and name == "on_hand":
            errors.append(
                _error(
                    [*base, "quantity"],
                    "The quantity can't be negative.",
                    "INVALID_QUANTITY_NEGATIVE",
                )
            )
        if "changeFromQuantity" not in entry:
            errors.append(
                _error(
                    [*base, "changeFromQuantity"],
                    "changeFromQuantity is required "
                    "for each quantity; pass null to skip the check.",
                    "COMPARE_QUANTITY_REQUIRED",
                )
            )
            continue
        if level is None:
            continue
        expected = entry["changeFromQuantity"]
        if (
            expected is not None
            and name in ("available", "on_hand")
            and quantity(level, name) != expected
        ):
            errors.append(
                _error(
                    [*base, "changeFromQuantity"],
                    "The changeFromQuantity value does not match persisted value.",
                    "CHANGE_FROM_QUANTITY_STALE",
                )
            )
            continue
        targets.append((level, entry["quantity"]))
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    now = ctx.now()
    changes = []
    for level, target in targets:
        changes.extend(_apply_set(level, name, target, now))
    ctx.counters["quantities_set"] += len(targets)
    return {"inventoryAdjustmentGroup": _group(ctx, input, changes), "userErrors": []}


@_mutation("inventoryAdjustQuantities", needs_key=True)
def inventory_adjust_quantities(source, info, input):
    ctx = info.context
    store = ctx.store
    entries = input["changes"]
    _input_size(len(entries), "changes")
    errors, targets, seen = [], [], set()
    name = input["name"]
    if name not in (
        "available",
        "damaged",
        "quality_control",
        "reserved",
        "safety_stock",
        "incoming",
        "on_hand",
    ):
        errors.append(
            _error(
                ["input", "name"],
                "The specified quantity name is invalid.",
                "INVALID_QUANTITY_NAME",
            )
        )
    for index, entry in enumerate(entries):
        level = _check_inventory_target(store, index, entry, errors, seen, "changes")
        if level is None:
            continue
        expected = entry.get("changeFromQuantity")
        if expected is not None and quantity(level, name) != expected:
            errors.append(
                _error(
                    ["input", "changes", index, "changeFromQuantity"],
                    "The changeFromQuantity value does not match persisted value.",
                    "CHANGE_FROM_QUANTITY_STALE",
                )
            )
            continue
        targets.append((level, entry["delta"], entry.get("ledgerDocumentUri")))
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    now = ctx.now()
    changes = []
    for level, delta, ledger in targets:
        level["_q"]["available" if name == "on_hand" else name] += delta
        level["updatedAt"] = now
        changes.append(_change(level, name, delta, ledger))
        if name in ("available", "damaged", "quality_control", "reserved", "safety_stock"):
            changes.append(_change(level, "on_hand", delta))
    return {"inventoryAdjustmentGroup": _group(ctx, input, changes), "userErrors": []}


@_mutation("inventoryActivate", needs_key=True)
def inventory_activate(
    source,
    info,
    inventoryItemId,
    locationId,
    available=None,
    onHand=None,
    stockAtLegacyLocation=None,
):
    store = info.context.store
    if store.get(inventoryItemId, "InventoryItem") is None:
        return {
            "inventoryLevel": None,
            "userErrors": [_error(["inventoryItemId"], "Inventory item does not exist")],
        }
    if store.get(locationId, "Location") is None:
        return {
            "inventoryLevel": None,
            "userErrors": [_error(["locationId"], "Location does not exist")],
        }
    level, _created = store.activate(
        inventoryItemId,
        locationId,
        info.context.now(),
        available if available is not None else onHand or 0,
    )
    return {"inventoryLevel": level, "userErrors": []}


__all__ = ["IDEMPOTENT", "gid_type"]
