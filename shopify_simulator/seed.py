"""Deterministic seeding of a shop: the same seed and sizes give the same state.

Generated: the shop, locations (the first fulfils online orders), products
with 1..n variants (options Size/Color, SKUs ``SKU-00001-1``, EAN-13 barcodes
with a valid check digit, prices, some compare-at prices, weights), tracked
inventory items stocked at every location with available/reserved/damaged
quantities, customers in DE/AT/CH/US (phones in E.164 or local format) and
orders in every financial and fulfilment status the connector handles
(cancelled and test orders, tags such as "Lieferung: 2026-12-01", lines with a
SKU unknown to the catalogue and lines without SKU, discounts, refunds,
fulfillment orders on hold), their payment transactions and a Shopify
Payments payout of the older paid orders.
"""

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from shopify_simulator import orders as order_ops
from shopify_simulator import payouts
from shopify_simulator.state import Store, bag, money

TS = "%Y-%m-%dT%H:%M:%SZ"

WORDS = ["Bio", "Classic", "Alpen", "Nordic", "Urban", "Sommer", "Winter", "Premium"]
NOUNS = [
    "T-Shirt",
    "Kaffee",
    "Rucksack",
    "Tasse",
    "Socken",
    "Mütze",
    "Tee",
    "Notizbuch",
    "Schal",
    "Handtuch",
    "Seife",
    "Kerze",
]
VENDORS = ["Nordwerk", "Alpenglück", "Hansekontor", "Bergfeld"]
SIZES = ["S", "M", "L", "XL", "XXL"]
COLORS = ["Schwarz", "Weiß", "Blau", "Rot", "Grün"]
FIRST = ["Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Lena", "Paul", "Emma", "Noah"]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Huber",
    "Gruber",
    "Keller",
    "Smith",
    "Johnson",
]
CITIES = {
    "DE": [
        ("Berlin", "10115", "Berlin"),
        ("München", "80331", "Bayern"),
        ("Hamburg", "20095", "Hamburg"),
        ("Köln", "50667", "Nordrhein-Westfalen"),
    ],
    "AT": [("Wien", "1010", None), ("Graz", "8010", None), ("Linz", "4020", None)],
    "CH": [("Zürich", "8001", "ZH"), ("Bern", "3011", "BE"), ("Basel", "4051", "BS")],
    "US": [("New York", "10001", "NY"), ("Austin", "73301", "TX"), ("Seattle", "98101", "WA")],
}
COUNTRY_NAMES = {"DE": "Germany", "AT": "Austria", "CH": "Switzerland", "US": "United States"}
PHONE_PREFIX = {"DE": ("+49", "0"), "AT": ("+43", "0"), "CH": ("+41", "0"), "US": ("+1", "")}
PLAN_NAMES = {
    "standard": "Basic",
    "advanced": "Advanced",
    "plus": "Shopify Plus",
    "enterprise": "Shopify Plus",
}


def ean13(number):
    """A valid EAN-13 from a 12-digit number."""
    digits = f"{number:012d}"[-12:]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def ts(moment):
    return moment.strftime(TS)


def seed_store(config):
    """Build a :class:`Store` from ``config`` (see :class:`Simulator`)."""
    rng = random.Random(config["seed"])
    store = Store()
    start = config["start_time"]
    shop_name = config["shop_name"]
    currency = config["currency"]
    store.shop = shop = {
        "__typename": "Shop",
        "id": "gid://shopify/Shop/1",
        "name": shop_name,
        "myshopifyDomain": f"{shop_name}.myshopify.com",
        "email": f"info@{shop_name}.example",
        "contactEmail": f"info@{shop_name}.example",
        "currencyCode": currency,
        "enabledPresentmentCurrencies": [currency],
        "ianaTimezone": "Europe/Berlin",
        "timezoneAbbreviation": "CET",
        "timezoneOffset": "+0100",
        "timezoneOffsetMinutes": 60,
        "taxesIncluded": config["taxes_included"],
        "taxShipping": True,
        "weightUnit": "KILOGRAMS",
        "unitSystem": "METRIC_SYSTEM",
        "plan": {
            "displayName": PLAN_NAMES.get(config["plan"], "Basic"),
            "publicDisplayName": PLAN_NAMES.get(config["plan"], "Basic"),
            "partnerDevelopment": False,
            "shopifyPlus": config["plan"] in ("plus", "enterprise"),
        },
        "url": f"https://{shop_name}.myshopify.com",
        "primaryDomain": {
            "id": "gid://shopify/Domain/1",
            "host": f"{shop_name}.myshopify.com",
            "url": f"https://{shop_name}.myshopify.com",
            "sslEnabled": True,
        },
        "createdAt": ts(start - timedelta(days=400)),
        "updatedAt": ts(start - timedelta(days=1)),
        "shopOwnerName": "Shop Owner",
        "orderNumberFormatPrefix": "#",
        "orderNumberFormatSuffix": "",
        "setupRequired": False,
        "checkoutApiSupported": True,
        "description": None,
        "shipsToCountries": ["DE", "AT", "CH", "US"],
    }
    store.add(shop)
    old = ts(start - timedelta(days=300))
    locations = []
    for index in range(config["locations"]):
        city, zip_code, _ = CITIES["DE"][index % 4]
        locations.append(
            store.create(
                "Location",
                name="Hauptlager" if index == 0 else f"Lager {index + 1}",
                isActive=True,
                isPrimary=index == 0,
                fulfillsOnlineOrders=index == 0,
                shipsInventory=True,
                hasActiveInventory=True,
                isFulfillmentService=False,
                activatable=True,
                deactivatable=index != 0,
                deletable=False,
                addressVerified=True,
                hasUnfulfilledOrders=False,
                deactivatedAt=None,
                createdAt=old,
                updatedAt=old,
                fulfillmentService=None,
                suggestedAddresses=[],
                address={
                    "address1": f"Lagerstraße {index + 1}",
                    "address2": None,
                    "city": city,
                    "zip": zip_code,
                    "countryCode": "DE",
                    "country": "Germany",
                    "province": None,
                    "provinceCode": None,
                    "phone": None,
                    "formatted": [f"Lagerstraße {index + 1}", f"{zip_code} {city}", "Germany"],
                    "latitude": None,
                    "longitude": None,
                },
            )
        )
    _seed_products(store, rng, config, locations, start)
    customers = _seed_customers(store, rng, config, start)
    _seed_orders(store, rng, config, locations, customers, start)
    _seed_payout(store, start)
    return store


def _seed_payout(store, start):
    """One Shopify Payments payout, issued a day before ``start``, of the paid
    orders older than three days (their charges, refunds and fees)."""
    orders = payouts.paid_out_orders(store, ts(start - timedelta(days=3)))
    payouts.create_payout(store, orders, ts(start - timedelta(days=1)))


def _seed_products(store, rng, config, locations, start):
    low, high = config["variants_per_product"]
    for p in range(1, config["products"] + 1):
        created = start - timedelta(days=rng.randint(30, 300), minutes=rng.randint(0, 1440))
        updated = created + timedelta(days=rng.randint(0, 29))
        title = f"{rng.choice(WORDS)} {rng.choice(NOUNS)} {p}"
        count = rng.randint(low, high)
        options, combos = [], [()]
        if count > 1:
            sizes = SIZES[: min(count, len(SIZES))]
            colors = COLORS[: max(1, -(-count // len(sizes)))]
            combos = [(s, c) for c in colors for s in sizes][:count]
            names = [("Größe", sorted({c[0] for c in combos}, key=SIZES.index))]
            if len(colors) > 1:
                names.append(("Farbe", sorted({c[1] for c in combos}, key=COLORS.index)))
            else:
                combos = [(c[0],) for c in combos]
        else:
            names = [("Title", ["Default Title"])]
            combos = [("Default Title",)]
        product_id = store.new_id("Product")
        for position, (name, values) in enumerate(names, 1):
            option_id = store.new_id("ProductOption")
            options.append(
                {
                    "id": option_id,
                    "name": name,
                    "position": position,
                    "values": values,
                    "optionValues": [
                        {"id": store.new_id("ProductOptionValue"), "name": v, "hasVariants": True}
                        for v in values
                    ],
                    "translations": [],
                }
            )
        base = Decimal(rng.randint(5, 120)) - Decimal("0.10")
        reduced = rng.random() < 0.2
        variant_ids = []
        for v, combo in enumerate(combos, 1):
            price = base + Decimal(5 * (v - 1) if len(combos) > 1 and v > 3 else 0)
            sku = f"SKU-{p:05d}-{v}"
            compare = money(price * Decimal("1.25")) if rng.random() < 0.2 else None
            grams = rng.randint(50, 2500)
            variant_id = store.new_id("ProductVariant")
            item = store.create(
                "InventoryItem",
                sku=sku,
                tracked=rng.random() > 0.03,
                requiresShipping=True,
                createdAt=ts(created),
                updatedAt=ts(updated),
                variant=variant_id,
                measurement={
                    "id": store.new_id("InventoryItemMeasurement"),
                    "weight": {"unit": "GRAMS", "value": float(grams)},
                },
                unitCost={"amount": money(price * Decimal("0.4")), "currencyCode": "EUR"},
                countryCodeOfOrigin="DE",
                harmonizedSystemCode=None,
                provinceCodeOfOrigin=None,
                duplicateSkuCount=0,
                inventoryHistoryUrl=None,
            )
            selected = [{"name": names[i][0], "value": combo[i]} for i in range(len(combo))]
            variant_title = " / ".join(combo)
            variant = store.add(
                {
                    "__typename": "ProductVariant",
                    "id": variant_id,
                    "product": product_id,
                    "title": variant_title,
                    "displayName": f"{title} - {variant_title}",
                    "sku": sku,
                    "barcode": ean13(400000000000 + p * 100 + v),
                    "price": money(price),
                    "compareAtPrice": compare,
                    "position": v,
                    "selectedOptions": selected,
                    "inventoryItem": item["id"],
                    "inventoryPolicy": "DENY",
                    "taxable": True,
                    "taxCode": None,
                    "availableForSale": True,
                    "requiresComponents": False,
                    "showUnitPrice": False,
                    "createdAt": ts(created),
                    "updatedAt": ts(updated),
                    "image": None,
                    "_grams": grams,
                    "_reduced": reduced,
                }
            )
            store.index_sku(variant)
            variant_ids.append(variant_id)
            for location in locations:
                level, _ = store.activate(item["id"], location["id"], ts(created))
                level["_q"]["available"] = rng.randint(0, 60)
                level["_q"]["reserved"] = rng.choice([0, 0, 0, 1, 2])
                level["_q"]["damaged"] = rng.choice([0, 0, 0, 0, 1])
        store.add(
            {
                "__typename": "Product",
                "id": product_id,
                "title": title,
                "handle": title.lower().replace(" ", "-").replace("ü", "ue").replace("ß", "ss"),
                "vendor": rng.choice(VENDORS),
                "productType": "Allgemein",
                "status": rng.choices(["ACTIVE", "DRAFT", "ARCHIVED"], [90, 7, 3])[0],
                "tags": sorted(
                    rng.sample(["neu", "sale", "bio", "bestseller"], rng.randint(0, 2))
                ),
                "descriptionHtml": f"<p>{title}</p>",
                "description": title,
                "createdAt": ts(created),
                "updatedAt": ts(updated),
                "publishedAt": ts(created),
                "options": options,
                "variants": variant_ids,
                "isGiftCard": False,
                "hasOnlyDefaultVariant": len(variant_ids) == 1,
                "requiresSellingPlan": False,
                "templateSuffix": None,
                "giftCardTemplateSuffix": None,
                "category": None,
                "seo": {"title": None, "description": None},
                "tracksInventory": True,
                "onlineStoreUrl": None,
                "featuredImage": None,
                "featuredMedia": None,
            }
        )


def _seed_customers(store, rng, config, start):
    customers = []
    for c in range(1, config["customers"] + 1):
        country = rng.choices(["DE", "AT", "CH", "US"], [60, 15, 15, 10])[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, zip_code, province = rng.choice(CITIES[country])
        intl, local = PHONE_PREFIX[country]
        digits = f"{rng.randint(150, 179)}{rng.randint(1000000, 9999999)}"
        phone = f"{intl}{digits}" if rng.random() < 0.7 else f"{local}{digits[:3]} {digits[3:]}"
        email = f"{first.lower()}.{last.lower()}{c}@example.com".replace("ü", "ue")
        address = {
            "id": store.new_id("MailingAddress"),
            "firstName": first,
            "lastName": last,
            "name": f"{first} {last}",
            "company": "Muster GmbH" if rng.random() < 0.2 else None,
            "address1": f"{rng.choice(['Hauptstraße', 'Bahnhofstraße', 'Main Street'])} "
            f"{rng.randint(1, 120)}",
            "address2": None,
            "city": city,
            "zip": zip_code,
            "province": province,
            "provinceCode": province if country in ("US", "CH") else None,
            "country": COUNTRY_NAMES[country],
            "countryCode": country,
            "countryCodeV2": country,
            "phone": phone,
            "latitude": None,
            "longitude": None,
            "coordinatesValidated": False,
            "timeZone": None,
            "formatted": [f"{first} {last}", city, COUNTRY_NAMES[country]],
            "formattedArea": f"{city}, {COUNTRY_NAMES[country]}",
        }
        created = ts(start - timedelta(days=rng.randint(60, 400)))
        customers.append(
            store.create(
                "Customer",
                firstName=first,
                lastName=last,
                displayName=f"{first} {last}",
                email=email,
                phone=phone if rng.random() < 0.6 else None,
                locale="de",
                defaultAddress=address,
                addresses=[address],
                createdAt=created,
                updatedAt=created,
                tags=[],
                note=None,
                state="ENABLED",
                taxExempt=False,
                verifiedEmail=True,
                validEmailAddress=True,
                canDelete=False,
                dataSaleOptOut=False,
                amountSpent={"amount": "0.00", "currencyCode": config["currency"]},
                numberOfOrders="0",
            )
        )
    return customers


FINANCIAL = ["PAID"] * 6 + ["PENDING", "AUTHORIZED", "PARTIALLY_REFUNDED", "REFUNDED"]


def _seed_orders(store, rng, config, locations, customers, start):
    shop = store.shop
    variants = store.all("ProductVariant")
    location = locations[0]
    for n in range(config["orders"]):
        created = start - timedelta(days=rng.randint(0, 50), minutes=rng.randint(0, 1440))
        created_s = ts(created)
        customer = rng.choice(customers) if customers and rng.random() < 0.95 else None
        lines = []
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if roll < 0.08 or not variants:
                lines.append(
                    {
                        "variant": None,
                        "sku": f"CUSTOM-{rng.randint(100, 999)}",
                        "title": "Sonderanfertigung",
                        "price": Decimal("24.90"),
                        "quantity": rng.randint(1, 2),
                        "grams": 300,
                    }
                )
            elif roll < 0.12:
                lines.append(
                    {
                        "variant": None,
                        "sku": None,
                        "title": "Geschenkverpackung",
                        "price": Decimal("3.50"),
                        "quantity": 1,
                        "requires_shipping": False,
                    }
                )
            else:
                lines.append(line_from_variant(store, rng.choice(variants), rng.randint(1, 3)))
        tags = []
        if rng.random() < 0.2:
            tags.append(f"Lieferung: 2026-12-{rng.randint(1, 20):02d}")
        if rng.random() < 0.2:
            tags.append(rng.choice(["Großkunde", "Wholesale", "VIP"]))
        discount = None
        if rng.random() < 0.25:
            discount = rng.choice(
                [
                    {"code": "WELCOME10", "percentage": 10},
                    {"title": "Kulanz", "amount": Decimal("5.00")},
                ]
            )
        status = rng.choice(FINANCIAL)
        country = customer["defaultAddress"]["countryCode"] if customer else "DE"
        shipping = {"DE": "4.90", "AT": "9.90", "CH": "14.90", "US": "19.90"}[country]
        order = order_ops.build_order(
            store,
            shop,
            number=1001 + n,
            lines=lines,
            customer=customer,
            location=location,
            created_at=created_s,
            now=created_s,
            financial_status=status,
            tags=tags,
            test=rng.random() < 0.05,
            discount=discount,
            shipping_price=shipping,
            on_hold=status in ("PENDING",) and rng.random() < 0.5,
        )
        order_ops.commit_stock(store, order)
        later = ts(created + timedelta(hours=rng.randint(1, 48)))
        fos = [store.objects[g] for g in order["fulfillmentOrders"]]
        if rng.random() < 0.08:
            order_ops.cancel(store, order, later, restock=True)
            continue
        if status in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED") and fos and rng.random() < 0.6:
            fo = fos[0]
            items = [store.objects[g] for g in fo["lineItems"]]
            partial = rng.random() < 0.25 and len(items) > 1
            chosen = items[: len(items) // 2] if partial else items
            if fo["status"] != "ON_HOLD":
                order_ops.fulfill(
                    store,
                    order,
                    fo,
                    [(i, i["remainingQuantity"]) for i in chosen],
                    later,
                    tracking={"company": "DHL", "number": f"00340434{rng.randint(10**9, 10**10)}"},
                )
        if status in ("PARTIALLY_REFUNDED", "REFUNDED"):
            order["displayFinancialStatus"] = "PAID"
            lines_objs = [store.objects[g] for g in order["lineItems"]]
            targets = lines_objs if status == "REFUNDED" else lines_objs[:1]
            items = []
            for line in targets:
                qty = line["currentQuantity"] if status == "REFUNDED" else 1
                foli = store.objects.get(line.get("_foli")) if line.get("_foli") else None
                restock = (
                    "CANCEL"
                    if foli and foli["remainingQuantity"]
                    else rng.choice(["RETURN", "NO_RESTOCK"])
                )
                items.append((line, qty, restock, location["id"]))
            order_ops.refund(store, order, items, later, note="Rückerstattung")
        order["updatedAt"] = max(order["updatedAt"], later if rng.random() < 0.5 else created_s)


def line_from_variant(store, variant, quantity, price=None):
    product = store.objects[variant["product"]]
    return {
        "variant": variant,
        "sku": variant["sku"],
        "title": product["title"],
        "variant_title": None if variant["title"] == "Default Title" else variant["title"],
        "price": Decimal(price if price is not None else variant["price"]),
        "quantity": quantity,
        "grams": variant.get("_grams", 0),
        "vendor": product["vendor"],
        "reduced_tax": variant.get("_reduced", False),
        "requires_shipping": True,
    }


def default_start():
    return datetime(2026, 11, 1, 12, 0, 0, tzinfo=timezone.utc)


__all__ = ["bag", "default_start", "ean13", "line_from_variant", "seed_store"]
