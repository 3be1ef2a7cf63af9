from odoo import api, fields, models

from ..shopify_api import matching


class ShopifyVariant(models.Model):
    """Link between a Shopify variant and an Odoo product, per shop."""

    _name = "shopify.variant"
    _description = "Shopify variant mapping"
    _order = "shop_id, product_title, title, id"
    _rec_name = "display_title"
    _check_company_auto = True  # a mapping links a product of the shop's company only

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shop_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        string="Odoo product",
        index=True,
        ondelete="set null",
        check_company=True,
        help="The Odoo product whose stock and price this Shopify variant receives.",
    )
    shopify_product_gid = fields.Char("Shopify product ID", index=True, readonly=True)
    shopify_variant_gid = fields.Char("Shopify variant ID", required=True, readonly=True)
    inventory_item_gid = fields.Char("Shopify inventory item ID", index=True, readonly=True)
    sku = fields.Char("SKU", index=True, readonly=True)
    barcode = fields.Char(readonly=True)
    title = fields.Char("Variant title", readonly=True)
    product_title = fields.Char("Shopify product", readonly=True)
    display_title = fields.Char(compute="_compute_display_title")
    match_state = fields.Selection(
        [
            ("matched", "Linked"),
            ("ambiguous", "Ambiguous"),
            ("unmatched", "No match"),
        ],
        string="Match",
        default="unmatched",
        required=True,
        index=True,
        readonly=True,
    )
    match_note = fields.Char(readonly=True)

    # Stock: what Odoo publishes and what Shopify holds at the shop's connected
    # location (``stock_location_gid``; figures of another location are ignored).
    stock_location_gid = fields.Char("Stock figures of location", readonly=True, copy=False)
    stock_odoo_qty = fields.Integer(
        "Odoo quantity",
        readonly=True,
        copy=False,
        help="What Odoo publishes for this variant (free quantity of the source warehouses, "
        "minus the safety buffer and the units Shopify committed for orders Odoo has not "
        "reserved), as computed by the last stock push or comparison.",
    )
    stock_odoo_qty_at = fields.Datetime("Odoo quantity computed", readonly=True, copy=False)
    stock_pushed_qty = fields.Integer("Last pushed", readonly=True, copy=False)
    stock_pushed_at = fields.Datetime("Pushed at", readonly=True, copy=False)
    shopify_available = fields.Integer("Shopify available", readonly=True, copy=False)
    shopify_committed = fields.Integer(
        "Shopify committed",
        readonly=True,
        copy=False,
        help="Units Shopify holds for unfulfilled orders at the location.",
    )
    shopify_stock_state = fields.Selection(
        [
            ("stocked", "Stocked"),
            ("not_stocked", "Not stocked at the location"),
            ("untracked", "Not tracked in Shopify"),
        ],
        string="Shopify stock",
        readonly=True,
        copy=False,
    )
    shopify_stock_at = fields.Datetime("Shopify figures from", readonly=True, copy=False)
    stock_note = fields.Char("Stock note", readonly=True, copy=False)
    stock_difference = fields.Integer(
        "Difference",
        compute="_compute_stock_difference",
        help="Shopify available minus the quantity Odoo publishes.",
    )

    _variant_unique = models.Constraint(
        "UNIQUE(shop_id, shopify_variant_gid)", "A Shopify variant is mapped once per shop."
    )

    @api.depends("product_title", "title", "sku")
    def _compute_display_title(self):
        for variant in self:
            parts = [variant.product_title or ""]
            if variant.title and variant.title != "Default Title":
                parts.append(variant.title)
            label = " - ".join(p for p in parts if p) or variant.shopify_variant_gid
            variant.display_title = f"[{variant.sku}] {label}" if variant.sku else label

    @api.depends("shopify_available", "stock_odoo_qty")
    def _compute_stock_difference(self):
        for variant in self:
            variant.stock_difference = variant.shopify_available - variant.stock_odoo_qty

    def write(self, vals):
        if "product_id" in vals and "match_state" not in vals:
            # Linked (or unlinked) by hand on the mapping.
            vals["match_state"] = "matched" if vals["product_id"] else "unmatched"
            vals.setdefault("match_note", False)
        return super().write(vals)

    @api.model
    def _apply_match(self, shop, variants, run):
        """Store the Shopify variants of ``shop`` and link them to Odoo products.

        :param variants: plain dicts (gid, sku, barcode, title, product_gid,
            product_title, inventory_item_gid) of every variant of the shop
        """
        existing = {
            rec.shopify_variant_gid: rec for rec in self.search([("shop_id", "=", shop.id)])
        }
        skus = {(v.get("sku") or "").strip() for v in variants} - {""}
        barcodes = {(v.get("barcode") or "").strip() for v in variants} - {""}
        products = self.env["product.product"].search_read(
            [
                "|",
                ("default_code", "in", list(skus)),
                ("barcode", "in", list(barcodes)),
                ("company_id", "in", [False, shop.company_id.id]),
            ],
            ["default_code", "barcode"],
        )
        linked = {gid: rec.product_id.id for gid, rec in existing.items() if rec.product_id}
        decisions = matching.match_variants(variants, products, linked)

        reasons = {
            matching.AMBIGUOUS: self.env._("Ambiguous, not linked: %(reason)s"),
            matching.UNMATCHED: self.env._("No Odoo product with this SKU or barcode"),
        }
        to_create = []
        linked_now = unchanged = skipped = 0
        for variant in variants:
            status, product_id, reason = decisions[variant["gid"]]
            values = {
                "shopify_product_gid": variant.get("product_gid"),
                "inventory_item_gid": variant.get("inventory_item_gid"),
                "sku": variant.get("sku") or False,
                "barcode": variant.get("barcode") or False,
                "title": variant.get("title"),
                "product_title": variant.get("product_title"),
                "product_id": product_id or False,
                "match_state": "matched" if product_id else status,
                "match_note": False,
            }
            if status == matching.AMBIGUOUS:
                values["match_note"] = reasons[status] % {"reason": reason}
            elif status == matching.UNMATCHED:
                values["match_note"] = reasons[status]
            if status in (matching.AMBIGUOUS, matching.UNMATCHED):
                skipped += 1
                if status == matching.AMBIGUOUS:
                    run._log(
                        values["match_note"],
                        level="warning",
                        reference=variant.get("sku") or variant["gid"],
                    )
            record = existing.get(variant["gid"])
            if record is None:
                to_create.append(dict(values, shop_id=shop.id, shopify_variant_gid=variant["gid"]))
                if product_id:
                    linked_now += 1
                continue
            changed = {
                key: value
                for key, value in values.items()
                if (record[key].id if key == "product_id" else record[key]) != value
            }
            if changed:
                if "product_id" in changed and product_id:
                    linked_now += 1
                record.write(changed)
            else:
                unchanged += 1
        self.create(to_create)
        run.write(
            {
                "count_created": linked_now,
                "count_unchanged": unchanged,
                "count_skipped": skipped,
                "summary": self.env._(
                    "%(total)s Shopify variants read: %(linked)s newly linked, %(kept)s "
                    "unchanged, %(skipped)s not linked (ambiguous or no matching product).",
                    total=len(variants),
                    linked=linked_now,
                    kept=unchanged,
                    skipped=skipped,
                ),
            }
        )
