"""Where a shop's money goes: invoicing rule, gateway journals, accounts.

Each Shopify payment gateway (Shopify Payments, PayPal, Klarna, manual /
bank transfer, gift card, cash on POS) is mapped, per shop, to the journal
its payments are booked on; gift cards and store credit are the shop's debt
to the customer and go to a liability account instead.  A gateway seen for
the first time gets a mapping made with sensible defaults, which a manager
may change.
"""

from odoo import api, fields, models

from ..shopify_api.transactions import LIABILITY_GATEWAYS

PAYMENTS_GATEWAY = "shopify_payments"
CASH_GATEWAYS = frozenset({"cash", "shopify_pos_cash"})


class ShopifyPaymentGateway(models.Model):
    _name = "shopify.payment.gateway"
    _description = "Shopify payment gateway mapping"
    _order = "shop_id, name"

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shop_id.company_id", store=True)
    name = fields.Char(
        "Gateway",
        required=True,
        help="Shopify's gateway name, as Shopify sends it (e.g. shopify_payments, paypal, "
        "manual, gift_card).",
    )
    kind = fields.Selection(
        [("journal", "Payment on a journal"), ("liability", "Gift card / store credit")],
        required=True,
        default="journal",
        help="Gift cards and store credit are the shop's debt to the customer: they are "
        "booked to the shop's liability account, never as cash.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        help="The bank or cash journal the payments of this gateway are booked on.",
    )

    _shopify_gateway_unique = models.Constraint(
        "UNIQUE(shop_id, name)", "Each gateway is mapped once per shop."
    )


class ShopifyShop(models.Model):
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    invoice_policy = fields.Selection(
        [
            ("import", "At import"),
            ("delivery", "At delivery"),
            ("never", "Never"),
        ],
        "Invoice paid orders",
        required=True,
        default="import",
        help="At import: an order paid in Shopify is invoiced (posted) as soon as it is "
        "imported or marked paid, with its payments. At delivery: once everything is "
        "delivered. Never: invoices, payments and refunds are left to you.",
    )
    gateway_ids = fields.One2many("shopify.payment.gateway", "shop_id", "Payment gateways")
    gift_card_account_id = fields.Many2one(
        "account.account",
        "Gift card / store credit account",
        domain="[('account_type', 'in', ('liability_current', 'liability_non_current'))]",
        help="Liability account for payments by gift card or store credit (created when "
        "first needed).",
    )
    payout_journal_id = fields.Many2one(
        "account.journal",
        "Payout bank journal",
        domain="[('type', '=', 'bank')]",
        help="The bank journal that receives Shopify Payments payouts: each payout becomes "
        "one statement line there (default: the company's first bank journal).",
    )
    payout_fee_account_id = fields.Many2one(
        "account.account",
        "Payment fees account",
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Expense account for Shopify Payments fees (created when first needed).",
    )
    payout_adjustment_account_id = fields.Many2one(
        "account.account",
        "Payout adjustments account",
        help="Account for chargebacks, reserves and other adjustments of a payout, and for "
        "charges of orders Odoo does not know (default: the bank suspense account).",
    )

    # -- defaults made when first needed ------------------------------------
    def _shopify_gateway(self, name):
        """The mapping of gateway ``name`` (made with defaults when new)."""
        self.ensure_one()
        mapping = self.gateway_ids.filtered(lambda g: g.name == name)[:1]
        if mapping:
            return mapping
        values = {"shop_id": self.id, "name": name}
        if name in LIABILITY_GATEWAYS:
            values["kind"] = "liability"
        else:
            values["journal_id"] = self._shopify_default_journal(name).id
        return self.env["shopify.payment.gateway"].sudo().create(values)

    def _shopify_default_journal(self, gateway):
        Journal = self.env["account.journal"].sudo().with_company(self.company_id)
        company = [("company_id", "=", self.company_id.id)]
        if gateway == PAYMENTS_GATEWAY:
            journal = Journal.search([*company, ("code", "=", "SHPAY")], limit=1)
            return journal or Journal.create(
                {
                    "name": self.env._("Shopify Payments"),
                    "code": "SHPAY",
                    "type": "bank",
                    "company_id": self.company_id.id,
                }
            )
        kind = "cash" if gateway in CASH_GATEWAYS else "bank"
        journal = Journal.search([*company, ("type", "=", kind)], limit=1, order="sequence, id")
        return journal or Journal.search([*company, ("type", "=", "bank")], limit=1)

    def _shopify_account(self, field, code, name, account_type):
        """The shop's account in ``field``, made (``code``, ``name``) when unset."""
        self.ensure_one()
        if self[field]:
            return self[field]
        Account = self.env["account.account"].sudo().with_company(self.company_id)
        account = Account.search(
            [*Account._check_company_domain(self.company_id), ("code", "=", code)], limit=1
        )
        if not account:
            values = {"code": code, "name": name, "account_type": account_type}
            if account_type.startswith("liability"):
                values["reconcile"] = True
            account = Account.create(values)
        self.sudo()[field] = account
        return account

    def _shopify_gift_card_account(self):
        return self._shopify_account(
            "gift_card_account_id",
            "SHGIFT",
            self.env._("Shopify gift cards and store credit"),
            "liability_current",
        )

    def _shopify_fee_account(self):
        return self._shopify_account(
            "payout_fee_account_id", "SHFEE", self.env._("Shopify Payments fees"), "expense"
        )

    def _shopify_payout_journal(self, currency):
        """The bank journal of the payouts in ``currency``: the shop's, else a
        bank journal of the company in that currency (made when missing)."""
        self.ensure_one()
        if self.payout_journal_id:
            return self.payout_journal_id
        company = self.company_id
        Journal = self.env["account.journal"].sudo().with_company(company)
        domain = [("company_id", "=", company.id), ("type", "=", "bank"), ("code", "!=", "SHPAY")]
        if currency == company.currency_id:
            domain += ["|", ("currency_id", "=", False), ("currency_id", "=", currency.id)]
        else:
            domain += [("currency_id", "=", currency.id)]
        journal = Journal.search(domain, limit=1, order="sequence, id")
        if not journal:
            journal = Journal.create(
                {
                    "name": self.env._("Shopify payouts %(currency)s", currency=currency.name),
                    "code": f"SP{currency.name}"[:5],
                    "type": "bank",
                    "currency_id": currency.id if currency != company.currency_id else False,
                    "company_id": company.id,
                }
            )
        self.sudo().payout_journal_id = journal
        return journal

    @api.model
    def _shopify_paid_statuses(self):
        return ("PAID", "PARTIALLY_REFUNDED", "REFUNDED")
