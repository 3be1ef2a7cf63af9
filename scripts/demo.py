"""The demo behind `make demo` (started by scripts/demo.sh).

Starts the local Shopify simulator with a demo shop, configures a shop in a
fresh Odoo database pointed at it, runs "Test connection", "Match products"
and "Synchronize shop" through the connector's own code paths (only the base
URL differs from a live shop); then the customers of the pending orders pay
by bank transfer (marked paid in Shopify), the orders are fetched again and
the Shopify Payments payouts imported. Prints what happened next to the
simulator's own counters and the money figures (orders invoiced, open
receivables, payouts reconciled), then serves Odoo until Ctrl-C.
"""

import argparse
import os
import random
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402

from shopify_simulator import Simulator, SimulatorServer  # noqa: E402
from shopify_simulator import transactions as sim_transactions  # noqa: E402
from shopify_simulator.simulator import ALL_SCOPES  # noqa: E402

CLIENT_ID = "demo-client-id"
CLIENT_SECRET = "demo-client-secret"  # a demo value of the local simulator only


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--http-port", type=int, default=8069)
    parser.add_argument("--simulator-port", type=int, default=0)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--unknown-share",
        type=float,
        default=0.1,
        help="share of the simulator's SKUs that Odoo does not know before the first sync",
    )
    parser.add_argument("--no-serve", action="store_true", help="stop after the summary")
    return parser.parse_args()


def seed_odoo_products(env, sim, unknown_share, seed):
    """Create Odoo products for most of the simulator's variants, with stock."""
    rng = random.Random(seed)
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    Product = env["product.product"]
    Quant = env["stock.quant"]
    template_fields = env["product.template"]._fields
    created = 0
    for variant in sim.store.all("ProductVariant"):
        if not variant.get("sku") or rng.random() < unknown_share:
            continue
        product = sim.store.get(variant["product"])
        title = product.get("title") if product else variant.get("displayName")
        if variant.get("title") and variant["title"] != "Default Title":
            title = f"{title} ({variant['title']})"
        values = {
            "name": title,
            "default_code": variant["sku"],
            "barcode": variant.get("barcode") or False,
            "list_price": float(variant.get("price") or 0),
            "type": "consu",
            "is_storable": True,
            "sale_ok": True,
        }
        if "shopify_shop_product" in template_fields:
            values["shopify_shop_product"] = True
        record = Product.create(values)
        quantity = rng.choice([0, 0, 3, 8, 15, 40])
        if quantity:
            Quant._update_available_quantity(record, warehouse.lot_stock_id, quantity)
        created += 1
    return created


def prepare_company(env):
    """The demo merchant sells from Germany in euros, like the simulator's shop."""
    euro = env.ref("base.EUR")
    euro.active = True
    company = env.company
    company.write({"currency_id": euro.id, "country_id": env.ref("base.de").id})
    env["product.pricelist"].search([("company_id", "in", (False, company.id))]).write(
        {"currency_id": euro.id}
    )
    ensure_sales_taxes(env, company)


# The simulator's shop sells to Germany, Austria and Switzerland, prices
# including VAT; a merchant's Odoo has these taxes from its fiscal localization.
DEMO_TAX_RATES = (19.0, 7.0, 20.0, 10.0, 8.1, 2.6)


def ensure_sales_taxes(env, company):
    Tax = env["account.tax"]
    for rate in DEMO_TAX_RATES:
        exists = Tax.search_count(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount", "=", rate),
                ("price_include", "=", True),
            ]
        )
        if not exists:
            Tax.create(
                {
                    "name": f"{rate:g} % incl.",
                    "amount": rate,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "company_id": company.id,
                }
            )


def shopify_pricelist(env, shop, seed):
    """A pricelist "Shopify" with prices of their own for a third of the
    products (KORONA's rule: only those are pushed)."""
    rng = random.Random(seed + 1)
    products = env["product.product"].search([("default_code", "like", "SKU-")])
    pricelist = env["product.pricelist"].create(
        {"name": "Shopify", "currency_id": env.company.currency_id.id}
    )
    items = [
        {
            "pricelist_id": pricelist.id,
            "applied_on": "0_product_variant",
            "product_id": product.id,
            "compute_price": "fixed",
            "fixed_price": round(product.list_price * rng.choice([0.9, 1.0, 1.1]), 2),
        }
        for product in products
        if rng.random() < 0.33
    ]
    env["product.pricelist.item"].create(items)
    print(f"Pricelist 'Shopify' with {len(items)} prices of their own")
    return pricelist


def run_action(shop, name):
    method = getattr(shop, name, None)
    if method is None:
        print(f"  (skipped: this version has no {name})")
        return None
    return method()


def summarize(env, shop, sim, started):
    runs = env["shopify.run"].search([("shop_id", "=", shop.id)], order="id")
    jobs = dict(runs._fields["job"]._description_selection(env))
    states = dict(runs._fields["state"]._description_selection(env))
    print("\nRuns")
    print(f"  {'job':<28} {'status':<20} created updated unchanged skipped failed calls")
    for run in runs:
        print(
            f"  {jobs[run.job]:<28} {states[run.state]:<20} {run.count_created:>7} "
            f"{run.count_updated:>7} {run.count_unchanged:>9} {run.count_skipped:>7} "
            f"{run.count_failed:>6} {run.api_calls:>5}"
        )
    problems = env["shopify.run.message"].search(
        [("run_id", "in", runs.ids), ("level", "in", ("warning", "error"))]
    )
    print(f"\nProblems found: {len(problems)}")
    for message in problems[:15]:
        print(f"  [{message.level}] {message.reference or ''}: {message.message}")
    if len(problems) > 15:
        print(f"  ... and {len(problems) - 15} more (Shopify > Runs)")

    print("\nOdoo")
    print(f"  connection: {shop.state} - {shop.connection_message or ''}")
    mapped = env["shopify.variant"].search_count(
        [("shop_id", "=", shop.id), ("product_id", "!=", False)]
    )
    print(f"  variants read: {len(shop.variant_ids)}, linked to Odoo products: {mapped}")
    if "shopify_shop_id" in env["sale.order"]._fields:
        orders = env["sale.order"].search([("shopify_shop_id", "=", shop.id)])
        confirmed = orders.filtered(lambda o: o.state == "sale")
        print(f"  sale orders imported: {len(orders)} (confirmed: {len(confirmed)})")
    calls_logged = sum(runs.mapped("api_calls"))
    counters = sim.counters
    print("\nShopify simulator")
    print(f"  orders in the shop: {len(sim.store.all('Order'))}")
    print(
        f"  API calls answered: {counters['calls']}, points spent: {counters['points_actual']}, "
        f"throttled: {counters['throttled']}, inventory quantities set: "
        f"{counters['quantities_set']}"
    )
    verdict = "matches" if calls_logged == counters["calls"] else "DIFFERS from"
    print(f"  API calls counted by the runs: {calls_logged} ({verdict} the simulator's count)")
    print(f"\nDone in {time.monotonic() - started:.1f} s")
    return calls_logged == counters["calls"]


def pay_pending_orders(sim):
    """The customers of the pending (bank transfer) orders pay: the merchant
    marks the orders paid in Shopify."""
    paid = 0
    with sim.lock:
        for order in sim.store.all("Order"):
            if order["displayFinancialStatus"] == "PENDING" and not order["cancelledAt"]:
                paid += bool(sim_transactions.mark_paid(sim.store, order, sim.now()))
    return paid


def money_summary(env, shop):
    """The money side's figures; True when every paid order is invoiced,
    nothing of it is open in the receivables and every payout reconciles."""
    paid_statuses = env["shopify.shop"]._shopify_paid_statuses()
    orders = env["sale.order"].search([("shopify_shop_id", "=", shop.id), ("state", "=", "sale")])
    paid = orders.filtered(lambda o: (o.shopify_financial_status or "").upper() in paid_statuses)
    invoiced = paid.filtered(lambda o: o.invoice_status == "invoiced")
    to_invoice = paid.filtered(lambda o: o.invoice_status == "to invoice")
    booked = orders.shopify_transaction_ids
    moves = (
        orders.invoice_ids.filtered(lambda m: m.state == "posted")
        | booked.payment_id.move_id
        | booked.move_id
    )
    open_lines = moves.line_ids.filtered(
        lambda line: (
            line.account_id.account_type == "asset_receivable"
            and not line.reconciled
            and not line.company_currency_id.is_zero(line.amount_residual)
        )
    )
    payouts = shop.payout_ids
    reconciled = payouts.filtered(
        lambda p: p.state == "reconciled" and p.statement_line_id.is_reconciled
    )
    currency = shop.company_id.currency_id.name
    residual = sum(open_lines.mapped("amount_residual"))
    print("\nMoney")
    print(
        f"  paid Shopify orders: {len(paid)}, invoiced: {len(invoiced)}, "
        f"left to invoice: {len(to_invoice)}"
    )
    print(
        f"  Shopify transactions booked: {len(booked)} (payments: {len(booked.payment_id)}, "
        f"gift card entries: {len(booked.move_id)})"
    )
    print(f"  open in the receivables: {len(open_lines)} lines, {residual:.2f} {currency}")
    for line in open_lines[:10]:
        print(f"    {line.move_id.name} {line.partner_id.name or ''}: {line.amount_residual:.2f}")
    print(f"  payouts imported: {len(payouts)}, reconciled: {len(reconciled)}")
    for payout in payouts:
        print(
            f"    {payout.name}: net {payout.amount_net:.2f} = gross {payout.amount_gross:.2f} "
            f"- fees {payout.amount_fee:.2f} + adjustments {payout.amount_adjustment:.2f}; "
            f"{len(payout.transaction_ids)} payments matched, {payout.state}"
        )
    return not to_invoice and not open_lines and len(reconciled) == len(payouts)


def main():
    args = parse_args()
    started = time.monotonic()
    sim = Simulator(
        seed=args.seed,
        products=args.products,
        orders=args.orders,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        # the app may read the Shopify Payments payouts too
        scopes=(*ALL_SCOPES, "read_shopify_payments_payouts"),
    )
    server = SimulatorServer(sim, port=args.simulator_port)
    server.start()
    print(f"Shopify simulator: {server.base_url} (shop {sim.shop_domain})")

    odoo.tools.config.parse_config(["-c", args.odoo_config, "-d", args.database])
    registry = odoo.modules.registry.Registry(args.database)
    ok = True
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        prepare_company(env)
        count = seed_odoo_products(env, sim, args.unknown_share, args.seed)
        print(f"Odoo products created for the demo: {count}")
        shop = env["shopify.shop"].create(
            {
                "name": "Demo shop (simulator)",
                "domain": sim.shop_domain,
                "base_url": server.base_url,
                "auth_method": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        )
        shop.pricelist_id = shopify_pricelist(env, shop, args.seed)
        print("\nTest connection")
        run_action(shop, "action_test_connection")
        print("Match products")
        run_action(shop, "action_match_products")
        print("Synchronize shop (orders, changed stock, prices)")
        run_action(shop, "action_synchronize_shop")
        print("Switch schedules on (a new shop starts with them off)")
        run_action(shop, "action_switch_schedules_on")
        print(f"Customers pay {pay_pending_orders(sim)} pending orders by bank transfer")
        print("Fetch orders (the orders paid since)")
        run_action(shop, "action_fetch_orders")
        print("Import payouts")
        run_action(shop, "action_import_payouts")
        cr.commit()  # the demo database is the result the user looks at next
        ok = summarize(env, shop, sim, started)
        money_ok = money_summary(env, shop)
        print(
            "  every paid order invoiced and paid, every payout reconciled"
            if money_ok
            else "  SOME MONEY IS LEFT OPEN (see above): a known gap of this version"
        )

    if args.no_serve:
        server.stop()
        return 0 if ok else 1
    print(
        f"\nOdoo is starting on http://127.0.0.1:{args.http_port} - log in as admin / admin "
        "(Shopify menu). Ctrl-C stops Odoo and the simulator."
    )
    odoo_cmd = [
        sys.executable,
        "-m",
        "odoo",
        "server",
        "-c",
        args.odoo_config,
        "-d",
        args.database,
        "--http-port",
        str(args.http_port),
        "--log-level=warn",
    ]
    process = subprocess.Popen(odoo_cmd)
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=30)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
