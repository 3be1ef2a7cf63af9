"""The money of a Shopify order: invoice, payments, credit notes.

Called by the order importer after each page (``_shopify_sync_money_page``)
and when it applies a refund (``_shopify_refund_credit_note``).

- Invoice: a paid order is invoiced and posted with its lines, Shopify's
  amounts to the cent (the lines' manual tax amounts) and Shopify's order
  name as reference, at import or at delivery as the shop says.
- Payments: each successful sale or capture of the order becomes a payment
  on the journal mapped to its gateway (gift card and store credit: an entry
  on the shop's liability account), each refund a refund payment; all are
  reconciled with the order's invoice and credit notes.  A transaction is
  booked once (``shopify.transaction``, unique per Shopify ID).
- Refunds: a credit note for the refunded lines (and the refunded shipping:
  what the refund paid back beyond the lines), posted, instead of the draft
  credit note of a shop that does not invoice.
"""

import logging
from decimal import Decimal

from odoo import Command, fields, models

from ..shopify_api.order_money import share, shipping_amounts
from ..shopify_api.text import safe_str
from ..shopify_api.transactions import (
    TransactionPayloadError,
    assign_refund_transactions,
    normalize_transactions,
)

_logger = logging.getLogger(__name__)

PAID_STATUSES = frozenset({"PAID", "PARTIALLY_REFUNDED", "REFUNDED"})


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    shopify_transaction_ids = fields.One2many(
        "shopify.transaction", "sale_order_id", "Shopify transactions", readonly=True
    )

    # -- after a page of the importer --------------------------------------------
    def _shopify_sync_money_page(self, importer, orders):
        """Invoices and payments of the page's orders, each in its own savepoint:
        an order whose money cannot be booked is reported, the others go on."""
        for __, order, error in orders:
            if error is not None or order is None:
                continue
            sale = importer.existing.get(order["gid"])
            if not sale or not sale.exists():
                continue
            try:
                with self.env.cr.savepoint():
                    sale._shopify_sync_money(importer, order)
            except Exception as exc:  # the order is imported; its money waits
                _logger.info("Booking the money of %s failed", order["name"], exc_info=True)
                importer._log_info(
                    sale,
                    self.env._(
                        "Order %(order)s: its invoice or payments could not be booked "
                        "(%(reason)s). The next fetch of the order tries again.",
                        order=order["name"],
                        reason=safe_str(exc),
                    ),
                    level="warning",
                )

    def _shopify_sync_money(self, importer, order):
        self.ensure_one()
        shop = importer.shop
        if shop.invoice_policy == "never" or self.state != "sale":
            return
        try:
            transactions = normalize_transactions({"transactions": order.get("transactions")})
        except TransactionPayloadError as exc:
            transactions = None
            importer._log_info(
                self,
                self.env._(
                    "Order %(order)s: its payments are not booked, Shopify's transactions "
                    "cannot be read (%(reason)s).",
                    order=order["name"],
                    reason=str(exc),
                ),
                level="warning",
            )
        paid = (order["financial_status"] or "").upper() in PAID_STATUSES
        if paid and shop.invoice_policy == "import":
            self._shopify_invoice(importer.run)
        if transactions:
            self._shopify_book_transactions(shop, transactions, importer.run)
        self._shopify_reconcile()

    # -- invoice -------------------------------------------------------------------
    def _shopify_invoice(self, run=None):
        """Invoice and post what is left to invoice of the order (all of it)."""
        self.ensure_one()
        if self.state != "sale" or self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state != "cancel"
        ):
            return self.env["account.move"]
        lines = [
            (line, line.product_uom_qty - line.qty_invoiced)
            for line in self.order_line
            if not line.display_type and line.product_uom_qty - line.qty_invoiced > 0
        ]
        if not lines:
            return self.env["account.move"]
        values = self._prepare_invoice()
        values["ref"] = self.shopify_order_name or values.get("ref")
        values["payment_reference"] = self.shopify_order_name or values.get("payment_reference")
        values["invoice_line_ids"] = [
            Command.create(line._prepare_invoice_line(quantity=quantity))
            for line, quantity in lines
        ]
        invoice = self.env["account.move"].sudo().with_company(self.company_id).create(values)
        invoice.action_post()
        if invoice.currency_id.compare_amounts(invoice.amount_total, self.amount_total) and run:
            run._log(
                self.env._(
                    "Order %(order)s: the invoice %(invoice)s totals %(invoice_total)s, the "
                    "sale order %(order_total)s. Check the invoice's taxes.",
                    order=self.shopify_order_name,
                    invoice=invoice.name,
                    invoice_total=invoice.amount_total,
                    order_total=self.amount_total,
                ),
                level="warning",
                reference=self.shopify_order_name,
                record=invoice,
            )
        return invoice

    # -- payments --------------------------------------------------------------------
    def _shopify_book_transactions(self, shop, transactions, run=None):
        self.ensure_one()
        Booked = self.env["shopify.transaction"].sudo()
        known = set(
            Booked.search([("transaction_gid", "in", [t["gid"] for t in transactions])]).mapped(
                "transaction_gid"
            )
        )
        for transaction in transactions:
            if transaction["gid"] in known:
                continue
            if transaction["currency"] and transaction["currency"] != self.currency_id.name:
                if run:
                    run._log(
                        self.env._(
                            "Order %(order)s: the transaction %(transaction)s is in "
                            "%(currency)s, the order in %(order_currency)s; it is not booked.",
                            order=self.shopify_order_name,
                            transaction=transaction["gid"],
                            currency=transaction["currency"],
                            order_currency=self.currency_id.name,
                        ),
                        level="warning",
                        reference=self.shopify_order_name,
                        record=self,
                    )
                continue
            mapping = shop._shopify_gateway(transaction["gateway"])
            values = {
                "sale_order_id": self.id,
                "shop_id": shop.id,
                "transaction_gid": transaction["gid"],
                "kind": transaction["kind"],
                "gateway": transaction["gateway"],
                "amount": float(transaction["amount"]),
                "currency_id": self.currency_id.id,
                "processed_at": transaction["processed_at"]
                and transaction["processed_at"].replace(tzinfo=None),
            }
            if not transaction["amount"]:
                pass
            elif mapping.kind == "liability":
                values["move_id"] = self._shopify_liability_entry(shop, transaction).id
            else:
                values["payment_id"] = self._shopify_payment(mapping, transaction).id
            Booked.create(values)
            known.add(transaction["gid"])

    def _shopify_partner(self):
        return (self.partner_invoice_id or self.partner_id).commercial_partner_id

    def _shopify_date(self, transaction):
        moment = transaction["processed_at"]
        return moment.date() if moment else fields.Date.context_today(self)

    def _shopify_payment(self, mapping, transaction):
        if not mapping.journal_id:
            raise ValueError(
                self.env._(
                    "the payment gateway %(gateway)s has no journal: set one in the shop's "
                    "Accounting tab.",
                    gateway=mapping.name,
                )
            )
        payment = (
            self.env["account.payment"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "payment_type": "inbound" if transaction["direction"] == "in" else "outbound",
                    "partner_type": "customer",
                    "partner_id": self._shopify_partner().id,
                    "amount": float(transaction["amount"]),
                    "currency_id": self.currency_id.id,
                    "journal_id": mapping.journal_id.id,
                    "date": self._shopify_date(transaction),
                    "memo": f"{self.shopify_order_name} ({mapping.name})",
                    "company_id": self.company_id.id,
                }
            )
        )
        payment.action_post()
        return payment

    def _shopify_liability_entry(self, shop, transaction):
        """Gift card or store credit: the shop's debt to the customer pays the order."""
        partner = self._shopify_partner()
        company = self.company_id
        journal = (
            self.env["account.journal"]
            .sudo()
            .search([("company_id", "=", company.id), ("type", "=", "general")], limit=1)
        )
        receivable = partner.with_company(company).property_account_receivable_id
        amount = float(transaction["amount"])
        sign = 1 if transaction["direction"] == "in" else -1
        label = self.env._(
            "%(order)s: paid by %(gateway)s",
            order=self.shopify_order_name,
            gateway=transaction["gateway"],
        )
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": self._shopify_date(transaction),
                    "ref": label,
                    "line_ids": [
                        Command.create(
                            {
                                "name": label,
                                "account_id": shop._shopify_gift_card_account().id,
                                "partner_id": partner.id,
                                "currency_id": self.currency_id.id,
                                "amount_currency": sign * amount,
                            }
                        ),
                        Command.create(
                            {
                                "name": label,
                                "account_id": receivable.id,
                                "partner_id": partner.id,
                                "currency_id": self.currency_id.id,
                                "amount_currency": -sign * amount,
                            }
                        ),
                    ],
                }
            )
        )
        move.action_post()
        return move

    def _shopify_reconcile(self):
        """Reconcile the order's open receivable lines: invoices, credit notes,
        payments and gift card entries."""
        self.ensure_one()
        booked = self.shopify_transaction_ids
        moves = (
            self.invoice_ids.filtered(lambda m: m.state == "posted")
            | booked.payment_id.move_id
            | booked.move_id
        )
        lines = moves.line_ids.filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                and not line.reconciled
                and line.parent_state == "posted"
            )
        )
        for account in lines.account_id:
            group = lines.filtered(lambda line, account=account: line.account_id == account)
            if any(line.balance > 0 for line in group) and any(line.balance < 0 for line in group):
                group.sudo().reconcile()

    # -- refunds ---------------------------------------------------------------------
    def _shopify_refund_credit_note(self, importer, order, refund, refunded):
        """The credit note of a Shopify refund of ``refunded`` {sale line: qty}.

        Posted, with Shopify's amounts, when the order is invoiced by the
        connector; otherwise the importer's draft credit note (if the shop
        asks for one).
        """
        self.ensure_one()
        invoiced = self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if importer.shop.invoice_policy == "never" or not invoiced:
            return importer._create_credit_note(self, refunded) if refunded else False
        by_gid = {line["gid"]: line for line in order["lines"]}
        commands = []
        for sol, quantity in refunded.items():
            values = sol._prepare_invoice_line(quantity=quantity)
            line = by_gid.get(sol.shopify_line_gid)
            if line is not None:
                values.update(
                    importer._line_money(order, line, Decimal(str(quantity)), self.currency_id)
                )
            commands.append(Command.create(values))
        money = self._shopify_refund_money(order, refund)
        if money is not None:
            commands += self._shopify_refund_shipping(importer, order, commands, money)
        if not commands:
            return False
        values = self._prepare_invoice()
        values.update(
            move_type="out_refund",
            ref=self.shopify_order_name,
            invoice_origin=self.shopify_order_name,
            reversed_entry_id=invoiced[:1].id,
            invoice_line_ids=commands,
        )
        credit_note = self.env["account.move"].sudo().with_company(self.company_id).create(values)
        credit_note.action_post()
        return credit_note

    def _shopify_refund_money(self, order, refund):
        """What Shopify paid back for ``refund`` (None: not known)."""
        try:
            transactions = normalize_transactions({"transactions": order.get("transactions")})
        except TransactionPayloadError:
            return None
        if transactions is None:
            return None
        assigned = assign_refund_transactions(order["refunds"], transactions)
        return sum((t["amount"] for t in assigned.get(refund["gid"], ())), Decimal(0))

    def _shopify_refund_shipping(self, importer, order, commands, money):
        """The credit line of the refunded shipping: what the refund paid back
        beyond the refunded lines, at most the shipping's price, with the
        shipping's taxes in proportion."""
        credited = sum(
            (self._shopify_line_total(values) for __, __, values in commands), Decimal(0)
        )
        rest = money - credited
        ship = order["shipping_lines"][0] if order["shipping_lines"] else None
        sol = self.order_line.filtered(
            lambda line: line.product_id == importer.shop.order_shipping_product_id
        )[:1]
        if rest <= 0 or ship is None or not sol:
            return []
        included = order["taxes_included"]
        amounts = shipping_amounts(ship, included)
        paid = amounts["net"] + (Decimal(0) if included else sum(amounts["taxes"], Decimal(0)))
        rest = min(rest, paid)
        taxes = [share(tax, rest, paid) for tax in amounts["taxes"]]
        untaxed = rest - sum(taxes, Decimal(0))
        gross = rest if included else untaxed
        money = {"gross": gross, "discount": Decimal(0), "net": gross, "taxes": taxes}
        money["untaxed"] = untaxed
        values = sol._prepare_invoice_line(quantity=1)
        values.update(
            importer._money_values(money, gross, 1, ship["taxes"], included, self.currency_id)
        )
        return [Command.create(values)]

    def _shopify_line_total(self, values):
        """What a credit line of ``values`` pays back, taxes included."""
        extra = values.get("extra_tax_data") or {}
        if "manual_total_excluded_currency" in extra:
            taxes = sum(
                Decimal(str(tax.get("tax_amount_currency") or 0))
                for tax in (extra.get("manual_tax_amounts") or {}).values()
            )
            return Decimal(str(extra["manual_total_excluded_currency"])) + taxes
        ids = [command[1] for command in values.get("sale_line_ids") or () if command[0] == 4]
        sol = self.env["sale.order.line"].browse(ids[:1])
        quantity = values.get("quantity") or 0
        if not sol or not sol.product_uom_qty:
            return Decimal(0)
        total = Decimal(str(sol.price_total)) * Decimal(str(quantity))
        return (total / Decimal(str(sol.product_uom_qty))).quantize(Decimal("0.01"))
