from odoo import api, fields, models
from odoo.tools import SQL

from ..shopify_api.customers import normalize_phone

# The address values that make two invoice or delivery contacts the same.
_CONTACT_KEY = ("name", "street", "street2", "zip", "city", "country_id", "state_id", "phone")


def _customer_email(order):
    customer = order["customer"] or {}
    return customer.get("email") or order["email"]


def _customer_phone(order):
    customer = order["customer"] or {}
    country = next(
        (
            a["country_code"]
            for a in (order["billing_address"], order["shipping_address"])
            if a and a["country_code"]
        ),
        None,
    )
    for raw in (customer.get("phone"), order["phone"]):
        phone = normalize_phone(raw, country) if raw else None
        if phone:
            return phone
    return None


class ResPartner(models.Model):
    _inherit = "res.partner"

    shopify_customer_gid = fields.Char(
        "Shopify customer ID", index="btree_not_null", copy=False, readonly=True
    )

    # ------------------------------------------------------------------
    # Lookups, once per page of orders
    # ------------------------------------------------------------------
    @api.model
    def _shopify_prefetch(self, importer, orders):
        """Find the customers of a page of orders: by Shopify ID, e-mail, phone."""
        wanted = [
            o for o in orders if o["customer"] or not importer.shop.order_fallback_partner_id
        ]
        company = [False, importer.company.id]
        base = [
            ("type", "not in", ("invoice", "delivery")),
            ("company_id", "in", company),
        ]
        gids = {o["customer"]["gid"] for o in wanted if o["customer"]}
        gids -= set(importer.partners_by_gid)
        found = self.browse()
        if gids:
            for partner in self.search([("shopify_customer_gid", "in", list(gids)), *base]):
                importer.partners_by_gid.setdefault(partner.shopify_customer_gid, partner)
                found |= partner
        emails = {_customer_email(o) for o in wanted} - {None} - set(importer.partners_by_email)
        if emails:
            for partner in self.search(
                [("email_normalized", "in", list(emails)), *base], order="id"
            ):
                importer.partners_by_email.setdefault(partner.email_normalized, partner)
                found |= partner
        phones = {_customer_phone(o) for o in wanted} - {None} - set(importer.partners_by_phone)
        if phones:
            self.env.cr.execute(
                SQL(
                    """SELECT id, regexp_replace(phone, '[^0-9+]', '', 'g')
                         FROM res_partner
                        WHERE active AND phone IS NOT NULL
                          AND (type IS NULL OR type NOT IN ('invoice', 'delivery'))
                          AND (company_id IS NULL OR company_id = %s)
                          AND regexp_replace(phone, '[^0-9+]', '', 'g') = ANY(%s)
                     ORDER BY id""",
                    importer.company.id,
                    list(phones),
                )
            )
            for partner_id, phone in self.env.cr.fetchall():
                partner = self.browse(partner_id)
                importer.partners_by_phone.setdefault(phone, partner)
                found |= partner
        if importer.shop.order_fallback_partner_id:
            found |= importer.shop.order_fallback_partner_id
        self._shopify_load_contacts(importer, found)

    @api.model
    def _shopify_load_contacts(self, importer, partners):
        partners = partners.filtered(lambda p: p.id not in importer.contacts_loaded)
        if not partners:
            return
        importer.contacts_loaded.update(partners.ids)
        children = self.search(
            [("parent_id", "in", partners.ids), ("type", "in", ("invoice", "delivery"))],
            order="id",
        )
        for child in children:
            key = (child.parent_id.id, child.type, self._shopify_contact_key(child))
            importer.contacts.setdefault(key, child)

    @staticmethod
    def _shopify_contact_key(values):
        def value(name):
            val = values[name]
            if isinstance(val, models.BaseModel):
                val = val.id
            return val or False

        return tuple(value(name) for name in _CONTACT_KEY)

    # ------------------------------------------------------------------
    # Customer and addresses of one order
    # ------------------------------------------------------------------
    @api.model
    def _shopify_order_partners(self, importer, order):
        """(customer, invoice contact, delivery contact) of a normalised order."""
        fallback = importer.shop.order_fallback_partner_id
        if not order["customer"] and fallback:
            partner = fallback
        else:
            partner = self._shopify_customer(importer, order)
        invoice = self._shopify_address_contact(
            importer, partner, "invoice", order["billing_address"]
        )
        delivery = self._shopify_address_contact(
            importer, partner, "delivery", order["shipping_address"]
        )
        return partner, invoice or partner, delivery or invoice or partner

    @api.model
    def _shopify_customer(self, importer, order):
        customer = order["customer"] or {}
        gid = customer.get("gid")
        email = _customer_email(order)
        phone = _customer_phone(order)
        partner = (
            (gid and importer.partners_by_gid.get(gid))
            or (email and importer.partners_by_email.get(email))
            or (phone and importer.partners_by_phone.get(phone))
        )
        if partner:
            if gid and not partner.shopify_customer_gid:
                partner.shopify_customer_gid = gid
            return partner
        address = order["billing_address"] or order["shipping_address"] or {}
        name = (
            customer.get("name")
            or " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
            or address.get("name")
            or email
            or phone
            or self.env._("Shopify customer of order %(order)s", order=order["name"])
        )
        values = self._shopify_address_values(importer, address)
        values.update(
            {
                "name": name,
                "email": email or False,
                "phone": phone or values.get("phone") or False,
                "shopify_customer_gid": gid or False,
            }
        )
        partner = self.create(values)
        importer.contacts_loaded.add(partner.id)
        for cache, key in (
            (importer.partners_by_gid, gid),
            (importer.partners_by_email, email),
            (importer.partners_by_phone, phone),
        ):
            if key:
                importer.remember(cache, key, partner)
        return partner

    @api.model
    def _shopify_address_values(self, importer, address):
        if not address:
            return {}
        country_id = self._shopify_country(importer, address.get("country_code"))
        state_id = self._shopify_state(importer, country_id, address.get("state_code"))
        return {
            "name": address.get("name") or address.get("company"),
            "street": address.get("street"),
            "street2": address.get("street2"),
            "zip": address.get("zip"),
            "city": address.get("city"),
            "country_id": country_id,
            "state_id": state_id,
            "phone": address.get("phone"),
        }

    @api.model
    def _shopify_address_contact(self, importer, partner, kind, address):
        """The invoice or delivery contact of ``partner`` at ``address``: the
        customer itself when it is its own address, else a contact reused when
        one with the same address exists, else created."""
        if not address:
            return None
        self._shopify_load_contacts(importer, partner)
        values = self._shopify_address_values(importer, address)
        values["name"] = values["name"] or partner.name
        address_key = self._shopify_contact_key(values)
        if address_key == self._shopify_contact_key({f: partner[f] for f in _CONTACT_KEY}):
            # the customer's own address: no contact repeating it (as Odoo does
            # for an order whose customer has one address)
            return partner
        key = (partner.id, kind, address_key)
        contact = importer.contacts.get(key)
        if contact is None:
            contact = self.create(
                {
                    **{k: v for k, v in values.items() if v},
                    "email": address.get("email") or False,
                    "type": kind,
                    "parent_id": partner.id,
                }
            )
            importer.remember(importer.contacts, key, contact)
        return contact

    @api.model
    def _shopify_country(self, importer, code):
        if not code:
            return False
        if not importer.countries:
            importer.countries.update(
                (c["code"], c["id"]) for c in self.env["res.country"].search_read([], ["code"])
            )
        return importer.countries.get(code, False)

    @api.model
    def _shopify_state(self, importer, country_id, code):
        if not country_id or not code:
            return False
        key = (country_id, code)
        if key not in importer.states:
            state = self.env["res.country.state"].search(
                [("country_id", "=", country_id), ("code", "=", code)], limit=1
            )
            importer.states[key] = state.id or False
        return importer.states[key]
