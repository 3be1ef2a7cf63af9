"""Safety of the order import: one bad order never hurts the others.

Part of the order importer (``sale_order_import.ShopifyOrderImporter``): how a failed
order is logged (never failing itself), how far a rounding adjustment line
may go (a larger difference is flagged for a person, not absorbed) and how
texts shortened by the parser are reported.
"""

import logging

from odoo import Command
from odoo.exceptions import UserError, ValidationError

from ..shopify_api.orders import OrderPayloadError, lines_to_import
from ..shopify_api.text import TRUNCATED, clean_text, safe_str

_logger = logging.getLogger(__name__)

# Longest order name put into a failure message (the message itself is
# bounded by the run log).
_NAME_MAX = 255


class OrderImportError(Exception):
    """One order cannot be imported; the message is meant for the merchant."""


class ShopifyOrderChecks:
    """Failure logging, rounding bound and truncation report of the importer."""

    # -- failures ------------------------------------------------------------
    def _log_failure(self, name, exc):
        """Log in the run that order ``name`` was not imported because of ``exc``.

        Never raises: whatever ``name`` and ``exc`` hold (text PostgreSQL
        refuses, an exception whose ``str()`` fails), the order fails alone and
        the next orders are imported. Should even the run log refuse the
        message, the server log keeps it.
        """
        name = clean_text(name, _NAME_MAX) or "?"
        try:
            message = self._failure_message(name, exc)
        except Exception:
            _logger.exception("Shopify order %s: the failure message could not be made", name)
            message = (
                f"Order {name} was not imported because of an unexpected error. It is "
                "tried again at the next fetch."
            )
        try:
            with self.env.cr.savepoint():
                self.run._log(message, level="error", reference=name)
        except Exception:
            _logger.exception("Shopify order %s: the failure could not be logged in the run", name)

    def _failure_message(self, name, exc):
        if isinstance(exc, OrderPayloadError):
            detail = safe_str(exc.message).removeprefix(f"Order {safe_str(exc.order)}: ")
            return self.env._(
                "Order %(order)s was not imported: Shopify sent data the connector cannot "
                "read safely (%(detail)s). It is tried again at the next fetch; if the "
                "problem stays, check the order in Shopify.",
                order=name,
                detail=detail,
            )
        if isinstance(exc, OrderImportError):
            return self.env._(
                "Order %(order)s was not imported: %(reason)s", order=name, reason=safe_str(exc)
            )
        if isinstance(exc, (UserError, ValidationError)):
            return self.env._(
                "Order %(order)s was not imported, Odoo refused it: %(reason)s",
                order=name,
                reason=safe_str(exc.args[0] if exc.args else exc),
            )
        _logger.exception("Shopify order %s of shop %s failed", name, self.shop.name)
        return self.env._(
            "Order %(order)s was not imported because of an unexpected error "
            "(%(error)s). It is tried again at the next fetch; if it keeps failing, "
            "show this message to your administrator.",
            order=name,
            error=f"{type(exc).__name__}: {safe_str(exc)}",
        )

    # -- totals ----------------------------------------------------------------
    def _rounding_bound(self, sale, currency):
        """The largest difference an adjustment line may make up: the shop's
        smallest currency units per line (excluding the adjustment), plus one."""
        product = self.shop.order_adjustment_product_id
        lines = len(sale.order_line.filtered(lambda line: line.product_id != product))
        per_line = max(self.shop.order_adjustment_units_per_line or 0, 0)
        return currency.round((per_line * lines + 1) * currency.rounding)

    def _is_rounding(self, sale, difference, currency):
        bound = self._rounding_bound(sale, currency)
        return currency.compare_amounts(abs(difference), bound) <= 0

    def _adjust_total(self, sale, order, lines, currency):
        """Make the sale order's total Shopify's with a rounding adjustment line.

        Returns whether the totals agree now. A difference larger than rounding
        explains is not made up: the order is flagged (see ``_flag_total``) and
        must not be confirmed automatically.
        """
        target = float(self._target_total(order, lines))
        difference = currency.round(target - sale.amount_total)
        if currency.is_zero(difference):
            return True
        if not self._is_rounding(sale, difference, currency):
            self._flag_total(sale, target, currency)
            return False
        product = self.shop.order_adjustment_product_id
        sale.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": self.env._(
                                "Rounding adjustment: Shopify's total is %(total)s %(currency)s",
                                total=f"{target:.2f}",
                                currency=currency.name,
                            ),
                            "product_uom_qty": 1,
                            "price_unit": difference,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ]
            }
        )
        return True

    def _readjust_total(self, sale, order):
        """After an edit in Shopify: the lines carry Shopify's amounts for their
        new quantities, and the adjustment line follows, within the bound."""
        self._sync_line_money(sale, order)
        lines = [
            line
            for line in lines_to_import(order, self.shop.order_only_shipping)
            if line["quantity"] > 0
        ]
        product = self.shop.order_adjustment_product_id
        adjustment = sale.order_line.filtered(lambda sol: sol.product_id == product)[:1]
        currency = sale.currency_id
        if not adjustment:
            self._adjust_total(sale, order, lines, currency)
            return
        target = float(self._target_total(order, lines))
        needed = currency.round(target - (sale.amount_total - adjustment.price_total))
        if self._is_rounding(sale, needed, currency):
            adjustment.price_unit = needed
            return
        adjustment.price_unit = 0.0
        self._flag_total(sale, target, currency)

    def _flag_total(self, sale, target, currency):
        """Ask a person to look at an order whose total Odoo cannot make Shopify's."""
        sale.shopify_total_mismatch = True
        note = self.env._(
            "Order %(order)s: Shopify's total is %(shopify)s %(currency)s, Odoo's is "
            "%(odoo)s %(currency)s. The difference is more than rounding explains (at "
            "most %(bound)s %(currency)s), so no adjustment line makes it up and the "
            "connector does not confirm the order. Compare its lines, taxes and "
            "discounts with Shopify, correct them and confirm the order yourself.",
            order=sale.shopify_order_name,
            shopify=f"{target:.2f}",
            odoo=f"{sale.amount_total:.2f}",
            currency=currency.name,
            bound=f"{self._rounding_bound(sale, currency):.2f}",
        )
        sale._shopify_flag(
            self.env._("Total differs from Shopify"),
            note,
            key=f"total: {target:.2f} / {sale.amount_total:.2f}",
        )
        self.run._log(note, level="warning", reference=sale.shopify_order_name, record=sale)

    # -- shortened texts ----------------------------------------------------------
    def _report_truncated(self, sale, order):
        """One warning in the run for the texts the parser shortened."""
        parts = []
        labels = {"note": self.env._("order note"), "tag": self.env._("a tag")}
        for item in order.get("truncated") or ():
            if item["kind"] == "tags":
                parts.append(
                    self.env._(
                        "%(count)s tags, the first %(limit)s kept",
                        count=item["length"],
                        limit=item["limit"],
                    )
                )
                continue
            parts.append(
                self.env._(
                    "%(text)s: %(length)s characters, shortened to %(limit)s",
                    text=labels.get(item["kind"], item["path"]),
                    length=item["length"],
                    limit=item["limit"],
                )
            )
        if not parts:
            return
        self.run._log(
            self.env._(
                "Order %(order)s: Shopify sent texts longer than the connector keeps; "
                "they are shortened and end with %(marker)s: %(texts)s.",
                order=order["name"],
                marker=TRUNCATED,
                texts="; ".join(parts),
            ),
            level="warning",
            reference=order["name"],
            record=sale,
        )
