"""Generic Relay connections with opaque cursors, as Shopify pages them.

A cursor is the base64 of the item's sort key (e.g. ``[updatedAt, id]``), so
pages stay stable while items change: ``after`` means "items whose key is
beyond this key", whatever moved since.  ``first``/``last`` above 250 is an
error, as is a connection without ``first`` or ``last``.
"""

import base64
import bisect
import json

from graphql import GraphQLError

from shopify_simulator.state import gid_number

MAX_PAGE = 250


def encode_cursor(key):
    raw = json.dumps(list(key), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return tuple(json.loads(base64.urlsafe_b64decode(padded.encode())))
    except (ValueError, TypeError) as exc:
        raise GraphQLError(
            f"Invalid cursor for current pagination sort: {cursor!r}",
            extensions={"code": "BAD_REQUEST"},
        ) from exc


def id_key(obj):
    return (gid_number(obj["id"]),)


def check_page_args(field_name, args):
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError(
            "you must provide one of first or last", extensions={"code": "BAD_REQUEST"}
        )
    for name, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE:
            raise GraphQLError(
                f"The {name} argument of field '{field_name}' must not exceed {MAX_PAGE} "
                f"(got {value}).",
                extensions={"code": "MAX_PAGE_SIZE_EXCEEDED", "maxPageSize": MAX_PAGE},
            )
        if value is not None and value < 0:
            raise GraphQLError(
                f"The {name} argument must not be negative", extensions={"code": "BAD_REQUEST"}
            )


def paginate(field_name, items, args, key=id_key, presorted=False):
    """Page ``items`` (objects) by ``args``; returns (connection dict, slots, returned)."""
    check_page_args(field_name, args)
    first, last = args.get("first"), args.get("last")
    reverse = bool(args.get("reverse"))
    asc = items if presorted else sorted(items, key=key)
    n = len(asc)
    after = decode_cursor(args["after"]) if args.get("after") else None
    before = decode_cursor(args["before"]) if args.get("before") else None
    if not reverse:
        lo = bisect.bisect_right(asc, after, key=key) if after is not None else 0
        hi = bisect.bisect_left(asc, before, key=key) if before is not None else n
    else:
        hi = bisect.bisect_left(asc, after, key=key) if after is not None else n
        lo = bisect.bisect_right(asc, before, key=key) if before is not None else 0
    hi = max(lo, hi)
    take_front = (first is not None) != reverse  # front of the asc window
    size = first if first is not None else last
    if first is not None and last is not None:
        size = min(first, last)
    if take_front:
        start, end = lo, min(hi, lo + size)
    else:
        start, end = max(lo, hi - size), hi
    window = asc[start:end]
    if reverse:
        window = window[::-1]
        has_next, has_prev = start > 0, end < n
    else:
        has_next, has_prev = end < n, start > 0
    edges = [{"cursor": encode_cursor(key(o)), "node": o} for o in window]
    connection = {
        "edges": edges,
        "nodes": window,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_prev,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }
    return connection, size, len(window)


def index_items(values):
    """Wrap plain child dicts without ids so they get positional cursors."""
    return [(i, v) for i, v in enumerate(values)]
