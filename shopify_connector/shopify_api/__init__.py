"""Pure Shopify code: the HTTP client and the domain logic.

Plain data in, plain data out: nothing in this package imports Odoo, so it is
tested without a database (``tests/`` at the repository root).
"""
