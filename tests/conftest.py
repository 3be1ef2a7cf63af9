"""Root tests: no database. The pure Shopify code is importable as ``shopify_api``
(it lives inside the addon and imports nothing from Odoo), the simulator as
``shopify_simulator``."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.join(ROOT, "shopify_connector")):
    if path not in sys.path:
        sys.path.insert(0, path)
