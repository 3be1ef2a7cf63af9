import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..shopify_api import stock
from ..shopify_api.errors import ShopifyError
from .shopify_run import JobAlreadyRunning

_logger = logging.getLogger(__name__)


class ShopifyShop(models.Model):
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    stock_location_id = fields.Many2one(
        "shopify.location",
        string="Connected Shopify location",
        domain="[('shop_id', '=', id)]",
        tracking=True,
        help="The Shopify location that receives Odoo's stock (filled by 'Test connection').",
    )
    stock_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "shopify_shop_stock_warehouse_rel",
        "shop_id",
        "warehouse_id",
        string="Source warehouses",
        domain="[('company_id', '=', company_id)]",
        help="Their free stock (on hand minus reserved) is summed into the connected "
        "location. The first one (by sequence) is the default warehouse that 'Import "
        "stock' writes into.",
    )
    stock_buffer_type = fields.Selection(
        [("none", "No buffer"), ("units", "Units"), ("percent", "Percent")],
        string="Safety buffer",
        default="none",
        required=True,
    )
    stock_buffer = fields.Float(
        "Buffer",
        help="Held back from Shopify per variant: a number of units, or a percentage of "
        "the free quantity (rounded so that less is published).",
    )
    stock_untracked = fields.Selection(
        [("skip", "Skip them"), ("track", "Switch them to tracked")],
        string="Variants not tracked in Shopify",
        default="skip",
        required=True,
    )
    stock_unstocked = fields.Selection(
        [("report", "Report them"), ("activate", "Stock them at the location")],
        string="Variants not stocked at the location",
        default="report",
        required=True,
    )
    stock_route_ids = fields.One2many(
        "shopify.stock.route", "shop_id", string="Other location pairs"
    )
    stock_last_push_at = fields.Datetime("Last stock push", readonly=True, copy=False)

    @api.constrains("stock_buffer", "stock_buffer_type")
    def _check_stock_buffer(self):
        for shop in self:
            if shop.stock_buffer < 0 or (
                shop.stock_buffer_type == "percent" and shop.stock_buffer > 100
            ):
                raise ValidationError(
                    self.env._(
                        "The safety buffer of '%(shop)s' must be at least 0 (and at most 100 "
                        "for a percentage).",
                        shop=shop.name,
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_stock_push_changed(self):
        self.ensure_one()
        return self._run_result(self._run_job("stock_changed"))

    def action_stock_push_all(self):
        self.ensure_one()
        return self._run_result(self._run_job("stock_all"))

    def action_stock_import(self):
        self.ensure_one()
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise UserError(
                self.env._("Only inventory administrators may overwrite Odoo's stock.")
            )
        return self._run_result(self._run_job("stock_import"))

    def action_stock_compare(self):
        """Read Shopify's quantities and compute Odoo's, without writing to Shopify."""
        self.ensure_one()
        try:
            count = self._stock_compare(self._shopify_client())
        except ShopifyError as exc:
            return self._notify(self._shopify_error_message(exc), "danger", sticky=True)
        return self._notify(
            self.env._("%(count)s variants compared with Shopify.", count=count), "success"
        )

    def action_open_stock_discrepancies(self):
        self.ensure_one()
        self._stock_refresh_odoo_qty()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "shopify_connector.shopify_stock_discrepancy_action"
        )
        action["domain"] = [("shop_id", "=", self.id)]
        return action

    @api.model
    def _cron_stock_push(self):
        """Scheduled "Sync changed stock" of every connected shop with a location."""
        shops = self.search([("state", "=", "connected"), ("stock_location_id", "!=", False)])
        for shop in shops:
            try:
                shop._run_job("stock_changed", trigger="cron")
            except UserError as exc:  # the same job runs already: the next call catches up
                _logger.info("Stock push of %s skipped: %s", shop.name, exc)

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------
    def _shopify_before_stock_push(self, run, client):
        """Fetch orders before a stock push, so that Odoo has reserved what
        Shopify has committed for them and the push publishes what is left.

        The fetch is a run of its own (with its own counts), under the order
        lock; when another worker is fetching orders right now, that fetch
        does the job and this push goes on.  The fetch's run is kept with its
        final state whatever happens: created and, in a background run,
        committed before the fetch, and ended Failed with the reason when the
        fetch fails (its unfinished part rolled back, as in any failed run).

        Returns False when the fetch failed: the orders Odoo knows may then be
        stale (shipped or changed in Shopify since), and the push covers none
        of Shopify's committed units with them (see ``_stock_push``).
        """
        Run = self.env["shopify.run"].sudo()
        committing = bool(self.env.context.get("shopify_commit"))
        try:
            with Run._job_lock(self.id, "orders"):
                order_run = Run.create(
                    {
                        "shop_id": self.id,
                        "job": "orders",
                        "trigger": run.trigger,
                        "user_id": run.user_id.id,
                    }
                )
                calls = client.stats["calls"]
                fetched = self._stock_fetch_orders(order_run, client, committing)
                order_run._finish(
                    None if fetched else "failed", api_calls=client.stats["calls"] - calls
                )
                # the push's run counts only its own calls from here on
                client.stats["calls"] = calls
                if committing:
                    # safe: the fetch's run ends here, recorded with its final state
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        except JobAlreadyRunning:
            run._log(
                self.env._("Orders are being fetched by another run; the push goes on."),
                level="info",
            )
            return True
        if not fetched:
            run._log(
                self.env._(
                    "The orders could not be fetched before the push (see the run "
                    "'%(run)s'). Odoo's orders may be out of date, so all units Shopify has "
                    "committed are subtracted from what is published, including those Odoo "
                    "has reserved: less is published until a fetch succeeds.",
                    run=order_run.name,
                ),
                level="warning",
            )
        return fetched

    def _stock_fetch_orders(self, order_run, client, committing):
        """The order fetch of ``_shopify_before_stock_push``; True when it ran
        to the end (orders that failed on their own are in its counts).

        A background run commits the record of the fetch before it starts
        (the fetch commits page by page, and a failure rolls back to the last
        commit); otherwise the fetch runs in a savepoint, which a failure
        rolls back without touching the run record.
        """
        try:
            if committing:
                # safe: only the new run record and nothing of the push yet
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self._fetch_orders(order_run, client)
            else:
                with self.env.cr.savepoint():
                    self._fetch_orders(order_run, client)
        except Exception as exc:  # whatever stops the fetch, its run says why
            if committing:
                self.env.cr.rollback()
            order_run._log(self._stock_fetch_failure(order_run, exc))
            return False
        return True

    def _stock_fetch_failure(self, order_run, exc):
        """The message and failure code of a fetch that stopped on ``exc``."""
        order_run.failure_code = getattr(exc, "code", None) or "error"
        if isinstance(exc, ShopifyError):
            return self._shopify_error_message(exc)
        if isinstance(exc, (UserError, ValidationError)):
            return str(exc.args[0]) if exc.args else str(exc)
        _logger.exception(
            "Order fetch %s before a stock push of shop %s crashed", order_run.id, self.id
        )
        order_run.failure_code = "crash"
        return self.env._(
            "The job stopped on an unexpected error (%(error)s). Nothing of the "
            "unfinished part was saved; the next run tries again. If it keeps "
            "happening, show the server log to your Odoo administrator.",
            error=type(exc).__name__,
        )

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------
    def _sync_locations(self, locations):
        """After reading the locations, propose the stock settings a merchant
        with one online location wants: that location, fed by the company's
        warehouses. Settings made by hand are never changed."""
        result = super()._sync_locations(locations)
        if not self.stock_location_id:
            online = self.location_ids.filtered("fulfills_online_orders")[:1]
            self.stock_location_id = online or self.location_ids[:1]
        if not self.stock_warehouse_ids:
            self.stock_warehouse_ids = self.env["stock.warehouse"].search(
                [("company_id", "=", self.company_id.id)], limit=1
            )
        return result

    def _job_configured(self, job):
        if job in ("stock_changed", "stock_all") and not (
            self.stock_location_id and self.stock_warehouse_ids
        ):
            return False
        return super()._job_configured(job)

    def _stock_check_config(self):
        self.ensure_one()
        if not self.stock_location_id:
            raise UserError(
                self.env._(
                    "Choose the connected Shopify location of '%(shop)s' on the Stock tab "
                    "(run 'Test connection' first to read the locations).",
                    shop=self.name,
                )
            )
        if not self.stock_warehouse_ids:
            raise UserError(
                self.env._(
                    "Choose the warehouses whose stock '%(shop)s' publishes on the Stock tab.",
                    shop=self.name,
                )
            )

    # ------------------------------------------------------------------
    # Push
    # ------------------------------------------------------------------
    def _stock_push_changed(self, run, client):
        self._stock_push(run, client, "changed")

    def _stock_push_all(self, run, client):
        self._stock_push(run, client, "all")

    def _stock_push(self, run, client, mode):
        self.ensure_one()
        self._stock_check_config()
        # A failed fetch leaves Odoo's orders possibly stale: none of them covers
        # Shopify's committed units then (publishing less cannot oversell). An
        # override returning nothing keeps the orders as they are.
        orders_current = self._shopify_before_stock_push(run, client) is not False
        now = fields.Datetime.now()
        totals = defaultdict(int)
        calls = defaultdict(int)
        errors = []
        rows = self._stock_variant_rows()
        location = self.stock_location_id

        lines, problems = self._stock_lines(
            location, self.stock_warehouse_ids, rows, orders_current=orders_current
        )
        stored = 0

        def store(batch):
            # What Shopify accepted is recorded with each batch; in a background
            # run, _progress commits it, so a crash later loses nothing written.
            nonlocal stored
            self._stock_store(location, batch, now)
            stored += len(batch)
            run._progress(stored, len(lines))

        self._stock_report_problems(run, problems, totals)
        result = stock.push_stock(
            client, self._stock_settings(run, location, mode), lines, on_batch=store
        )
        self._stock_collect(run, result, totals, calls, errors)

        for route in self.stock_route_ids.filtered("active"):
            # Extra pairs keep no figures per variant: read the location first.
            route_lines, problems = self._stock_lines(
                route.location_id,
                route.warehouse_ids,
                rows,
                known=False,
                orders_current=orders_current,
            )
            self._stock_report_problems(run, problems, totals, route.location_id)
            try:
                levels = dict(stock.read_location_levels(client, route.location_id.shopify_gid))
            except ShopifyError as exc:
                errors.append(exc)
                totals["failed"] += len(route_lines)
                continue
            for line in route_lines:
                state = levels.get(line.item_gid) or {"stocked": False, "available": 0}
                stock.apply_read(line, {"committed": 0, "tracked": True, **state})
                line.last_pushed = line.available  # "changed": differs from Shopify's figure
            settings = self._stock_settings(run, route.location_id, mode)
            result = stock.push_stock(client, settings, route_lines)
            self._stock_collect(run, result, totals, calls, errors, route.location_id)

        for exc in errors:
            run._log(self._shopify_error_message(exc))
        self.stock_last_push_at = now
        run.write(
            {
                "count_updated": totals["pushed"],
                "count_unchanged": totals["unchanged"],
                "count_skipped": totals["skipped"],
                "count_failed": totals["failed"],
                "summary": self.env._(
                    "%(pushed)s quantities written to Shopify, %(unchanged)s unchanged, "
                    "%(skipped)s skipped, %(failed)s failed (%(sets)s write calls, %(reads)s "
                    "read calls).",
                    pushed=totals["pushed"],
                    unchanged=totals["unchanged"],
                    skipped=totals["skipped"],
                    failed=totals["failed"],
                    sets=calls["set"],
                    reads=calls["read"],
                ),
            }
        )

    # ------------------------------------------------------------------
    # Compare (for the discrepancy report)
    # ------------------------------------------------------------------
    def _stock_compare(self, client):
        """Read every level of the connected location and compute Odoo's quantity."""
        self.ensure_one()
        self._stock_check_config()
        location = self.stock_location_id
        levels = dict(stock.read_location_levels(client, location.shopify_gid))
        lines, _problems = self._stock_lines(
            location, self.stock_warehouse_ids, self._stock_variant_rows(), known=False
        )
        settings = self._stock_settings(None, location, "all")
        for line in lines:
            state = levels.get(line.item_gid) or {"stocked": False, "available": 0, "committed": 0}
            stock.apply_read(line, state)
            stock.compute_target(line, settings)
        self._stock_store(location, lines, fields.Datetime.now())
        return len(lines)

    # ------------------------------------------------------------------
    # Import (Shopify -> Odoo, for setting up)
    # ------------------------------------------------------------------
    def _stock_import(self, run, client):
        """Shopify's on-hand quantities at the connected location become the
        on-hand quantities of the default warehouse, by inventory adjustment.

        On hand (not available): it counts the units committed to open orders,
        which Odoo also holds on hand (and reserves once the orders are imported).
        """
        self.ensure_one()
        self._stock_check_config()
        location = self.stock_location_id
        warehouse = self.stock_warehouse_ids.sorted(lambda w: (w.sequence, w.id))[:1]
        stock_location = warehouse.lot_stock_id
        levels = dict(stock.read_location_levels(client, location.shopify_gid))
        rows = self._stock_variant_rows()
        by_product = defaultdict(list)
        skipped = []
        for row in rows:
            if not row["is_storable"]:
                skipped.append((row, self.env._("The Odoo product does not track stock.")))
            elif row["inventory_item_gid"] not in levels:
                skipped.append((row, self.env._("Not stocked at the Shopify location.")))
            else:
                by_product[row["product_id"]].append(row)
        products = self.env["product.product"].browse(list(by_product))
        on_hand = self._stock_on_hand(warehouse, products.ids)
        Quant = self.env["stock.quant"].with_context(
            inventory_mode=True,
            inventory_name=self.env._("Shopify stock import (%(shop)s)", shop=self.name),
        )
        quants = Quant.browse()
        counted = defaultdict(int)
        for product in products:
            product_rows = by_product[product.id]
            if len(product_rows) > 1:
                for row in product_rows:
                    skipped.append(
                        (row, self.env._("Several Shopify variants are linked to this product."))
                    )
                continue
            if product.tracking != "none":
                skipped.append(
                    (
                        product_rows[0],
                        self.env._("Tracked by lots or serial numbers: count it in Odoo."),
                    )
                )
                continue
            row = product_rows[0]
            target = levels[row["inventory_item_gid"]]["on_hand"]
            main = Quant._gather(product, stock_location, strict=True)
            main_qty = sum(main.mapped("quantity"))
            elsewhere = on_hand.get(product.id, 0.0) - main_qty
            new_qty = target - elsewhere
            if new_qty < 0:
                run._log(
                    self.env._(
                        "Shopify holds %(target)s, but %(elsewhere)s are in other locations of "
                        "%(warehouse)s: set to 0 in %(location)s.",
                        target=target,
                        elsewhere=elsewhere,
                        warehouse=warehouse.name,
                        location=stock_location.display_name,
                    ),
                    level="warning",
                    reference=row["sku"],
                )
                new_qty = 0
            if product.uom_id.compare(new_qty, main_qty) == 0:
                counted["unchanged"] += 1
                continue
            quants |= Quant.create(
                {
                    "product_id": product.id,
                    "location_id": stock_location.id,
                    "inventory_quantity": new_qty,
                }
            )
            counted["updated"] += 1
        if quants:
            quants._apply_inventory()
        for row, reason in skipped:
            run._log(reason, level="warning", reference=row["sku"] or row["inventory_item_gid"])
        # What Shopify reported is now the last known state of each variant.
        lines = []
        for rows_of_product in by_product.values():
            for row in rows_of_product:
                line = stock.StockLine(key=row["id"], item_gid=row["inventory_item_gid"])
                stock.apply_read(line, levels[row["inventory_item_gid"]])
                lines.append(line)
        self._stock_store(location, lines, fields.Datetime.now())
        run.write(
            {
                "count_updated": counted["updated"],
                "count_unchanged": counted["unchanged"],
                "count_skipped": len(skipped),
                "summary": self.env._(
                    "%(updated)s on-hand quantities of %(warehouse)s set from Shopify "
                    "(inventory adjustments), %(unchanged)s already equal, %(skipped)s skipped.",
                    updated=counted["updated"],
                    warehouse=warehouse.name,
                    unchanged=counted["unchanged"],
                    skipped=len(skipped),
                ),
            }
        )
