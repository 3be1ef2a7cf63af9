"""After the import: cancellations, refunds and returns, edits, fulfilments both ways."""

import json

from odoo.tests import tagged

from .order_fixtures import order_node
from .test_order_import import OrderCase, Simulator, SimulatorServer

ORDER = "gid://shopify/Order/6100000001001"
TSHIRT_LINE = "gid://shopify/LineItem/14000000000001"
MUG_LINE = "gid://shopify/LineItem/14000000000002"
LOCATION = "gid://shopify/Location/1001"
FO = "gid://shopify/FulfillmentOrder/900"


def later(minutes, **changes):
    """The order #1001 as Shopify sends it ``minutes`` after its import."""
    return order_node("simple_paid", updatedAt=f"2026-03-03T10:{minutes:02d}:00Z", **changes)


def refund(gid, *items):
    """A refund node: ``items`` are (line gid, quantity, restock type)."""
    return {
        "id": gid,
        "createdAt": "2026-03-04T08:00:00Z",
        "refundLineItems": {
            "nodes": [
                {"quantity": qty, "restockType": restock, "lineItem": {"id": line}}
                for line, qty, restock in items
            ],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        },
    }


def fulfillment_orders(status="OPEN", **remaining):
    lines = {"tshirt": TSHIRT_LINE, "mug": MUG_LINE}
    return {
        "order": {
            "fulfillmentOrders": {
                "nodes": [
                    {
                        "id": FO,
                        "status": status,
                        "assignedLocation": {"location": {"id": LOCATION}},
                        "lineItems": {
                            "nodes": [
                                {
                                    "id": f"{FO}1{key}",
                                    "remainingQuantity": qty,
                                    "totalQuantity": {"tshirt": 2, "mug": 1}[key],
                                    "lineItem": {"id": lines[key]},
                                }
                                for key, qty in remaining.items()
                            ],
                            "pageInfo": {"hasNextPage": False, "endCursor": None},
                        },
                    }
                ],
                "pageInfo": {"hasNextPage": False, "endCursor": None},
            }
        }
    }


def fulfillments(*shipped):
    """``shipped``: one {line gid: qty} per fulfilment made in Shopify."""
    return {
        "order": {
            "id": ORDER,
            "displayFulfillmentStatus": "PARTIALLY_FULFILLED" if shipped else "UNFULFILLED",
            "fulfillments": [
                {
                    "id": f"gid://shopify/Fulfillment/{index}",
                    "name": f"#1001.{index}",
                    "status": "SUCCESS",
                    "createdAt": "2026-03-03T10:00:00Z",
                    "trackingInfo": [],
                    "fulfillmentLineItems": {
                        "nodes": [
                            {"quantity": qty, "lineItem": {"id": gid}}
                            for gid, qty in lines.items()
                        ],
                        "pageInfo": {"hasNextPage": False, "endCursor": None},
                    },
                }
                for index, lines in enumerate(shipped, start=1)
            ],
        }
    }


def created(number, *errors):
    if errors:
        return {
            "fulfillmentCreate": {
                "fulfillment": None,
                "userErrors": [{"field": ["fulfillment"], "message": e} for e in errors],
            }
        }
    return {
        "fulfillmentCreate": {
            "fulfillment": {
                "id": f"gid://shopify/Fulfillment/{number}",
                "name": f"#1001.{number}",
                "status": "SUCCESS",
                "trackingInfo": [],
            },
            "userErrors": [],
        }
    }


class LifecycleCase(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.warehouse = cls.shop._order_warehouse()
        stock = cls.warehouse.lot_stock_id
        for product in (cls.tshirt, cls.mug):
            env["stock.quant"]._update_available_quantity(product, stock, 10)
        location = env["shopify.location"].create(
            {"shop_id": cls.shop.id, "shopify_gid": LOCATION, "name": "Lager"}
        )
        cls.shop.stock_location_id = location
        shipping = env["product.product"].create({"name": "DHL", "type": "service"})
        cls.carrier = env["delivery.carrier"].create(
            {"name": "DHL Paket", "product_id": shipping.id, "shopify_company": "DHL Express"}
        )

    def import_order(self):
        run = self.fetch(order_node("simple_paid"))
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        return self.sale("#1001")

    def ship(self, sale, quantities=None, tracking=None, known=False):
        """Validate the open delivery for ``quantities`` {product: qty} (all by default)."""
        picking = sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))[:1]
        for move in picking.move_ids:
            quantity = move.product_uom_qty
            if quantities is not None:
                quantity = quantities.get(move.product_id, 0)
            move.quantity = quantity
            move.picked = bool(quantity)
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking})
        picking._action_done()
        if known:  # as if pushed already (the test is about something else)
            picking.shopify_fulfillment_state = "pushed"
        return picking

    def push(self):
        run = self.shop._run_job("fulfillment")
        return run

    def messages(self, run):
        return " | ".join(run.message_ids.mapped("message"))


class TestCancellation(LifecycleCase):
    def test_cancelled_before_shipping_cancels_order_and_deliveries(self):
        sale = self.import_order()
        picking = sale.picking_ids
        self.assertEqual(picking.state, "assigned")
        run = self.fetch(later(1, cancelledAt="2026-03-03T10:01:00Z", cancelReason="CUSTOMER"))
        self.assertEqual(run.count_updated, 1, self.messages(run))
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(picking.state, "cancel")
        self.assertTrue(sale.shopify_cancelled)
        self.assertIn("#1001", self.messages(run))
        # read again: nothing more happens
        again = self.fetch(later(1, cancelledAt="2026-03-03T10:01:00Z", cancelReason="CUSTOMER"))
        self.assertEqual(again.count_unchanged, 1)

    def test_cancelled_invoiced_order_is_cancelled_with_a_credit_note_of_its_refund(self):
        sale = self.import_order()
        if not self.env["account.journal"].search_count(
            [("type", "=", "sale"), ("company_id", "=", sale.company_id.id)], limit=1
        ):
            self.skipTest("the test company has no chart of accounts")
        # a paid order is invoiced at import (the default)
        self.assertEqual(sale.invoice_ids.mapped("state"), ["posted"])
        node = later(1, cancelledAt="2026-03-03T10:01:00Z", cancelReason="CUSTOMER")
        node["refunds"] = [
            refund("gid://shopify/Refund/7", (TSHIRT_LINE, 2, "CANCEL"), (MUG_LINE, 1, "CANCEL"))
        ]
        for line in node["lineItems"]["nodes"]:
            line["currentQuantity"] = 0
        run = self.fetch(node)
        self.assertEqual(sale.state, "cancel", self.messages(run))
        credit = sale.shopify_refund_ids.credit_note_id
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(sorted(credit.invoice_line_ids.mapped("quantity")), [1, 2])
        self.assertFalse(sale.shopify_refund_ids.return_picking_ids)

    def test_cancelled_after_shipping_is_flagged_never_changed(self):
        sale = self.import_order()
        picking = self.ship(sale, known=True)
        run = self.fetch(later(2, cancelledAt="2026-03-03T10:02:00Z", cancelReason="FRAUD"))
        self.assertEqual(sale.state, "sale")
        self.assertEqual(picking.state, "done")
        self.assertTrue(sale.shopify_cancelled)
        activity = sale.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("after shipping", activity.summary)
        self.assertIn("FRAUD", activity.note)
        self.assertIn("#1001", self.messages(run))
        self.fetch(later(3, cancelledAt="2026-03-03T10:02:00Z", cancelReason="FRAUD"))
        self.assertEqual(len(sale.activity_ids), 1)


class TestRefunds(LifecycleCase):
    def returned_node(self, minutes, *refunds):
        node = later(minutes, refunds=list(refunds), displayFinancialStatus="PARTIALLY_REFUNDED")
        for item in refunds[0]["refundLineItems"]["nodes"]:
            for line in node["lineItems"]["nodes"]:
                if line["id"] == item["lineItem"]["id"]:
                    line["currentQuantity"] -= item["quantity"]
        return node

    def test_refund_with_restock_returns_the_units_into_the_warehouse_once(self):
        self.shop.order_return_validate = True
        sale = self.import_order()
        self.ship(sale, known=True)
        stock = self.warehouse.lot_stock_id
        before = self.tshirt.with_context(location=stock.id).qty_available
        node = self.returned_node(5, refund("gid://shopify/Refund/1", (TSHIRT_LINE, 1, "RETURN")))
        run = self.fetch(node)
        self.assertEqual(run.count_updated, 1, self.messages(run))
        applied = sale.shopify_refund_ids
        self.assertEqual(applied.shopify_refund_gid, "gid://shopify/Refund/1")
        back = applied.return_picking_ids
        self.assertEqual(back.state, "done")
        self.assertEqual(back.picking_type_code, "incoming")
        self.assertEqual(back.move_ids.product_id, self.tshirt)
        self.assertEqual(back.move_ids.quantity, 1)
        self.assertEqual(back.move_ids.location_dest_id, stock)
        self.assertEqual(self.tshirt.with_context(location=stock.id).qty_available, before + 1)
        self.assertEqual(
            sale.order_line.filtered(lambda sol: sol.product_id == self.tshirt).qty_delivered, 1
        )
        self.assertIn("#1001", self.messages(run))
        # the same refund delivered again (re-fetch, webhook): applied once
        again = self.fetch(
            self.returned_node(6, refund("gid://shopify/Refund/1", (TSHIRT_LINE, 1, "RETURN")))
        )
        self.assertEqual(again.count_updated, 1)  # only the update time moved
        self.assertEqual(sale.shopify_refund_ids, applied)
        self.assertEqual(len(sale.picking_ids), 2)
        self.assertEqual(self.tshirt.with_context(location=stock.id).qty_available, before + 1)

    def test_return_left_to_the_warehouse_by_default(self):
        sale = self.import_order()
        self.ship(sale, known=True)
        self.fetch(
            self.returned_node(
                5, refund("gid://shopify/Refund/2", (MUG_LINE, 1, "LEGACY_RESTOCK"))
            )
        )
        back = sale.shopify_refund_ids.return_picking_ids
        self.assertEqual(back.move_ids.product_id, self.mug)
        self.assertNotIn(back.state, ("done", "cancel"))

    def test_refund_without_restock_changes_no_stock(self):
        sale = self.import_order()
        self.ship(sale, known=True)
        moves = self.env["stock.move"].search_count([])
        run = self.fetch(
            self.returned_node(5, refund("gid://shopify/Refund/3", (TSHIRT_LINE, 1, "NO_RESTOCK")))
        )
        self.assertEqual(run.count_updated, 1, self.messages(run))
        self.assertEqual(len(sale.shopify_refund_ids), 1)
        self.assertFalse(sale.shopify_refund_ids.return_picking_ids)
        self.assertEqual(self.env["stock.move"].search_count([]), moves)
        self.assertEqual(len(sale.picking_ids), 1)

    def test_refund_of_an_order_invoiced_by_hand_gives_a_draft_credit_note(self):
        # a shop that leaves invoicing to the merchant (the default: test_order_accounting)
        self.shop.invoice_policy = "never"
        sale = self.import_order()
        self.ship(sale, known=True)
        if not self.env["account.journal"].search_count(
            [("type", "=", "sale"), ("company_id", "=", sale.company_id.id)], limit=1
        ):
            self.skipTest("the test company has no chart of accounts")
        # the order's taxes are German ones
        sale.company_id.account_fiscal_country_id = self.env.ref("base.de")
        invoice = sale._create_invoices()
        invoice.action_post()
        self.fetch(
            self.returned_node(5, refund("gid://shopify/Refund/4", (MUG_LINE, 1, "NO_RESTOCK")))
        )
        credit = sale.shopify_refund_ids.credit_note_id
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.state, "draft")
        self.assertEqual(credit.invoice_line_ids.product_id, self.mug)
        self.assertEqual(credit.invoice_line_ids.quantity, 1)
        self.assertIn(credit, sale.invoice_ids)

    def test_refunds_seen_at_the_import_are_not_applied_again(self):
        node = order_node("simple_paid")
        node["refunds"] = [refund("gid://shopify/Refund/9", (TSHIRT_LINE, 1, "RETURN"))]
        node["lineItems"]["nodes"][0]["currentQuantity"] = 1
        self.fetch(node)
        sale = self.sale("#1001")
        self.assertEqual(len(sale.shopify_refund_ids), 1)
        again = dict(node, updatedAt="2026-03-03T10:00:00Z")
        self.fetch(again)
        self.assertEqual(len(sale.picking_ids), 1)


class TestEdits(LifecycleCase):
    def edited(self, minutes, tshirts):
        node = later(minutes)
        node["lineItems"]["nodes"][0]["currentQuantity"] = tshirts
        return node

    def test_edit_before_shipping_updates_the_sale_order_and_its_delivery(self):
        sale = self.import_order()
        node = self.edited(4, 1)
        extra = json.loads(json.dumps(node["lineItems"]["nodes"][1]))
        extra.update(
            id="gid://shopify/LineItem/14000000000003",
            name="Tasse Schwarz",
            title="Tasse Schwarz",
            sku="MUG-WHT",
            quantity=3,
            currentQuantity=3,
        )
        node["lineItems"]["nodes"].append(extra)
        run = self.fetch(node)
        self.assertEqual(run.count_updated, 1, self.messages(run))
        tshirt = sale.order_line.filtered(lambda sol: sol.shopify_line_gid == TSHIRT_LINE)
        self.assertEqual(tshirt.product_uom_qty, 1)
        added = sale.order_line.filtered(lambda sol: sol.shopify_line_gid == extra["id"])
        self.assertEqual(added.product_uom_qty, 3)
        moves = sale.picking_ids.filtered(lambda p: p.state != "cancel").move_ids
        by_product = {}
        for move in moves.filtered(lambda m: m.state != "cancel"):
            by_product[move.product_id] = by_product.get(move.product_id, 0) + move.product_uom_qty
        self.assertEqual(by_product[self.tshirt], 1)
        self.assertEqual(by_product[self.mug], 4)
        self.assertIn("#1001", self.messages(run))

    def test_edit_after_shipping_is_flagged(self):
        sale = self.import_order()
        self.ship(sale, known=True)
        self.fetch(self.edited(4, 1))
        tshirt = sale.order_line.filtered(lambda sol: sol.shopify_line_gid == TSHIRT_LINE)
        self.assertEqual(tshirt.product_uom_qty, 2)
        self.assertIn("after shipping", sale.activity_ids.summary)
        messages = len(sale.message_ids)
        again = self.fetch(self.edited(5, 1))
        self.assertEqual(len(sale.message_ids), messages)
        self.assertEqual(again.count_updated, 1)  # the update time only


class TestFulfillmentPush(LifecycleCase):
    def test_partial_delivery_then_backorder_give_two_fulfillments_with_tracking(self):
        sale = self.import_order()
        first = self.ship(sale, {self.tshirt: 1, self.mug: 1}, tracking="00340434161094000001")
        self.assertEqual(first.shopify_fulfillment_state, "to_push")
        queued = self.env["shopify.run"].search(
            [("shop_id", "=", self.shop.id), ("job", "=", "fulfillment"), ("state", "=", "queued")]
        )
        self.assertEqual(len(queued), 1)
        self.graphql(fulfillment_orders(tshirt=2, mug=1), fulfillments(), created(1))
        run = self.push()
        self.assertEqual(run.state, "done", self.messages(run))
        self.assertEqual(first.shopify_fulfillment_state, "pushed")
        self.assertEqual(first.shopify_fulfillment_gid, "gid://shopify/Fulfillment/1")
        sent = self.sent_queries()[-1]["variables"]["fulfillment"]
        self.assertEqual(
            sent["trackingInfo"], {"company": "DHL Express", "number": "00340434161094000001"}
        )
        self.assertTrue(sent["notifyCustomer"])
        items = sent["lineItemsByFulfillmentOrder"][0]["fulfillmentOrderLineItems"]
        self.assertEqual(sorted(i["quantity"] for i in items), [1, 1])
        self.assertIn("#1001", self.messages(run))

        backorder = self.ship(sale, tracking="00340434161094000002")
        self.assertEqual(backorder.backorder_id, first)
        self.graphql(
            fulfillment_orders(tshirt=1, mug=0),
            fulfillments({TSHIRT_LINE: 1, MUG_LINE: 1}),
            created(2),
        )
        run = self.push()
        self.assertEqual(backorder.shopify_fulfillment_gid, "gid://shopify/Fulfillment/2")
        sent = self.sent_queries()[-1]["variables"]["fulfillment"]
        self.assertEqual(sent["trackingInfo"]["number"], "00340434161094000002")
        self.assertEqual(
            sent["lineItemsByFulfillmentOrder"][0]["fulfillmentOrderLineItems"],
            [{"id": f"{FO}1tshirt", "quantity": 1}],
        )
        # nothing left: a further run sends nothing
        calls = len(self.mock.calls)
        self.push()
        self.assertEqual(len(self.mock.calls), calls)

    def test_a_fulfillment_created_before_a_lost_answer_is_not_created_twice(self):
        sale = self.import_order()
        picking = self.ship(sale)
        self.graphql(
            fulfillment_orders(tshirt=0, mug=0), fulfillments({TSHIRT_LINE: 2, MUG_LINE: 1})
        )
        run = self.push()
        self.assertEqual(picking.shopify_fulfillment_state, "pushed")
        self.assertNotIn("fulfillmentCreate", json.dumps(self.sent_queries()))
        self.assertEqual(run.count_unchanged, 1)

    def test_shopify_refusal_is_shown_on_the_order_and_retried(self):
        sale = self.import_order()
        picking = self.ship(sale, tracking="T-1")
        reason = f"Fulfillment order {FO} is on hold and cannot be fulfilled."
        self.graphql(
            fulfillment_orders("ON_HOLD", tshirt=2, mug=1), fulfillments(), created(1, reason)
        )
        run = self.push()
        self.assertEqual(run.state, "failed")
        self.assertEqual(picking.shopify_fulfillment_state, "error")
        self.assertIn("on hold", sale.shopify_sync_error)
        self.assertIn("on hold", sale.message_ids[0].body)
        self.assertIn("#1001", self.messages(run))
        # the hold is released in Shopify: the next run fulfils it
        self.graphql(fulfillment_orders(tshirt=2, mug=1), fulfillments(), created(1))
        run = self.push()
        self.assertEqual(run.state, "done", self.messages(run))
        self.assertEqual(picking.shopify_fulfillment_state, "pushed")
        self.assertFalse(sale.shopify_sync_error)

    def test_validation_never_waits_for_shopify(self):
        sale = self.import_order()
        # no answer registered: Shopify is unreachable, the validation still succeeds
        picking = self.ship(sale)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.shopify_fulfillment_state, "to_push")


class TestShippedInShopify(LifecycleCase):
    def test_fulfillment_in_shopify_validates_the_delivery_when_the_shop_says_so(self):
        self.shop.order_fulfillment_validate = True
        sale = self.import_order()
        node = later(7, displayFulfillmentStatus="PARTIALLY_FULFILLED")
        self.graphql(
            {"orders": {"nodes": [node], "pageInfo": {"hasNextPage": False, "endCursor": None}}},
            fulfillments({TSHIRT_LINE: 1}),
        )
        self.shop.action_fetch_orders()
        done = sale.picking_ids.filtered(lambda p: p.state == "done")
        self.assertEqual(done.move_ids.filtered("quantity").product_id, self.tshirt)
        self.assertEqual(done.shopify_fulfillment_state, "shopify")
        backorder = sale.picking_ids - done
        self.assertEqual(sum(backorder.move_ids.mapped("product_uom_qty")), 2)

    def test_fulfillment_in_shopify_is_flagged_otherwise(self):
        sale = self.import_order()
        node = later(7, displayFulfillmentStatus="FULFILLED")
        self.graphql(
            {"orders": {"nodes": [node], "pageInfo": {"hasNextPage": False, "endCursor": None}}},
            fulfillments({TSHIRT_LINE: 2, MUG_LINE: 1}),
        )
        self.shop.action_fetch_orders()
        self.assertFalse(sale.picking_ids.filtered(lambda p: p.state == "done"))
        self.assertEqual(sale.activity_ids.summary, "Shipped in Shopify")


@tagged("post_install", "-at_install")
class TestLifecycleWithSimulator(LifecycleCase):
    """End to end: import, ship in Odoo, fulfilment and released units in the simulator."""

    def setUp(self):
        super().setUp()
        if Simulator is None:
            self.skipTest("shopify_simulator is not importable")
        self.sim = Simulator(seed=4, products=3, variants_per_product=(1, 1), orders=0)
        server = SimulatorServer(self.sim)
        server.__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        self.mock.add_passthru(server.base_url)
        self.shop.write({"base_url": server.base_url, "access_token": self.sim.access_token})
        online = self.sim._location()
        self.shop.stock_location_id.shopify_gid = online["id"]

    def test_ship_in_odoo_fulfils_in_shopify_and_releases_committed(self):
        variant = self.sim.store.all("ProductVariant")[0]
        sku = variant["sku"]
        product = self.env["product.product"].create(
            {"name": "Sim product", "default_code": sku, "is_storable": True}
        )
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, 20
        )
        committed = self.sim.quantity(sku, "committed")
        gid = self.sim.place_order(lines=[{"sku": sku, "quantity": 3}])
        self.assertEqual(self.sim.quantity(sku, "committed"), committed + 3)
        run = self.shop._run_job("orders")
        self.assertEqual(run.count_created, 1, self.messages(run))
        sale = self.env["sale.order"].search([("shopify_order_gid", "=", gid)])
        self.assertEqual(sale.order_line.filtered("shopify_line_gid").product_id, product)

        first = self.ship(sale, {product: 2}, tracking="TRACK-1")
        run = self.push()
        self.assertEqual(run.state, "done", self.messages(run))
        order = self.sim.order(gid)
        self.assertEqual(len(order["fulfillments"]), 1)
        fulfillment = self.sim.store.objects[order["fulfillments"][0]]
        self.assertEqual(fulfillment["trackingInfo"][0]["number"], "TRACK-1")
        self.assertEqual(fulfillment["trackingInfo"][0]["company"], "DHL Express")
        self.assertEqual(first.shopify_fulfillment_gid, fulfillment["id"])
        self.assertEqual(self.sim.quantity(sku, "committed"), committed + 1)

        # the backorder is pushed by the next order fetch
        self.ship(sale, tracking="TRACK-2")
        run = self.shop._run_job("orders")
        self.assertNotEqual(run.state, "failed", self.messages(run))
        order = self.sim.order(gid)
        self.assertEqual(len(order["fulfillments"]), 2)
        self.assertEqual(order["displayFulfillmentStatus"], "FULFILLED")
        self.assertEqual(self.sim.quantity(sku, "committed"), committed)
        # pushed once: another run creates nothing
        self.push()
        self.assertEqual(len(self.sim.order(gid)["fulfillments"]), 2)

        # a return refunded in Shopify comes back into Odoo's warehouse, once
        self.sim.refund(gid, [{"sku": sku, "quantity": 1}], restock_type="RETURN")
        for _i in range(2):
            run = self.shop._run_job("orders")
            self.assertNotEqual(run.state, "failed", self.messages(run))
        self.assertEqual(len(sale.shopify_refund_ids), 1)
        back = sale.shopify_refund_ids.return_picking_ids
        self.assertEqual(back.move_ids.product_id, product)
        self.assertEqual(back.move_ids.product_uom_qty, 1)
