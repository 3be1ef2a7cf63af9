"""Shopify Payments payouts: one bank statement line per payout, reconciled.

The job *Import payouts* reads the paid payouts and their balance
transactions.  Each payout becomes one statement line in the payout bank
journal, equal to the payout's net amount; its journal entry settles the
customer payments the payout carries (their outstanding lines, reconciled),
books the fees to the fee account and every other balance transaction
(chargebacks, reserves, adjustments, charges of orders Odoo does not know)
to the adjustments account, explicitly.  The bank's payout line then
reconciles against this one entry.  A payout is booked once (unique ID).
"""

from decimal import Decimal

from odoo import Command, api, fields, models

from ..shopify_api.payouts import (
    CHARGE_TYPES,
    REFUND_TYPES,
    PayoutPayloadError,
    fetch_balance_transactions,
    fetch_payouts,
)
from ..shopify_api.text import safe_str


class ShopifyPayout(models.Model):
    _name = "shopify.payout"
    _description = "Shopify Payments payout"
    _order = "issued_at desc, id desc"

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shop_id.company_id", store=True)
    name = fields.Char(required=True, readonly=True)
    payout_gid = fields.Char("Shopify payout ID", required=True, readonly=True)
    issued_at = fields.Datetime("Issued", readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount_net = fields.Monetary("Net", readonly=True)
    amount_gross = fields.Monetary("Gross", readonly=True)
    amount_fee = fields.Monetary("Fees", readonly=True)
    amount_adjustment = fields.Monetary("Adjustments", readonly=True)
    transaction_count = fields.Integer("Balance transactions", readonly=True)
    unmatched_count = fields.Integer(
        "Not matched",
        readonly=True,
        help="Balance transactions of orders Odoo has not booked: on the adjustments account.",
    )
    statement_line_id = fields.Many2one(
        "account.bank.statement.line", "Bank statement line", readonly=True
    )
    transaction_ids = fields.One2many("shopify.transaction", "payout_id", readonly=True)
    state = fields.Selection(
        [("reconciled", "Reconciled"), ("open", "To check")],
        readonly=True,
        default="open",
    )

    _shopify_payout_unique = models.Constraint(
        "UNIQUE(shop_id, payout_gid)", "This payout has been imported already."
    )


class ShopifyRun(models.Model):
    _inherit = "shopify.run"

    job = fields.Selection(
        selection_add=[("payouts", "Import payouts")], ondelete={"payouts": "cascade"}
    )


class ShopifyShop(models.Model):
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    payout_ids = fields.One2many("shopify.payout", "shop_id", "Payouts")
    payout_last_id = fields.Many2one(
        "shopify.payout", "Last payout", compute="_compute_payout_overview"
    )
    payout_open_count = fields.Integer("Payouts to check", compute="_compute_payout_overview")

    @api.depends("payout_ids.state")
    def _compute_payout_overview(self):
        for shop in self:
            shop.payout_last_id = shop.payout_ids[:1]
            shop.payout_open_count = len(shop.payout_ids.filtered(lambda p: p.state == "open"))

    def action_import_payouts(self):
        self.ensure_one()
        return self._run_result(self._run_job("payouts"))

    def action_view_payouts(self):
        self.ensure_one()
        name = self.env._("Payouts")
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "shopify.payout",
            "view_mode": "list,form",
            "domain": [("shop_id", "=", self.id)],
        }

    # -- the job ---------------------------------------------------------------
    def _import_payouts(self, run, client):
        """Book the paid payouts not booked yet, newest first, each on its own."""
        self.ensure_one()
        known = set(self.payout_ids.mapped("payout_gid"))
        last = self.payout_ids[:1].issued_at
        since = last.date() if last else None
        done = 0
        for payout in fetch_payouts(client, since=since):
            if payout["gid"] in known or payout["status"] != "PAID":
                continue
            label = f"Payout {payout['legacy_id']}"
            try:
                with self.env.cr.savepoint():
                    lines = fetch_balance_transactions(client, payout)
                    record = self._shopify_book_payout(payout, lines)
            except (PayoutPayloadError, ValueError) as exc:
                run.count_failed += 1
                run._log(
                    self.env._(
                        "%(payout)s is not booked: %(reason)s The next import tries again.",
                        payout=label,
                        reason=safe_str(exc),
                    ),
                    reference=label,
                )
                continue
            known.add(payout["gid"])
            run.count_created += 1
            if record.state == "open":
                run._log(
                    self.env._(
                        "%(payout)s: %(count)s balance transactions belong to orders Odoo has "
                        "not booked; they are on the adjustments account, check them.",
                        payout=label,
                        count=record.unmatched_count,
                    ),
                    level="warning",
                    reference=label,
                    record=record,
                )
            done += 1
            run._progress(done)

    def _shopify_book_payout(self, payout, balance_lines):
        company = self.company_id
        currency = self.env["res.currency"].search([("name", "=", payout["currency"])], limit=1)
        if not currency:
            raise ValueError(
                self.env._("its currency %(currency)s is unknown.", currency=payout["currency"])
            )
        journal = self._shopify_payout_journal(currency)
        journal_currency = journal.currency_id or company.currency_id
        if currency != journal_currency:
            raise ValueError(
                self.env._(
                    "it is in %(currency)s, the journal %(journal)s in %(journal_currency)s.",
                    currency=payout["currency"],
                    journal=journal.name,
                    journal_currency=journal_currency.name,
                )
            )
        total = sum((line["net"] for line in balance_lines), Decimal(0))
        net = -payout["net"] if payout["withdrawal"] else payout["net"]
        if total != net:
            raise ValueError(
                self.env._(
                    "its balance transactions add up to %(total)s, the payout is %(net)s.",
                    total=total,
                    net=net,
                )
            )
        Booked = self.env["shopify.transaction"].sudo()
        gids = [line["transaction_gid"] for line in balance_lines if line["transaction_gid"]]
        booked = {b.transaction_gid: b for b in Booked.search([("transaction_gid", "in", gids)])}
        adjustment = (
            self.payout_adjustment_account_id
            or journal.suspense_account_id
            or company.account_journal_suspense_account_id
        )
        name = self.env._("Shopify payout %(id)s", id=payout["legacy_id"])
        commands, pairs, matched = [], [], Booked
        fees = gross = other = Decimal(0)
        unmatched = 0

        def line(account, amount, label, partner=False):
            return {
                "name": label,
                "account_id": account.id,
                "partner_id": partner,
                "currency_id": currency.id,
                "amount_currency": float(amount),
            }

        for item in balance_lines:
            fees += item["fee"]
            transaction = booked.get(item["transaction_gid"])
            outstanding = transaction._outstanding_line() if transaction else None
            if item["type"] in CHARGE_TYPES | REFUND_TYPES and outstanding:
                gross += item["amount"]
                label = f"{name}: {transaction.sale_order_id.shopify_order_name}"
                pairs.append((len(commands), outstanding))
                commands.append(
                    line(
                        outstanding.account_id,
                        -item["amount"],
                        label,
                        outstanding.partner_id.id,
                    )
                )
                matched |= transaction
                continue
            if item["type"] in CHARGE_TYPES | REFUND_TYPES:
                unmatched += 1
            other += item["amount"]
            reason = item["reason"] or item["type"]
            label = f"{name}: {reason} {item['order_name'] or ''}".strip()
            commands.append(line(adjustment, -item["amount"], label))
        if fees:
            commands.append(
                line(self._shopify_fee_account(), fees, self.env._("%(name)s: fees", name=name))
            )
        liquidity = line(journal.default_account_id, net, name)
        statement_line = (
            self.env["account.bank.statement.line"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "journal_id": journal.id,
                    "date": payout["issued_at"].date()
                    if payout["issued_at"]
                    else fields.Date.today(),
                    "amount": float(net),
                    "payment_ref": name,
                    "line_ids": [Command.create(liquidity)]
                    + [Command.create(values) for values in commands],
                }
            )
        )
        move_lines = statement_line.move_id.line_ids.sorted("id")
        counterparts = move_lines.filtered(lambda ml: ml.account_id != journal.default_account_id)
        by_position = dict(enumerate(counterparts))
        for position, outstanding in pairs:
            (by_position[position] | outstanding).reconcile()
        record = (
            self.env["shopify.payout"]
            .sudo()
            .create(
                {
                    "shop_id": self.id,
                    "name": name,
                    "payout_gid": payout["gid"],
                    "issued_at": payout["issued_at"] and payout["issued_at"].replace(tzinfo=None),
                    "currency_id": currency.id,
                    "amount_net": float(net),
                    "amount_gross": float(gross),
                    "amount_fee": float(fees),
                    "amount_adjustment": float(other),
                    "transaction_count": len(balance_lines),
                    "unmatched_count": unmatched,
                    "statement_line_id": statement_line.id,
                    "state": "open" if unmatched else "reconciled",
                }
            )
        )
        matched.write({"payout_id": record.id})
        return record
