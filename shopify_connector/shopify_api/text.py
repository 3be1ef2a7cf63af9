"""Text that can always be stored and shown: no character PostgreSQL or UTF-8
refuses, a bounded length.

Plain data in, plain data out: used by the order parser for what Shopify sends
and by the run log for every message it stores.
"""

import re

# Lone surrogates (not encodable in UTF-8, so refused by PostgreSQL), NUL
# (refused by PostgreSQL) and the other C0 control characters except tab, line
# feed and carriage return (not allowed in XML, meaningless in a message).
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
REPLACEMENT = "\ufffd"
# Ends a text that was shortened.
TRUNCATED = "[…]"


def safe_str(value):
    """``str(value)``, or a description of it when ``str()`` itself fails."""
    if isinstance(value, str):
        return value
    for convert in (str, repr):
        try:
            text = convert(value)
        except Exception:  # any object, any __str__
            continue
        if isinstance(text, str):
            return text
    return f"<{type(value).__name__}>"


def clean_text(value, limit=None):
    """``value`` as text PostgreSQL stores: refused characters replaced by
    U+FFFD, at most ``limit`` characters (shortened text ends with
    :data:`TRUNCATED`). ``None`` stays ``None``."""
    if value is None:
        return None
    text = REFUSED.sub(REPLACEMENT, safe_str(value))
    return shorten(text, limit)


def shorten(text, limit):
    """``text`` cut to at most ``limit`` characters, ending with :data:`TRUNCATED`
    when it was cut."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATED), 0)] + TRUNCATED


def storable(text):
    """``text`` without NUL characters and with the other refused characters
    replaced: for data (names, SKUs, tags), where a NUL never means anything
    and is best dropped."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return REFUSED.sub(REPLACEMENT, text) if REFUSED.search(text) else text
