"""Webhooks beyond orders: a product changed in Shopify, a stock level changed
in Shopify.

- ``products/update``: the SKUs, barcodes and variants of the product reach
  the mapping at once (the same matching as *Match products*, limited to the
  product's variants and the variants that share their SKUs or barcodes, so
  that a duplicate stays ambiguous). A change that touches nothing the mapping
  holds (a title, a price, a description) is acknowledged without a run.
- ``inventory_levels/update``: Odoo is the stock master. Shopify's new figure
  of the shop's stock location is stored as the variant's Shopify facts and as
  what Shopify holds, so that the next changed-stock push (asked for at once,
  debounced) writes Odoo's figure back if they differ. A rise Odoo did not make
  is reported as a warning (a sale cannot raise the figure: a hand change, a
  restock or a return in Shopify can).
"""

import json

from odoo import fields, models

from ..shopify_api import webhooks

PRODUCT_TOPIC = "products/update"
INVENTORY_TOPIC = "inventory_levels/update"


def _gid(kind, value):
    if isinstance(value, str) and value.startswith(f"gid://shopify/{kind}/"):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"gid://shopify/{kind}/{value}"
    if isinstance(value, str) and value.isdigit():
        return f"gid://shopify/{kind}/{int(value)}"
    return None


def _text(value):
    return value.strip() if isinstance(value, str) and value.strip() else None


def product_variants(payload):
    """The variant dicts (as ``matching.variant_from_node``) of a products/update payload."""
    product_gid = _gid("Product", payload.get("admin_graphql_api_id")) or _gid(
        "Product", payload.get("id")
    )
    variants = []
    for node in payload.get("variants") or ():
        if not isinstance(node, dict):
            continue
        gid = _gid("ProductVariant", node.get("admin_graphql_api_id")) or _gid(
            "ProductVariant", node.get("id")
        )
        if not gid:
            continue
        variants.append(
            {
                "gid": gid,
                "sku": _text(node.get("sku")),
                "barcode": _text(node.get("barcode")),
                "title": _text(node.get("title")),
                "product_gid": product_gid,
                "product_title": _text(payload.get("title")),
                "inventory_item_gid": _gid("InventoryItem", node.get("inventory_item_id")),
            }
        )
    return variants


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    def _webhook_process_other(self, event, run):
        if event.topic == PRODUCT_TOPIC:
            return self._webhook_product(event)
        if event.topic == INVENTORY_TOPIC:
            return self._webhook_inventory(event, run)
        return super()._webhook_process_other(event, run)

    @staticmethod
    def _webhook_payload(event):
        try:
            payload = json.loads(event.payload or "null")
        except ValueError:
            return None
        if not isinstance(payload, dict) or "_truncated" in payload:
            return None
        return payload

    # -- products ------------------------------------------------------------
    def _webhook_product(self, event):
        self.ensure_one()
        payload = self._webhook_payload(event)
        variants = product_variants(payload) if payload else []
        if not variants:
            event._mark(
                "ignored",
                note=self.env._("No variants in the delivery: the next Match products reads it."),
            )
            return None
        Variant = self.env["shopify.variant"].sudo()
        gids = [variant["gid"] for variant in variants]
        mine = {rec.shopify_variant_gid: rec for rec in Variant.search(self._variant_domain(gids))}
        if all(self._webhook_variant_known(mine.get(v["gid"]), v) for v in variants):
            event._mark("done", note=self.env._("Nothing the mapping holds changed."))
            return None
        # the other variants that share a SKU or barcode: a duplicate stays ambiguous
        skus = {v["sku"] for v in variants if v["sku"]}
        barcodes = {v["barcode"] for v in variants if v["barcode"]}
        others = Variant.search(
            [
                ("shop_id", "=", self.id),
                ("shopify_variant_gid", "not in", gids),
                "|",
                ("sku", "in", list(skus)),
                ("barcode", "in", list(barcodes)),
            ]
        )
        known = [
            {
                "gid": rec.shopify_variant_gid,
                "sku": rec.sku,
                "barcode": rec.barcode,
                "title": rec.title,
                "product_gid": rec.shopify_product_gid,
                "product_title": rec.product_title,
                "inventory_item_gid": rec.inventory_item_gid,
            }
            for rec in others
        ]
        match_run = (
            self.env["shopify.run"]
            .sudo()
            .create({"shop_id": self.id, "job": "match", "trigger": "webhook"})
        )
        Variant._apply_match(self, variants + known, match_run)
        match_run._finish()
        event._mark("done", match_run)
        return None

    @staticmethod
    def _webhook_variant_known(record, variant):
        """Whether the mapping ``record`` holds what ``variant`` says already."""
        if not record:
            return False
        held = (record.sku, record.barcode, record.inventory_item_gid, record.shopify_product_gid)
        said = (variant["sku"], variant["barcode"], variant["inventory_item_gid"])
        return tuple(value or None for value in held) == (*said, variant["product_gid"])

    def _variant_domain(self, gids):
        return [("shop_id", "=", self.id), ("shopify_variant_gid", "in", gids)]

    # -- stock levels ----------------------------------------------------------
    def _webhook_inventory(self, event, run):
        self.ensure_one()
        payload = self._webhook_payload(event) or {}
        item_gid = _gid("InventoryItem", payload.get("inventory_item_id"))
        location_gid = _gid("Location", payload.get("location_id"))
        available = payload.get("available")
        location = self.stock_location_id
        if not item_gid or not isinstance(available, int) or isinstance(available, bool):
            event._mark("ignored", note=self.env._("The delivery names no stock level."))
            return None
        if not location or location.shopify_gid != location_gid:
            event._mark(
                "ignored",
                note=self.env._("Not the shop's stock location: its stock is not kept by Odoo."),
            )
            return None
        variant = (
            self.env["shopify.variant"]
            .sudo()
            .search([("shop_id", "=", self.id), ("inventory_item_gid", "=", item_gid)], limit=1)
        )
        if not variant or not variant.product_id:
            event._mark(
                "ignored", note=self.env._("No linked variant: Odoo keeps no stock of it.")
            )
            return None
        at = webhooks.parse_timestamp(payload.get("updated_at")) or fields.Datetime.now()
        if variant.shopify_stock_at and variant.shopify_stock_at > at:
            event._mark("done", run, self.env._("Older than the figure Odoo knows."))
            return None
        pushed = variant.stock_pushed_qty if variant.stock_pushed_at else None
        variant.write(
            {
                "stock_location_gid": location_gid,
                "shopify_available": available,
                "shopify_stock_at": at,
                # what Shopify holds now: the changed-stock push compares Odoo's figure with it
                "stock_pushed_qty": available,
                "stock_pushed_at": variant.stock_pushed_at or at,
            }
        )
        if pushed is not None and available != pushed:
            message = self.env._(
                "Stock of %(product)s at %(location)s changed in Shopify to %(available)s "
                "(Odoo last set %(pushed)s): Odoo is the stock master, the next stock push "
                "sets Odoo's figure again.",
                product=variant.product_id.display_name,
                location=location.name,
                available=available,
                pushed=pushed,
            )
            # a sale lowers the figure; a rise Odoo did not make was made in Shopify
            run._log(
                message,
                level="warning" if available > pushed else "info",
                reference=variant.sku or variant.shopify_variant_gid,
            )
            self._webhook_stock_push_soon()
        event._mark("done", run)
        return None

    def _webhook_stock_push_due(self):
        """A stock level changed in Shopify since the last push asks for one too."""
        if super()._webhook_stock_push_due():
            return True
        last = (
            self.env["shopify.run"]
            .sudo()
            .search(
                [("shop_id", "=", self.id), ("job", "in", ("stock_changed", "stock_all"))],
                order="started_at desc, id desc",
                limit=1,
            )
        )
        domain = [
            ("shop_id", "=", self.id),
            ("topic", "=", INVENTORY_TOPIC),
            ("state", "=", "done"),
        ]
        if last:
            domain.append(("write_date", ">=", last.started_at))
        return bool(self.env["shopify.webhook.event"].sudo().search_count(domain, limit=1))
