"""Following an imported order: what happened in Shopify after its import.

Part of the order importer (``sale_order_import.ShopifyOrderImporter``):
cancellations, refunds (returns and credit notes), edits before shipping,
fulfilments made in Shopify and the goods of POS sales. Whatever Odoo cannot
apply safely (the order has shipped) is flagged for a person.

The same code applies Shopify's state to a new order right after its
confirmation (``ShopifyOrderImporter._apply_first_state``): an order shipped,
refunded or sold at a POS before the first fetch is right at once.
"""

from odoo import Command
from odoo.tools import float_compare

from ..shopify_api import errors as api_errors
from ..shopify_api.fulfillment import (
    IncompleteFulfillmentData,
    fetch_fulfillments,
    fulfilled_quantities,
)
from ..shopify_api.order_rules import handed_over, is_pos
from ..shopify_api.orders import lines_to_import

# Refunded units that Shopify put back into stock: they come back to Odoo too.
RESTOCK_RETURNED = frozenset({"RETURN", "LEGACY_RESTOCK"})
SHIPPED_STATUSES = frozenset({"FULFILLED", "PARTIALLY_FULFILLED"})


def naive_utc(moment):
    return moment.replace(tzinfo=None) if moment else None


class ShopifyOrderLifecycle:
    """Cancellations, refunds, edits and Shopify's fulfilments of known orders."""

    # -- cancellation ----------------------------------------------------------
    def _apply_cancellation(self, sale, order):
        if sale.shopify_cancelled or sale.state == "cancel":
            if not sale.shopify_cancelled:
                sale.shopify_cancelled = True
                return True
            return False
        sale.shopify_cancelled = True
        reason = order["cancel_reason"] or "-"
        if not sale._shopify_shipped():
            sale._action_cancel()
            sale.message_post(
                body=self.env._(
                    "Cancelled in Shopify (reason: %(reason)s): the sale order and its open "
                    "deliveries are cancelled.",
                    reason=reason,
                )
            )
            self._log_info(
                sale,
                self.env._(
                    "Order %(order)s was cancelled in Shopify: sale order and open "
                    "deliveries cancelled.",
                    order=sale.shopify_order_name,
                ),
            )
            return True
        note = self.env._(
            "Order %(order)s was cancelled in Shopify (reason: %(reason)s), but Odoo has "
            "shipped part of it already. Nothing was changed: decide what happens to the "
            "shipped goods and the open deliveries.",
            order=sale.shopify_order_name,
            reason=reason,
        )
        sale._shopify_flag(self.env._("Cancelled in Shopify after shipping"), note)
        self._log_info(sale, note, level="warning")
        return True

    # -- refunds -----------------------------------------------------------------
    def _apply_refunds(self, sale, order):
        done = set(sale.shopify_refund_ids.mapped("shopify_refund_gid"))
        changed = False
        for refund in order["refunds"]:
            if refund["gid"] in done:
                continue
            self._apply_refund(sale, order, refund)
            done.add(refund["gid"])
            changed = True
        return changed

    def _apply_refund(self, sale, order, refund):
        lines = {line.shopify_line_gid: line for line in sale.order_line if line.shopify_line_gid}
        returned, refunded, not_back = {}, {}, []
        for item in refund["lines"]:
            line = lines.get(item["line_gid"])
            if line is None or not item["quantity"]:
                continue
            refunded[line] = refunded.get(line, 0) + item["quantity"]
            if item["restock_type"] in RESTOCK_RETURNED:
                returned[line] = returned.get(line, 0) + item["quantity"]
        if returned:
            return_pickings, left = self._create_return(sale, returned)
        else:
            return_pickings, left = self.env["stock.picking"], {}
        for line, quantity in left.items():
            not_back.append(f"{quantity} x {line.product_id.display_name}")
        credit_note = sale._shopify_refund_credit_note(self, order, refund, refunded)
        states = dict(self.env["stock.picking"]._fields["state"]._description_selection(self.env))
        parts = [
            self.env._("return %(picking)s (%(state)s)", picking=p.name, state=states[p.state])
            for p in return_pickings
        ]
        if credit_note and credit_note.state == "draft":
            parts.append(self.env._("draft credit note"))
        elif credit_note:
            parts.append(self.env._("credit note %(name)s", name=credit_note.name))
        if not returned:
            parts.append(self.env._("no stock change (not restocked in Shopify)"))
        summary = ", ".join(parts)
        self.env["shopify.refund"].sudo().create(
            {
                "sale_order_id": sale.id,
                "shopify_refund_gid": refund["gid"],
                "refunded_at": naive_utc(refund["created_at"]),
                "return_picking_ids": [Command.set(return_pickings.ids)],
                "credit_note_id": credit_note.id if credit_note else False,
                "summary": summary,
            }
        )
        message = self.env._(
            "Order %(order)s: refund from Shopify applied (%(lines)s): %(summary)s.",
            order=sale.shopify_order_name,
            lines=", ".join(
                f"{q} x {line.product_id.display_name}" for line, q in refunded.items()
            )
            or "-",
            summary=summary,
        )
        sale.message_post(body=message)
        self._log_info(sale, message)
        if not_back:
            sale._shopify_flag(
                self.env._("Refund restocked in Shopify but not shipped by Odoo"),
                self.env._(
                    "Order %(order)s: Shopify restocked refunded units that Odoo has not "
                    "delivered (%(lines)s). Check the order's open deliveries.",
                    order=sale.shopify_order_name,
                    lines=", ".join(not_back),
                ),
            )

    def _create_return(self, sale, quantities):
        """Return ``{sale line: quantity}`` from the order's done deliveries.

        Returns (return pickings, {sale line: quantity Odoo has not delivered}).
        """
        left = dict(quantities)
        per_picking = {}
        deliveries = sale._shopify_deliveries().filtered(lambda p: p.state == "done")
        for picking in deliveries.sorted("id", reverse=True):
            for move in picking.move_ids.filtered(lambda m: m.state == "done"):
                line = move.sale_line_id
                if not left.get(line):
                    continue
                back = sum(m.product_qty for m in move.returned_move_ids if m.state != "cancel")
                free = move.product_qty - back
                quantity = min(left[line], free)
                if quantity <= 0:
                    continue
                left[line] -= quantity
                per_picking.setdefault(picking, {})[move] = quantity
        new = self.env["stock.picking"]
        for picking, moves in per_picking.items():
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({"picking_id": picking.id})
            )
            for return_line in wizard.product_return_moves:
                return_line.quantity = moves.get(return_line.move_id, 0)
            new |= wizard._create_return()
        if new and self.shop.order_return_validate:
            for move in new.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            new._action_done()
        return new, {line: qty for line, qty in left.items() if qty > 0}

    def _create_credit_note(self, sale, quantities):
        """A draft credit note of the refunded ``{sale line: quantity}`` when invoiced."""
        if not self.shop.order_refund_credit_note:
            return False
        invoiced = sale.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoiced:
            return False
        values = sale._prepare_invoice()
        values["move_type"] = "out_refund"
        values["invoice_line_ids"] = [
            Command.create(line._prepare_invoice_line(quantity=quantity))
            for line, quantity in quantities.items()
        ]
        return self.env["account.move"].sudo().with_company(sale.company_id).create(values)

    # -- edits ---------------------------------------------------------------------
    def _apply_edits(self, sale, order):
        wanted = {
            line["gid"]: line for line in lines_to_import(order, self.shop.order_only_shipping)
        }
        current = {
            line.shopify_line_gid: line for line in sale.order_line if line.shopify_line_gid
        }
        changes = []
        for gid, line in wanted.items():
            sol = current.get(gid)
            if sol and float_compare(
                sol.product_uom_qty,
                line["quantity"],
                precision_rounding=sol.product_uom_id.rounding,
            ):
                changes.append((sol, line, line["quantity"]))
            elif not sol and line["quantity"] > 0:
                changes.append((None, line, line["quantity"]))
        for gid, sol in current.items():
            if gid not in wanted and sol.product_uom_qty:
                changes.append((sol, None, 0))
        if not changes:
            return False
        described = ", ".join(
            f"{(line or {}).get('name') or sol.name}: "
            f"{sol.product_uom_qty if sol else 0:g} -> {quantity:g}"
            for sol, line, quantity in changes
        )
        if sale._shopify_shipped() or sale.state not in ("draft", "sent", "sale"):
            note = self.env._(
                "Order %(order)s was changed in Shopify after Odoo shipped part of it "
                "(%(changes)s). Nothing was changed in Odoo: adjust the order by hand.",
                order=sale.shopify_order_name,
                changes=described,
            )
            if not sale._shopify_flag(
                self.env._("Changed in Shopify after shipping"), note, key=f"edit: {described}"
            ):
                return False
            self._log_info(sale, note, level="warning")
            return True
        new_lines = []
        for sol, line, quantity in changes:
            if sol:
                # Shopify's price and discount stay (Odoo would take the pricelist's)
                sol.write(
                    {
                        "product_uom_qty": quantity,
                        "price_unit": sol.price_unit,
                        "discount": sol.discount,
                    }
                )
            else:
                new_lines.append(line)
        if new_lines:
            commands, created = self._order_lines(
                dict(order, shipping_lines=[], tips=0), new_lines
            )
            sale.write({"order_line": commands})
            self._report_created_products(sale, order, created)
        self._readjust_total(sale, order)
        message = self.env._(
            "Order %(order)s was changed in Shopify before shipping; the sale order "
            "follows: %(changes)s.",
            order=sale.shopify_order_name,
            changes=described,
        )
        sale.message_post(body=message)
        self._log_info(sale, message)
        return True

    # -- what Shopify shipped: POS sales, fulfilments made in Shopify ----------------
    def _apply_deliveries(self, sale, order):
        """Shopify's shipments in Odoo: the goods of a POS sale were handed over in
        the shop (always delivered); other orders follow Shopify's fulfilments
        as the shop's setting says (validated, or flagged for a person)."""
        if sale.state != "sale":
            return False
        if is_pos(order):
            return self._deliver_pos(sale, order)
        return self._apply_shopify_fulfillments(sale, order)

    def _deliver_pos(self, sale, order):
        """Validate the delivery of what the customer took at the POS."""
        handed = {
            line["gid"]: handed_over(line)
            for line in lines_to_import(order, self.shop.order_only_shipping)
        }
        extra, described = self._shipped_beyond_odoo(sale, handed)
        if not extra:
            return False
        return self._validate_shipped(
            sale,
            extra,
            lambda picking: self.env._(
                "Order %(order)s was sold at a Shopify POS and handed over there: delivery "
                "%(picking)s validated for %(lines)s.",
                order=sale.shopify_order_name,
                picking=picking.name,
                lines=described,
            ),
        )

    def _apply_shopify_fulfillments(self, sale, order):
        if self.client is None or (order["fulfillment_status"] or "").upper() not in (
            SHIPPED_STATUSES
        ):
            return False
        if not sale._shopify_deliveries().filtered(lambda p: p.state not in ("done", "cancel")):
            return False
        try:
            fulfillments = fetch_fulfillments(self.client, sale.shopify_order_gid) or []
        except (api_errors.ShopifyError, IncompleteFulfillmentData) as exc:
            # the order itself is up to date; the daily re-fetch looks again
            reason = (
                self.shop._shopify_error_message(exc)
                if isinstance(exc, api_errors.ShopifyError)
                else str(exc)
            )
            self._log_info(
                sale,
                self.env._(
                    "Order %(order)s is shipped in Shopify, but its fulfilments could not "
                    "be read (%(reason)s). The next re-fetch of the order tries again.",
                    order=sale.shopify_order_name,
                    reason=reason,
                ),
                level="warning",
            )
            return False
        extra, described = self._shipped_beyond_odoo(sale, fulfilled_quantities(fulfillments))
        if not extra:
            return False
        if not self.shop.order_fulfillment_validate:
            note = self.env._(
                "Order %(order)s was shipped in Shopify (%(lines)s), but its delivery in "
                "Odoo is still open. Validate it for these quantities, or correct Shopify.",
                order=sale.shopify_order_name,
                lines=described,
            )
            if not sale._shopify_flag(
                self.env._("Shipped in Shopify"), note, key=f"shipped: {described}"
            ):
                return False
            self._log_info(sale, note, level="warning")
            return True
        return self._validate_shipped(
            sale,
            extra,
            lambda picking: self.env._(
                "Order %(order)s was shipped in Shopify: delivery %(picking)s validated for "
                "%(lines)s.",
                order=sale.shopify_order_name,
                picking=picking.name,
                lines=described,
            ),
        )

    def _shipped_beyond_odoo(self, sale, shipped):
        """``shipped`` {line gid: units} less what Odoo delivered: ({gid: units},
        the units described for a person)."""
        deliveries = sale._shopify_deliveries()
        in_odoo = self.env["stock.picking"]._shopify_line_quantities(
            deliveries.filtered(lambda p: p.state == "done").move_ids
        )
        lines = {line.shopify_line_gid: line for line in sale.order_line if line.shopify_line_gid}
        extra = {
            gid: quantity - in_odoo.get(gid, 0)
            for gid, quantity in shipped.items()
            if quantity > in_odoo.get(gid, 0) and gid in lines
        }
        described = ", ".join(
            f"{quantity} x {lines[gid].product_id.display_name}" for gid, quantity in extra.items()
        )
        return extra, described

    def _validate_shipped(self, sale, extra, message):
        """Validate the oldest open delivery for ``extra`` {line gid: units} (the
        rest goes to a backorder), as shipped in Shopify: never pushed back."""
        open_pickings = sale._shopify_deliveries().filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        if not open_pickings:
            return False
        picking = open_pickings.sorted("id")[0]
        left = dict(extra)
        for move in picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            gid = move.sale_line_id.shopify_line_gid
            quantity = min(left.get(gid, 0), move.product_uom_qty)
            move.quantity = quantity
            move.picked = bool(quantity)
            if gid in left:
                left[gid] -= quantity
        if not any(m.quantity for m in picking.move_ids):
            return False
        picking.with_context(shopify_shipped_in_shopify=True)._action_done()
        picking.sudo().shopify_fulfillment_state = "shopify"
        text = message(picking)
        sale.message_post(body=text)
        self._log_info(sale, text)
        return True
