"""What a stock push says in the run log: the reasons of skipped and failed
variants (codes from ``shopify_api.stock``, worded here in the user's
language), one message per distinct text with a count and examples."""

from odoo import models

from ..shopify_api import stock
from ..shopify_api.errors import ShopifyError
from ..shopify_api.stock_formula import group_messages

# Per-item messages kept in a run for skipped variants (failures are all kept).
MAX_SKIP_MESSAGES = 200


class ShopifyShop(models.Model):
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    def _stock_reason_text(self, reason, args=None):
        """The merchant-facing sentence of a line's reason code; Shopify's own
        text (``errors``) is quoted as Shopify sent it."""
        args = args or {}
        errors = args.get("errors") or ""
        if reason == stock.UNKNOWN_ITEM:
            return self.env._("Shopify does not know this inventory item.")
        if reason == stock.NOT_TRACKED:
            return self.env._("Inventory is not tracked for this variant in Shopify.")
        if reason == stock.NOT_STOCKED_HERE:
            return self.env._("The variant is not stocked at the Shopify location.")
        if reason == stock.STILL_NOT_STOCKED:
            return self.env._("Shopify still reports the variant as not stocked.")
        if reason == stock.NO_LONGER_STOCKED:
            return self.env._("The variant is no longer stocked at the location.")
        if reason == stock.NO_LONGER_TRACKED:
            return self.env._("Inventory is no longer tracked in Shopify.")
        if reason == stock.NO_LONGER_STOCKED_TRACKED:
            return self.env._("The variant is no longer stocked and tracked at the location.")
        if reason == stock.TRACK_REFUSED:
            return self.env._("Shopify refused to track inventory: %(errors)s", errors=errors)
        if reason == stock.ACTIVATE_REFUSED:
            return self.env._(
                "Shopify refused to stock the variant at the location: %(errors)s",
                errors=errors,
            )
        if reason == stock.BATCH_REFUSED:
            return self.env._("Shopify refused the batch: %(errors)s", errors=errors)
        if reason == stock.LINE_REFUSED:
            return self.env._("Shopify refused the quantity: %(errors)s", errors=errors)
        if reason == stock.ADJUST_REFUSED:
            return self.env._("Shopify refused the correction: %(errors)s", errors=errors)
        if reason == stock.NOT_SENT:
            error = args.get("error")
            return self.env._(
                "Not sent: %(error)s",
                error=self._shopify_error_message(error)
                if isinstance(error, ShopifyError)
                else str(error or ""),
            )
        # a code this layer does not know yet: never lose the line's message
        return str(reason or "")

    def _stock_line_text(self, line):
        return self._stock_reason_text(line.reason, line.reason_args)

    def _stock_report_problems(self, run, problems, totals, location=None):
        messages = []
        for row, reason in problems:
            totals["skipped"] += 1
            messages.append(
                (self._stock_message(reason, location), row["sku"] or row["inventory_item_gid"])
            )
        self._stock_log_grouped(run, messages, "warning")

    def _stock_message(self, reason, location=None):
        if location and location != self.stock_location_id:
            return f"{location.name}: {reason}"
        return reason

    def _stock_collect(self, run, result, totals, calls, errors, location=None):
        for name, count in result.calls.items():
            calls[name] += count
        if result.error is not None:
            errors.append(result.error)
        failed, skipped, adjusted = [], [], []
        for line in result.lines:
            totals[line.outcome] += 1
            if line.outcome == stock.FAILED:
                text = self._stock_message(self._stock_line_text(line), location)
                failed.append((text, line.reference))
            elif line.outcome == stock.SKIPPED:
                text = self._stock_message(self._stock_line_text(line), location)
                skipped.append((text, line.reference))
            elif line.adjusted:
                adjusted.append(
                    (self._stock_message(self._stock_adjusted_note(), location), line.reference)
                )
        self._stock_log_grouped(run, failed, "error")
        self._stock_log_grouped(run, skipped + adjusted, "warning")

    def _stock_adjusted_note(self):
        return self.env._(
            "Shopify's quantity changed during every attempt (orders being placed): it was "
            "corrected by the difference, which cannot sell more than Odoo can deliver, and "
            "is read and written first by the next push."
        )

    def _stock_log_grouped(self, run, messages, level):
        """One run message per distinct text, with a count and a few example
        SKUs (at most MAX_SKIP_MESSAGES messages per call)."""
        for message, count, references in group_messages(messages)[:MAX_SKIP_MESSAGES]:
            if count > 1:
                message = self.env._(
                    "%(count)s variants: %(message)s (for example %(examples)s)",
                    count=count,
                    message=message,
                    examples=", ".join(references),
                )
            run._log(message, level=level, reference=references[0] if references else None)
