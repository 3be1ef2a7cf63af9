"""Orders right on first contact: a shop whose orders have a history before the
first fetch (refunded, edited, shipped, returned, sold at a POS, risky, held),
imported with the addon's default settings unless a test is about a setting."""

from .order_fixtures import order_node, orders_page
from .test_lifecycle import MUG_LINE, TSHIRT_LINE, LifecycleCase, fulfillments, refund

POS_LOCATION = "gid://shopify/Location/2002"


def first(**changes):
    """The order #1001 as the first fetch finds it."""
    return order_node("simple_paid", **changes)


def set_line(node, gid, **values):
    for line in node["lineItems"]["nodes"]:
        if line["id"] == gid:
            line.update(values)
    return node


class FirstContactCase(LifecycleCase):
    def fetch_with(self, node, *answers):
        """One fetch of ``node`` (or of a list of nodes); ``answers``: Shopify's
        answers after the page."""
        nodes = node if isinstance(node, tuple) else (node,)
        self.graphql(orders_page(*nodes), *answers)
        self.shop.action_fetch_orders()
        run = self.env["shopify.run"].search(
            [("shop_id", "=", self.shop.id), ("job", "=", "orders")], limit=1
        )
        self.assertNotEqual(run.state, "failed", self.messages(run))
        return run

    def line(self, sale, gid):
        return sale.order_line.filtered(lambda sol: sol.shopify_line_gid == gid)

    def reserved(self, sale):
        moves = sale.picking_ids.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        return sum(moves.move_line_ids.mapped("quantity"))

    def delivered(self, sale, product):
        return sum(
            sale.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
            .move_ids.filtered(lambda m: m.state == "done" and m.product_id == product)
            .mapped("quantity")
        )


class TestRefundedAndEditedBeforeTheFirstFetch(FirstContactCase):
    def test_paid_then_partly_refunded_is_imported_confirmed_with_the_current_quantities(self):
        node = first(
            displayFinancialStatus="PARTIALLY_REFUNDED",
            refunds=[refund("gid://shopify/Refund/21", (TSHIRT_LINE, 1, "CANCEL"))],
        )
        set_line(node, TSHIRT_LINE, currentQuantity=1, unfulfilledQuantity=1)
        run = self.fetch_with(node)
        self.assertEqual(run.count_created, 1, self.messages(run))
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(self.line(sale, TSHIRT_LINE).product_uom_qty, 1)
        moves = sale.picking_ids.move_ids
        self.assertEqual(moves.filtered(lambda m: m.product_id == self.tshirt).product_uom_qty, 1)
        self.assertEqual(self.reserved(sale), 2)  # 1 T-shirt and 1 mug, no more
        self.assertEqual(sale.shopify_refund_ids.shopify_refund_gid, "gid://shopify/Refund/21")
        self.assertFalse(sale.shopify_refund_ids.return_picking_ids)

    def test_edited_before_the_first_fetch_carries_the_current_quantities(self):
        node = set_line(first(), TSHIRT_LINE, currentQuantity=1, unfulfilledQuantity=1)
        self.fetch_with(node)
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(self.line(sale, TSHIRT_LINE).product_uom_qty, 1)
        self.assertEqual(self.reserved(sale), 2)


class TestShippedBeforeTheFirstFetch(FirstContactCase):
    def shipped(self, tshirts=2, mugs=1):
        node = first(
            displayFulfillmentStatus="FULFILLED"
            if (tshirts, mugs) == (2, 1)
            else "PARTIALLY_FULFILLED"
        )
        set_line(node, TSHIRT_LINE, unfulfilledQuantity=2 - tshirts)
        set_line(node, MUG_LINE, unfulfilledQuantity=1 - mugs)
        shipped = {gid: qty for gid, qty in ((TSHIRT_LINE, tshirts), (MUG_LINE, mugs)) if qty}
        return node, fulfillments(shipped)

    def test_fulfilled_order_is_flagged_by_default_as_an_update_would(self):
        run = self.fetch_with(*self.shipped())
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.activity_ids.summary, "Shipped in Shopify")
        self.assertFalse(sale.picking_ids.filtered(lambda p: p.state == "done"))
        self.assertIn("#1001", self.messages(run))

    def test_fulfilled_order_is_delivered_at_once_when_the_shop_validates(self):
        self.shop.order_fulfillment_validate = True
        stock = self.warehouse.lot_stock_id
        before = self.tshirt.with_context(location=stock.id).qty_available
        self.fetch_with(*self.shipped())
        sale = self.sale("#1001")
        done = sale.picking_ids.filtered(lambda p: p.state == "done")
        self.assertEqual(len(done), 1)
        self.assertEqual(done.shopify_fulfillment_state, "shopify")  # never pushed back
        self.assertFalse(sale.picking_ids - done)
        self.assertEqual(self.reserved(sale), 0)
        self.assertEqual(self.tshirt.with_context(location=stock.id).qty_available, before - 2)
        self.assertFalse(sale.activity_ids)

    def test_partly_fulfilled_order_is_delivered_in_part_the_rest_stays_to_ship(self):
        self.shop.order_fulfillment_validate = True
        self.fetch_with(*self.shipped(tshirts=1, mugs=0))
        sale = self.sale("#1001")
        self.assertEqual(self.delivered(sale, self.tshirt), 1)
        self.assertEqual(self.delivered(sale, self.mug), 0)
        backorder = sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        by_product = {m.product_id: m.product_uom_qty for m in backorder.move_ids}
        self.assertEqual(by_product, {self.tshirt: 1, self.mug: 1})
        self.assertEqual(self.reserved(sale), 2)  # only what is still to ship

    def test_delivered_then_returned_gives_sale_delivery_and_return(self):
        self.shop.order_fulfillment_validate = True
        node, shipped = self.shipped()
        node.update(
            displayFinancialStatus="PARTIALLY_REFUNDED",
            refunds=[refund("gid://shopify/Refund/31", (TSHIRT_LINE, 1, "RETURN"))],
        )
        set_line(node, TSHIRT_LINE, currentQuantity=1)
        run = self.fetch_with(node, shipped)
        sale = self.sale("#1001")
        self.assertEqual(self.line(sale, TSHIRT_LINE).product_uom_qty, 2)
        self.assertEqual(self.delivered(sale, self.tshirt), 2)
        back = sale.shopify_refund_ids.return_picking_ids
        self.assertEqual(back.picking_type_code, "incoming")
        self.assertEqual(back.move_ids.product_id, self.tshirt)
        self.assertEqual(back.move_ids.product_uom_qty, 1)
        self.assertFalse(sale.activity_ids, self.messages(run))
        # read again: nothing is applied twice
        again = self.fetch_with(dict(node, updatedAt="2026-03-03T11:00:00Z"))
        self.assertEqual(len(sale.shopify_refund_ids), 1, self.messages(again))
        self.assertEqual(len(sale.picking_ids), 2)


class TestPosOrders(FirstContactCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.store = env["stock.warehouse"].create({"name": "Laden Berlin", "code": "LBE"})
        location = env["shopify.location"].create(
            {"shop_id": cls.shop.id, "shopify_gid": POS_LOCATION, "name": "Laden Berlin"}
        )
        env["shopify.stock.route"].create(
            {
                "shop_id": cls.shop.id,
                "location_id": location.id,
                "warehouse_ids": [(6, 0, cls.store.ids)],
            }
        )
        env["stock.quant"]._update_available_quantity(cls.tshirt, cls.store.lot_stock_id, 5)

    def pos_node(self, location=POS_LOCATION):
        node = first(
            sourceName="pos",
            retailLocation={"id": location},
            displayFulfillmentStatus="FULFILLED",
            shippingAddress=None,
        )
        set_line(node, TSHIRT_LINE, unfulfilledQuantity=0)
        set_line(node, MUG_LINE, unfulfilledQuantity=0)
        return node

    def test_pos_order_is_a_completed_sale_from_the_paired_warehouse(self):
        online = self.warehouse.lot_stock_id
        online_before = self.tshirt.with_context(location=online.id).qty_available
        run = self.fetch_with(self.pos_node())
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "sale", self.messages(run))
        self.assertEqual(sale.warehouse_id, self.store)
        done = sale.picking_ids
        self.assertEqual(done.mapped("state"), ["done"])
        self.assertEqual(done.picking_type_id.warehouse_id, self.store)
        self.assertEqual(done.shopify_fulfillment_state, "shopify")
        self.assertEqual(self.reserved(sale), 0)
        self.assertEqual(
            self.tshirt.with_context(location=self.store.lot_stock_id.id).qty_available, 3
        )
        self.assertEqual(self.tshirt.with_context(location=online.id).qty_available, online_before)
        self.assertFalse(
            self.env["shopify.run"].search(
                [("shop_id", "=", self.shop.id), ("job", "=", "fulfillment")]
            )
        )

    def test_pos_order_of_an_unpaired_location_fails_with_what_to_set_up(self):
        self.graphql(orders_page(self.pos_node("gid://shopify/Location/9999")))
        self.shop.action_fetch_orders()
        run = self.env["shopify.run"].search([("shop_id", "=", self.shop.id)], limit=1)
        self.assertEqual(run.count_failed, 1)
        self.assertIn("paired", self.messages(run))
        self.assertFalse(self.sale("#1001"))


class TestOrdersHeldForReview(FirstContactCase):
    def test_high_risk_order_is_a_flagged_quotation_until_the_risk_goes(self):
        self.assertTrue(self.shop.order_review_risky)  # the default
        risky = {"recommendation": "CANCEL", "assessments": [{"riskLevel": "HIGH"}]}
        run = self.fetch_with(first(risk=risky))
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "draft")
        self.assertFalse(sale.picking_ids)
        self.assertEqual(sale.activity_ids.summary, "Review the order in Shopify")
        self.assertIn("high risk", sale.activity_ids.note)
        self.assertIn("#1001", self.messages(run))
        # read again with the same risk: flagged once
        self.fetch_with(first(risk=risky, updatedAt="2026-03-03T10:00:00Z"))
        self.assertEqual(sale.state, "draft")
        self.assertEqual(len(sale.activity_ids), 1)
        # the merchant checked it in Shopify: the next fetch confirms it
        accepted = {"recommendation": "ACCEPT", "assessments": [{"riskLevel": "LOW"}]}
        self.fetch_with(first(risk=accepted, updatedAt="2026-03-03T11:00:00Z"))
        self.assertEqual(sale.state, "sale")
        self.assertTrue(sale.picking_ids)
        self.assertFalse(sale.activity_ids)

    def test_order_on_hold_is_a_flagged_quotation_until_released(self):
        self.fetch_with(first(displayFulfillmentStatus="ON_HOLD"))
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "draft")
        self.assertIn("on hold", sale.activity_ids.note)
        self.fetch_with(first(updatedAt="2026-03-03T11:00:00Z"))
        self.assertEqual(sale.state, "sale")
        self.assertFalse(sale.activity_ids)

    def test_risky_orders_are_confirmed_when_the_shop_does_not_hold_them(self):
        self.shop.order_review_risky = False
        risky = {"recommendation": "CANCEL", "assessments": [{"riskLevel": "HIGH"}]}
        self.fetch_with(first(risk=risky))
        self.assertEqual(self.sale("#1001").state, "sale")


class TestSkippedOrders(FirstContactCase):
    def test_skipped_orders_are_counted_and_told_in_the_summary(self):
        authorized = first(
            id="gid://shopify/Order/6100000009001", displayFinancialStatus="AUTHORIZED"
        )
        cancelled = first(
            id="gid://shopify/Order/6100000009002",
            cancelledAt="2026-03-02T10:00:00Z",
            cancelReason="CUSTOMER",
        )
        authorized["name"], cancelled["name"] = "#9001", "#9002"
        run = self.fetch_with((authorized, cancelled))
        self.assertEqual((run.count_created, run.count_skipped), (0, 2), self.messages(run))
        self.assertIn("2 skipped", run.summary)
        warning = run.message_ids.filtered(lambda m: m.level == "warning")
        self.assertEqual(warning.reference, "#9001")
        self.assertIn("AUTHORIZED", warning.message)
        self.assertIn("#9002", self.messages(run))
