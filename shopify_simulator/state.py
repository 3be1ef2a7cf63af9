"""In-memory state: every object is a plain dict keyed by schema field names.

Conventions (the resolvers rely on them):

- every stored object has ``"__typename"`` and ``"id"`` (a global ID
  ``gid://shopify/<Type>/<n>``) and lives in ``Store.objects[gid]``;
- a reference to another object is stored as its gid string (the resolver
  dereferences gids for object-typed fields), lists of references as lists of
  gids;
- money amounts are strings with two decimals ("12.50"); money bags are
  ``{"shopMoney": {"amount", "currencyCode"}, "presentmentMoney": {...}}``;
- timestamps are ISO 8601 UTC strings "2026-11-01T12:00:00Z";
- inventory quantities live in ``Store.levels[(item_gid, location_gid)]``
  (an InventoryLevel dict with a private ``"_q"`` dict of quantity names);
  ``on_hand`` is derived: available + committed + reserved + damaged +
  safety_stock + quality_control.

Keys starting with ``_`` are private bookkeeping, never exposed by name.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
QUANTITY_NAMES = (
    "available",
    "committed",
    "reserved",
    "damaged",
    "safety_stock",
    "quality_control",
    "incoming",
)
ON_HAND_PARTS = (
    "available",
    "committed",
    "reserved",
    "damaged",
    "safety_stock",
    "quality_control",
)


def gid(type_name, number):
    return f"gid://shopify/{type_name}/{number}"


def gid_type(value):
    """``gid://shopify/Order/5`` -> ``"Order"`` (None if not a gid)."""
    if not isinstance(value, str) or not value.startswith("gid://shopify/"):
        return None
    return value[14:].split("/", 1)[0]


def gid_number(value):
    tail = value.rsplit("/", 1)[-1]
    return int(tail.split("?", 1)[0])


def money(value):
    """Decimal (or str/int) -> "12.50"."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def dec(value):
    return Decimal(value) if value is not None else Decimal(0)


def round_cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_v2(amount, currency):
    return {"amount": money(amount), "currencyCode": currency}


def bag(amount, currency, presentment_currency=None):
    return {
        "shopMoney": money_v2(amount, currency),
        "presentmentMoney": money_v2(amount, presentment_currency or currency),
    }


def bag_amount(value):
    return Decimal(value["shopMoney"]["amount"])


class Store:
    """Objects by gid plus the indexes the resolvers and control API need."""

    def __init__(self):
        self.objects = {}
        self.by_type = defaultdict(list)  # typename -> [gid] in creation order
        self.sku_index = {}  # sku -> variant gid (first one)
        self.levels = {}  # (item gid, location gid) -> InventoryLevel dict
        self.levels_by_item = defaultdict(list)
        self.levels_by_location = defaultdict(list)
        self._next = defaultdict(lambda: 1000)
        self.shop = None

    # -- ids -----------------------------------------------------------
    def new_id(self, type_name):
        self._next[type_name] += 1
        return gid(type_name, self._next[type_name])

    def add(self, obj):
        self.objects[obj["id"]] = obj
        self.by_type[obj["__typename"]].append(obj["id"])
        return obj

    def create(self, type_name, **fields):
        obj = {"__typename": type_name, "id": self.new_id(type_name)}
        obj.update(fields)
        return self.add(obj)

    def get(self, gid_value, type_name=None):
        obj = self.objects.get(gid_value)
        if obj is None and isinstance(gid_value, str) and "?" in gid_value:
            obj = self.objects.get(gid_value.split("?", 1)[0])
        if obj is not None and type_name and obj["__typename"] != type_name:
            return None
        return obj

    def all(self, type_name):
        objects = self.objects
        return [objects[g] for g in self.by_type[type_name]]

    # -- catalogue -----------------------------------------------------
    def index_sku(self, variant):
        sku = variant.get("sku")
        if sku and sku not in self.sku_index:
            self.sku_index[sku] = variant["id"]

    def variant_by_sku(self, sku):
        gid_value = self.sku_index.get(sku)
        return self.objects.get(gid_value) if gid_value else None

    # -- inventory -----------------------------------------------------
    def level(self, item_gid, location_gid):
        return self.levels.get((item_gid, location_gid))

    def activate(self, item_gid, location_gid, now, available=0):
        level = self.levels.get((item_gid, location_gid))
        if level is not None:
            return level, False
        item_no = gid_number(item_gid)
        level_no = len(self.levels) + 1
        level = {
            "__typename": "InventoryLevel",
            "id": f"gid://shopify/InventoryLevel/{level_no}?inventory_item_id={item_no}",
            "item": item_gid,
            "location": location_gid,
            "isActive": True,
            "canDeactivate": True,
            "createdAt": now,
            "updatedAt": now,
            "_q": dict.fromkeys(QUANTITY_NAMES, 0),
        }
        level["_q"]["available"] = int(available or 0)
        self.levels[(item_gid, location_gid)] = level
        self.objects[level["id"]] = level
        self.levels_by_item[item_gid].append(level)
        self.levels_by_location[location_gid].append(level)
        return level, True


def quantity(level, name):
    q = level["_q"]
    if name == "on_hand":
        return sum(q[n] for n in ON_HAND_PARTS)
    return q.get(name, 0)
