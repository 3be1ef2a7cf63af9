"""Invoices, payments, credit notes and payouts of Shopify orders, on real accounting."""

from odoo.exceptions import AccessError
from odoo.service.model import call_kw
from odoo.tests import new_test_user

from .money_fixtures import (
    balance_transaction,
    balance_transactions_page,
    payout,
    payouts_page,
    transaction,
)
from .order_fixtures import order_node
from .test_lifecycle import MUG_LINE, TSHIRT_LINE, LifecycleCase, refund


class AccountingCase(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the orders' taxes are German ones
        cls.company.account_fiscal_country_id = cls.env.ref("base.de")

    def paid_node(self, *transactions, name="simple_paid", **changes):
        return order_node(name, transactions=list(transactions), **changes)

    def invoice(self, sale):
        return sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")

    def messages(self, run):
        return " | ".join(run.message_ids.mapped("message"))


class TestInvoiceAndPayment(AccountingCase):
    def test_card_order_is_invoiced_and_paid_at_import(self):
        run = self.fetch(self.paid_node(transaction(1, "57.38")))
        self.assertEqual(run.state, "done", self.messages(run))
        sale = self.sale("#1001")
        invoice = self.invoice(sale)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.ref, "#1001")
        self.assertAlmostEqual(invoice.amount_total, 57.38, places=2)
        self.assertAlmostEqual(invoice.amount_tax, sale.amount_tax, places=2)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(sale.invoice_status, "invoiced")
        booked = sale.shopify_transaction_ids
        self.assertEqual(len(booked), 1)
        self.assertEqual(booked.payment_id.journal_id.code, "SHPAY")
        self.assertAlmostEqual(booked.payment_id.amount, 57.38, places=2)
        mapping = self.shop.gateway_ids
        self.assertEqual(mapping.mapped("name"), ["shopify_payments"])

    def test_reading_the_order_again_books_nothing_twice(self):
        node = self.paid_node(transaction(1, "57.38"))
        self.fetch(node)
        sale = self.sale("#1001")
        moves = self.env["account.move"].search_count([])
        for minute in (1, 2):
            run = self.fetch(dict(node, updatedAt=f"2026-03-03T10:0{minute}:00Z"))
            self.assertNotEqual(run.state, "failed", self.messages(run))
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertEqual(len(sale.shopify_transaction_ids), 1)
        self.assertEqual(len(self.invoice(sale)), 1)

    def test_bank_transfer_order_is_invoiced_and_paid_when_shopify_marks_it_paid(self):
        self.shop.order_financial_statuses = "paid, pending"
        self.fetch(self.paid_node(displayFinancialStatus="PENDING"))
        sale = self.sale("#1001")
        self.assertFalse(sale.invoice_ids)
        self.assertFalse(sale.shopify_transaction_ids)
        paid = self.paid_node(
            transaction(5, "57.38", gateway="bank_deposit", at="2026-03-04T08:00:00Z"),
            updatedAt="2026-03-04T08:00:00Z",
        )
        run = self.fetch(paid)
        self.assertNotEqual(run.state, "failed", self.messages(run))
        invoice = self.invoice(sale)
        self.assertEqual(invoice.state, "posted", (sale.state, self.messages(run)))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        payment = sale.shopify_transaction_ids.payment_id
        self.assertEqual(payment.journal_id.type, "bank")
        self.assertNotEqual(payment.journal_id.code, "SHPAY")
        self.assertEqual(str(payment.date), "2026-03-04")

    def test_gift_card_payment_goes_to_the_liability_account_not_to_cash(self):
        self.fetch(
            self.paid_node(transaction(1, "20.00", gateway="gift_card"), transaction(2, "37.38"))
        )
        sale = self.sale("#1001")
        self.assertIn(self.invoice(sale).payment_state, ("paid", "in_payment"))
        gift = sale.shopify_transaction_ids.filtered(lambda t: t.gateway == "gift_card")
        self.assertFalse(gift.payment_id)
        line = gift.move_id.line_ids.filtered(
            lambda ml: ml.account_id == self.shop.gift_card_account_id
        )
        self.assertEqual(line.account_id.account_type, "liability_current")
        self.assertAlmostEqual(line.amount_currency, 20.0, places=2)
        card = sale.shopify_transaction_ids - gift
        self.assertAlmostEqual(card.payment_id.amount, 37.38, places=2)

    def test_foreign_presentment_currency_is_paid_in_the_shop_currency(self):
        self.env["shopify.variant"].search([]).unlink()
        run = self.fetch(
            order_node("foreign_presentment_chf", transactions=[transaction(7, "73.50")])
        )
        self.assertNotEqual(run.state, "failed", self.messages(run))
        sale = self.sale("#1007")
        invoice = self.invoice(sale)
        self.assertEqual(invoice.currency_id, self.eur)
        self.assertAlmostEqual(invoice.amount_total, 73.50, places=2)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(sale.shopify_transaction_ids.payment_id.currency_id, self.eur)

    def test_never_invoice_books_nothing(self):
        self.shop.invoice_policy = "never"
        self.fetch(self.paid_node(transaction(1, "57.38")))
        sale = self.sale("#1001")
        self.assertFalse(sale.invoice_ids)
        self.assertFalse(sale.shopify_transaction_ids)


class TestRefundCreditNotes(AccountingCase):
    def refunded(self, minutes, refunds, *transactions):
        node = self.paid_node(
            transaction(1, "57.38"),
            *transactions,
            updatedAt=f"2026-03-04T10:{minutes:02d}:00Z",
            displayFinancialStatus="PARTIALLY_REFUNDED",
        )
        node["refunds"] = refunds
        return node

    def test_partial_refund_without_restock_credits_the_money(self):
        self.fetch(self.paid_node(transaction(1, "57.38")))
        sale = self.sale("#1001")
        node = self.refunded(
            1,
            [refund("gid://shopify/Refund/4", (MUG_LINE, 1, "NO_RESTOCK"))],
            transaction(2, "12.50", kind="REFUND", at="2026-03-04T08:00:01Z"),
        )
        run = self.fetch(node)
        self.assertNotEqual(run.state, "failed", self.messages(run))
        credit = sale.shopify_refund_ids.credit_note_id
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.state, "posted")
        self.assertAlmostEqual(credit.amount_total, 12.50, places=2)
        self.assertIn(credit.payment_state, ("paid", "in_payment"))
        refund_payment = sale.shopify_transaction_ids.filtered(lambda t: t.kind == "REFUND")
        self.assertEqual(refund_payment.payment_id.payment_type, "outbound")
        self.assertFalse(sale.shopify_refund_ids.return_picking_ids)
        # read again: nothing new
        moves = self.env["account.move"].search_count([])
        self.fetch(dict(node, updatedAt="2026-03-04T11:00:00Z"))
        self.assertEqual(self.env["account.move"].search_count([]), moves)

    def test_refund_with_restock_and_shipping_credits_lines_and_shipping(self):
        self.fetch(self.paid_node(transaction(1, "57.38")))
        sale = self.sale("#1001")
        self.ship(sale, known=True)
        node = self.refunded(
            1,
            [refund("gid://shopify/Refund/5", (TSHIRT_LINE, 1, "RETURN"))],
            transaction(3, "24.89", kind="REFUND", at="2026-03-04T08:00:00Z"),
        )
        node["lineItems"]["nodes"][0]["currentQuantity"] = 1
        run = self.fetch(node)
        self.assertNotEqual(run.state, "failed", self.messages(run))
        refund_record = sale.shopify_refund_ids
        self.assertTrue(refund_record.return_picking_ids)
        credit = refund_record.credit_note_id
        self.assertAlmostEqual(credit.amount_total, 24.89, places=2)
        shipping = credit.invoice_line_ids.filtered(
            lambda ml: ml.product_id == self.shop.order_shipping_product_id
        )
        self.assertAlmostEqual(shipping.price_total, 4.90, places=2)
        self.assertIn(credit.payment_state, ("paid", "in_payment"))


class TestPayouts(AccountingCase):
    def test_payout_of_several_orders_reconciles_exactly_with_fees(self):
        self.fetch(self.paid_node(transaction(1, "57.38")))
        second = order_node("simple_paid", transactions=[transaction(2, "57.38")])
        second.update(
            id="gid://shopify/Order/6100000009999", name="#1099", updatedAt="2026-03-02T09:17:00Z"
        )
        self.fetch(second)
        sales = self.sale("#1001") | self.sale("#1099")
        self.assertEqual(len(sales.shopify_transaction_ids), 2)
        # 2 x 57.38 less fees 1.34 each (1.9 % + 0.25) = 112.08
        self.graphql(
            payouts_page(payout(77, "112.08")),
            balance_transactions_page(
                balance_transaction(1, "CHARGE", "57.38", "1.34", source="1", order="#1001"),
                balance_transaction(2, "CHARGE", "57.38", "1.34", source="2", order="#1099"),
            ),
        )
        run = self.shop._run_job("payouts")
        self.assertEqual(run.state, "done", self.messages(run))
        record = self.shop.payout_ids
        self.assertEqual(record.state, "reconciled")
        self.assertAlmostEqual(record.amount_net, 112.08, places=2)
        self.assertAlmostEqual(record.amount_fee, 2.68, places=2)
        line = record.statement_line_id
        self.assertAlmostEqual(line.amount, 112.08, places=2)
        self.assertTrue(line.is_reconciled)
        for booked in sales.shopify_transaction_ids:
            self.assertTrue(booked._outstanding_line().reconciled)
            self.assertEqual(booked.payout_id, record)
        fee = line.move_id.line_ids.filtered(
            lambda ml: ml.account_id == self.shop.payout_fee_account_id
        )
        self.assertAlmostEqual(fee.amount_currency, 2.68, places=2)
        self.assertEqual(self.shop.payout_last_id, record)
        self.assertEqual(self.shop.payout_open_count, 0)
        # imported again: nothing booked twice
        self.graphql(payouts_page(payout(77, "112.08")))
        lines = self.env["account.bank.statement.line"].search_count([])
        self.shop._run_job("payouts")
        self.assertEqual(self.env["account.bank.statement.line"].search_count([]), lines)
        self.assertEqual(len(self.shop.payout_ids), 1)

    def test_payout_with_an_unknown_charge_and_a_chargeback_is_booked_explicitly(self):
        self.fetch(self.paid_node(transaction(1, "57.38")))
        self.graphql(
            payouts_page(payout(78, "46.04")),
            balance_transactions_page(
                balance_transaction(1, "CHARGE", "57.38", "1.34", source="1", order="#1001"),
                balance_transaction(3, "CHARGE", "10.00", "0.44", source="333", order="#9"),
                balance_transaction(4, "CHARGEBACK_HOLD", "-19.56", "0.00"),
            ),
        )
        run = self.shop._run_job("payouts")
        self.assertNotEqual(run.state, "failed", self.messages(run))
        record = self.shop.payout_ids
        self.assertEqual(record.state, "open")
        self.assertEqual(record.unmatched_count, 1)
        self.assertAlmostEqual(record.statement_line_id.amount, 46.04, places=2)
        self.assertAlmostEqual(record.amount_adjustment, -9.56, places=2)

    def test_payout_that_does_not_add_up_is_not_booked(self):
        self.graphql(
            payouts_page(payout(79, "50.00")),
            balance_transactions_page(balance_transaction(1, "ADJUSTMENT", "49.00", "0.00")),
        )
        run = self.shop._run_job("payouts")
        self.assertEqual(run.state, "failed", self.messages(run))
        self.assertFalse(self.shop.payout_ids)
        self.assertIn("Payout 79", self.messages(run))


class TestMoneyRights(AccountingCase):
    """Who may book money, checked on the server: the calls go through
    ``call_kw``, the function behind the web client's JSON-RPC route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.shop.company_id

        def user(login, groups):
            return new_test_user(cls.env, login=login, groups=groups, company_id=company.id)

        cls.seller = user("money_seller", "shopify_connector.shopify_connector_group_user")
        cls.accountant = user(
            "money_accountant",
            "shopify_connector.shopify_connector_group_user,account.group_account_invoice",
        )

    def rpc(self, user, model, method, *args, **kwargs):
        return call_kw(self.env[model].with_user(user), method, list(args), kwargs)

    def test_only_an_accounting_user_may_import_payouts(self):
        with self.assertRaises(AccessError):
            self.rpc(self.seller, "shopify.shop", "action_import_payouts", self.shop.ids)
        self.assertFalse(self.env["shopify.run"].search([("job", "=", "payouts")]))
        self.graphql(payouts_page())
        self.rpc(self.accountant, "shopify.shop", "action_import_payouts", self.shop.ids)
        run = self.env["shopify.run"].search([("job", "=", "payouts")])
        self.assertEqual(run.state, "done", self.messages(run))
        self.assertEqual(run.user_id, self.accountant)

    def test_booked_money_is_read_only_for_users(self):
        self.fetch(self.paid_node(transaction(1, "57.38")))
        booked = self.sale("#1001").shopify_transaction_ids
        mapping = self.shop.gateway_ids
        for user in (self.seller, self.accountant):
            self.assertEqual(
                self.rpc(user, "shopify.transaction", "read", booked.ids, ["amount"])[0]["amount"],
                57.38,
            )
            with self.assertRaises(AccessError):
                self.rpc(user, "shopify.transaction", "write", booked.ids, {"amount": 1.0})
            with self.assertRaises(AccessError):
                self.rpc(user, "shopify.transaction", "unlink", booked.ids)
            with self.assertRaises(AccessError):
                self.rpc(user, "shopify.payout", "create", {"name": "x"})
            with self.assertRaises(AccessError):
                self.rpc(
                    user, "shopify.payment.gateway", "write", mapping.ids, {"kind": "liability"}
                )
        self.assertEqual(mapping.kind, "journal")
