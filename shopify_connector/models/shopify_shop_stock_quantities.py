"""Odoo's side of the stock push: the quantities of the mapped variants
(set-based SQL, a few queries for any number of variants), the lines handed
to ``shopify_api.stock`` and the figures stored back on the variants."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..shopify_api import stock
from ..shopify_api.stock_formula import order_committed


class ShopifyShop(models.Model):
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    def _stock_shop_sale_order_domain(self):
        """Domain of the confirmed sale orders of this shop, or None when orders
        do not record their shop (all committed units are then subtracted)."""
        self.ensure_one()
        if "shopify_shop_id" not in self.env["sale.order"]._fields:
            return None
        return [("shopify_shop_id", "=", self.id), ("state", "=", "sale")]

    @api.model
    def _stock_location_patterns(self, warehouses):
        return [f"{path}%" for path in warehouses.view_location_id.mapped("parent_path")]

    @api.model
    def _stock_free_quantities(self, warehouses, product_ids):
        """{product id: on hand minus reserved} over the internal locations of
        ``warehouses`` (negative quants included: they lower what is published)."""
        return self._stock_quant_sums(
            warehouses, product_ids, SQL("q.quantity - q.reserved_quantity")
        )

    @api.model
    def _stock_on_hand(self, warehouses, product_ids):
        """{product id: on-hand quantity} over the internal locations of ``warehouses``."""
        return self._stock_quant_sums(warehouses, product_ids, SQL("q.quantity"))

    @api.model
    def _stock_quant_sums(self, warehouses, product_ids, amount):
        """{product id: SUM(amount)} over the quants of the internal locations of
        ``warehouses``, in one query for all products."""
        self.env["stock.quant"].flush_model(
            ["product_id", "location_id", "quantity", "reserved_quantity"]
        )
        self.env["stock.location"].flush_model(["usage", "parent_path"])
        self.env.cr.execute(
            SQL(
                """
                SELECT q.product_id, SUM(%s)
                  FROM stock_quant q
                  JOIN stock_location l ON l.id = q.location_id
                 WHERE l.usage = 'internal'
                   AND l.parent_path LIKE ANY(%s)
                   AND q.product_id = ANY(%s)
                 GROUP BY q.product_id
                """,
                amount,
                self._stock_location_patterns(warehouses),
                list(product_ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def _stock_shop_orders(self, warehouses, product_ids):
        """{product id: [(Shopify committed, Odoo reserved)] per imported order}
        of this shop's confirmed sale orders holding a reservation of the
        product in ``warehouses``.

        Shopify still counts an order's units as committed until it fulfils
        them: Odoo knows that from the order's fulfilment status at its last
        import and from the deliveries pushed to or shipped in Shopify
        (``stock_formula.order_committed``, a lower bound).  Orders without a
        reservation cover nothing, so they are not listed.
        """
        self.ensure_one()
        domain = self._stock_shop_sale_order_domain()
        if domain is None or not product_ids:
            return {}
        orders = self.env["sale.order"]._search(domain)
        line_fields = self.env["sale.order.line"]._fields
        # Shopify's own unfulfilled units of a line, once the order import stores them
        unfulfilled = (
            SQL("SUM(sol.shopify_unfulfilled_qty)")
            if "shopify_unfulfilled_qty" in line_fields
            else SQL("NULL")
        )
        for model, names in (
            ("stock.move", ["state", "sale_line_id", "picking_id", "product_id", "product_qty"]),
            ("stock.move.line", ["move_id", "product_id", "location_id", "quantity_product_uom"]),
            ("stock.picking", ["shopify_fulfillment_state"]),
            ("sale.order.line", ["order_id", "product_id", "product_uom_qty"]),
            ("sale.order", ["state", "shopify_fulfillment_status", "shopify_cancelled"]),
        ):
            self.env[model].flush_model(names)
        self.env.cr.execute(
            SQL(
                """
                WITH r AS (
                    SELECT sol.order_id, ml.product_id,
                           SUM(ml.quantity_product_uom) AS reserved
                      FROM stock_move_line ml
                      JOIN stock_move m ON m.id = ml.move_id
                      JOIN sale_order_line sol ON sol.id = m.sale_line_id
                      JOIN stock_location l ON l.id = ml.location_id
                     WHERE m.state NOT IN ('draft', 'cancel', 'done')
                       AND sol.order_id IN %(orders)s
                       AND l.parent_path LIKE ANY(%(patterns)s)
                       AND ml.product_id = ANY(%(products)s)
                     GROUP BY sol.order_id, ml.product_id
                )
                SELECT r.product_id, r.reserved, so.shopify_fulfillment_status,
                       so.shopify_cancelled, o.ordered, o.unfulfilled,
                       (SELECT COALESCE(SUM(dm.product_qty), 0)
                          FROM stock_move dm
                          JOIN stock_picking p ON p.id = dm.picking_id
                          JOIN sale_order_line dl ON dl.id = dm.sale_line_id
                         WHERE dl.order_id = r.order_id
                           AND dm.product_id = r.product_id
                           AND dm.state = 'done'
                           AND p.shopify_fulfillment_state IN ('pushed', 'shopify')
                       ) AS shipped
                  FROM r
                  JOIN sale_order so ON so.id = r.order_id
                  CROSS JOIN LATERAL (
                        SELECT COALESCE(SUM(sol.product_uom_qty), 0) AS ordered,
                               %(unfulfilled)s AS unfulfilled
                          FROM sale_order_line sol
                         WHERE sol.order_id = r.order_id AND sol.product_id = r.product_id
                       ) o
                 ORDER BY r.order_id
                """,
                orders=orders.subselect(),
                patterns=self._stock_location_patterns(warehouses),
                products=list(product_ids),
                unfulfilled=unfulfilled,
            )
        )
        result = defaultdict(list)
        for (
            product_id,
            reserved,
            status,
            cancelled,
            ordered,
            open_qty,
            shipped,
        ) in self.env.cr.fetchall():
            committed = order_committed(ordered, shipped, status, bool(cancelled), open_qty)
            result[product_id].append((committed, reserved or 0.0))
        return dict(result)

    def _stock_variant_rows(self):
        """The mapped variants of the shop whose product is storable."""
        self.ensure_one()
        self.env["shopify.variant"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT v.id, v.product_id, v.inventory_item_gid, v.sku,
                       v.stock_location_gid, v.shopify_available, v.shopify_committed,
                       v.shopify_stock_state, v.shopify_stock_at, v.stock_pushed_qty,
                       v.stock_pushed_at, t.is_storable
                  FROM shopify_variant v
                  JOIN product_product p ON p.id = v.product_id
                  JOIN product_template t ON t.id = p.product_tmpl_id
                 WHERE v.shop_id = %s AND v.inventory_item_gid IS NOT NULL
                 ORDER BY v.id
                """,
                self.id,
            )
        )
        return self.env.cr.dictfetchall()

    def _stock_settings(self, run, location, mode):
        self.ensure_one()
        return stock.PushSettings(
            location_gid=location.shopify_gid,
            mode=mode,
            buffer_units=self.stock_buffer if self.stock_buffer_type == "units" else 0.0,
            buffer_percent=self.stock_buffer if self.stock_buffer_type == "percent" else 0.0,
            activate_unstocked=self.stock_unstocked == "activate",
            track_untracked=self.stock_untracked == "track",
            reference_uri=f"logistics://odoo/shopify-run/{run.id}" if run else None,
            key_parts=("stock", self.id, run.id if run else "compare"),
        )

    def _stock_lines(self, location, warehouses, rows, known=True, orders_current=True):
        """StockLines of ``rows``; with ``known``, the Shopify figures stored on
        the variants for ``location`` are trusted as last known values.
        Without ``orders_current`` (the order fetch before the push failed), no
        imported order covers Shopify's committed units: all are subtracted,
        and every line with committed units is read again before the push.

        Returns (lines, problems): problems are (row, reason) of variants that
        cannot be published.
        """
        problems = []
        by_product = defaultdict(list)
        for row in rows:
            if not row["is_storable"]:
                problems.append((row, self.env._("The Odoo product does not track stock.")))
            else:
                by_product[row["product_id"]].append(row)
        product_ids = list(by_product)
        free = self._stock_free_quantities(warehouses, product_ids)
        orders = self._stock_shop_orders(warehouses, product_ids) if orders_current else {}
        lines = []
        for product_id, product_rows in by_product.items():
            if len(product_rows) > 1:
                # Publishing the same units twice could oversell them.
                skus = ", ".join(r["sku"] or r["inventory_item_gid"] for r in product_rows)
                for row in product_rows:
                    problems.append(
                        (
                            row,
                            self.env._(
                                "The Odoo product is linked to several Shopify variants "
                                "(%(skus)s); its stock is not published until only one is "
                                "linked.",
                                skus=skus,
                            ),
                        )
                    )
                continue
            row = product_rows[0]
            line = stock.StockLine(
                key=row["id"],
                item_gid=row["inventory_item_gid"],
                sku=row["sku"] or "",
                free=free.get(product_id, 0.0),
                orders=tuple(orders.get(product_id, ())),
            )
            if known and row["stock_location_gid"] == location.shopify_gid:
                if row["shopify_stock_at"]:
                    line.available = row["shopify_available"]
                    line.committed = row["shopify_committed"]
                    line.state = row["shopify_stock_state"]
                if row["stock_pushed_at"]:
                    line.last_pushed = row["stock_pushed_qty"]
                    # left unknown by a run that could only correct it by difference
                    line.repair = not row["shopify_stock_at"]
            lines.append(line)
        return lines, problems

    def _stock_store(self, location, lines, now):
        """Write the lines' Shopify facts and Odoo quantity on the variants (one query)."""
        if not lines:
            return
        rows = [
            (
                line.key,
                line.target,
                bool(line.read or line.pushed),
                line.available,
                line.committed,
                line.state,
                line.target if line.pushed else None,
                self._stock_note(line),
            )
            for line in lines
        ]
        columns = [list(column) for column in zip(*rows, strict=True)]
        self.env.cr.execute(
            SQL(
                """
                UPDATE shopify_variant v
                   SET stock_location_gid = %(gid)s,
                       stock_odoo_qty = COALESCE(d.target, v.stock_odoo_qty),
                       stock_odoo_qty_at = CASE WHEN d.target IS NULL
                                                THEN v.stock_odoo_qty_at ELSE %(now)s END,
                       shopify_available = CASE WHEN d.known THEN d.available
                                                ELSE v.shopify_available END,
                       shopify_committed = CASE WHEN d.known THEN d.committed
                                                ELSE v.shopify_committed END,
                       shopify_stock_state = CASE WHEN d.known THEN d.state
                                                  ELSE v.shopify_stock_state END,
                       shopify_stock_at = CASE WHEN NOT d.known THEN v.shopify_stock_at
                                               WHEN d.available IS NULL THEN NULL
                                               ELSE %(now)s END,
                       stock_pushed_qty = COALESCE(d.pushed, v.stock_pushed_qty),
                       stock_pushed_at = CASE WHEN d.pushed IS NULL
                                              THEN v.stock_pushed_at ELSE %(now)s END,
                       stock_note = d.note
                  FROM (
                        SELECT UNNEST(%(ids)s::int[]) AS id,
                               UNNEST(%(targets)s::int[]) AS target,
                               UNNEST(%(known)s::bool[]) AS known,
                               UNNEST(%(available)s::int[]) AS available,
                               UNNEST(%(committed)s::int[]) AS committed,
                               UNNEST(%(states)s::varchar[]) AS state,
                               UNNEST(%(pushed)s::int[]) AS pushed,
                               UNNEST(%(notes)s::varchar[]) AS note
                       ) d
                 WHERE v.id = d.id
                """,
                gid=location.shopify_gid,
                now=now,
                ids=columns[0],
                targets=columns[1],
                known=columns[2],
                available=columns[3],
                committed=columns[4],
                states=columns[5],
                pushed=columns[6],
                notes=columns[7],
            )
        )
        self.env["shopify.variant"].invalidate_model()

    def _stock_note(self, line):
        """The stock note of a skipped or failed line (a sentence of the reason
        code, or the text Odoo gave for it), else None."""
        if line.outcome not in (stock.FAILED, stock.SKIPPED) or not line.reason:
            return None
        return self._stock_line_text(line)

    def _stock_refresh_odoo_qty(self):
        """What Odoo would publish now at the connected location, from Odoo's
        quantities and the Shopify figures last known (no call to Shopify):
        stored on the variants, for the stock differences."""
        for shop in self.filtered(lambda s: s.stock_location_id and s.stock_warehouse_ids):
            location = shop.stock_location_id
            rows = [
                row
                for row in shop._stock_variant_rows()
                if row["stock_location_gid"] == location.shopify_gid
            ]
            lines, _problems = shop._stock_lines(location, shop.stock_warehouse_ids, rows)
            settings = shop._stock_settings(None, location, "all")
            for line in lines:
                stock.compute_target(line, settings)
            if not lines:
                continue
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE shopify_variant v
                       SET stock_odoo_qty = d.target, stock_odoo_qty_at = %(now)s
                      FROM (SELECT UNNEST(%(ids)s::int[]) AS id,
                                   UNNEST(%(targets)s::int[]) AS target) d
                     WHERE v.id = d.id
                    """,
                    now=fields.Datetime.now(),
                    ids=[line.key for line in lines],
                    targets=[line.target for line in lines],
                )
            )
        self.env["shopify.variant"].invalidate_model(["stock_odoo_qty", "stock_odoo_qty_at"])
