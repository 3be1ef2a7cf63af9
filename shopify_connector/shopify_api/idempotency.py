"""Deterministic idempotency keys for ``@idempotent(key: ...)`` mutations.

Shopify requires an idempotency key on inventory mutations and remembers, per
key, the outcome of the first request.  The key must therefore identify the
*work* (e.g. "stock push run 42, batch 3"), not the HTTP attempt: a batch that
is retried after a timeout, or re-run after a worker crash, must send the same
key so that Shopify applies it at most once.  A random UUID per attempt would
defeat that, hence a UUID5 over the parts that name the work.
"""

import uuid

# Fixed namespace of this connector's keys (itself a UUID5 of a constant name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:shopify-connector:idempotency")


def idempotency_key(*parts) -> str:
    """Return the same key for the same parts, e.g. ``("stock", shop_id, run_id, 3)``."""
    if not parts:
        raise ValueError("an idempotency key needs at least one part")
    name = "\x1f".join(str(part) for part in parts)
    return str(uuid.uuid5(NAMESPACE, name))
