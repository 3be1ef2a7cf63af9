"""Customer and address data from Shopify, normalised to plain values (no Odoo)."""

import re

import phonenumbers

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def _text(value):
    """Stripped string, or None for empty / non-string values."""
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _country(code):
    code = _text(code)
    if code is None:
        return None
    code = code.upper()
    return code if _COUNTRY_RE.match(code) else None


def normalize_phone(raw, country_code=None):
    """E.164 form of a phone number (``"+4930123456"``), or None when invalid.

    Numbers without an international prefix are read as numbers of
    ``country_code`` (the address country, ISO 3166 alpha-2).
    """
    text = _text(raw)
    if text is None:
        return None
    region = _country(country_code)
    if region is None and text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw):
    """Lower-case, stripped e-mail address, or None when it is not one."""
    text = _text(raw)
    if text is None:
        return None
    text = text.lower()
    return text if _EMAIL_RE.match(text) else None


def normalize_customer(raw, country_code=None):
    """Shopify ``Customer`` dict -> {gid, first_name, last_name, name, email, phone}."""
    if not isinstance(raw, dict):
        return None
    email = raw.get("defaultEmailAddress")
    phone = raw.get("defaultPhoneNumber")
    email = email.get("emailAddress") if isinstance(email, dict) else None
    phone = _text(phone.get("phoneNumber")) if isinstance(phone, dict) else None
    return {
        "gid": _text(raw.get("id")),
        "first_name": _text(raw.get("firstName")),
        "last_name": _text(raw.get("lastName")),
        "name": _text(raw.get("displayName")),
        "email": normalize_email(email),
        "phone": normalize_phone(phone, country_code) or phone,
    }


def normalize_address(raw, email=None):
    """Shopify ``MailingAddress`` dict -> the connector's address dict (or None).

    Keys: name, company, street, street2, zip, city, state, state_code,
    country_code, phone (E.164 when valid, else as typed), email.
    """
    if not isinstance(raw, dict):
        return None
    country = _country(raw.get("countryCodeV2"))
    name = _text(raw.get("name"))
    if name is None:
        parts = [_text(raw.get("firstName")), _text(raw.get("lastName"))]
        name = " ".join(p for p in parts if p) or None
    company = _text(raw.get("company"))
    phone = _text(raw.get("phone"))
    state_code = _text(raw.get("provinceCode"))
    return {
        "name": name or company,
        "company": company,
        "street": _text(raw.get("address1")),
        "street2": _text(raw.get("address2")),
        "zip": _text(raw.get("zip")),
        "city": _text(raw.get("city")),
        "state": _text(raw.get("province")),
        "state_code": state_code.upper() if state_code else None,
        "country_code": country,
        "phone": normalize_phone(phone, country) or phone,
        "email": normalize_email(email),
    }


def partner_values_from_address(address, email=None):
    """Plain partner values from an address (Shopify's or already normalised).

    Keys: name, street, street2, zip, city, country_code, state_code, phone,
    email, company_name.  Missing values are None.
    """
    if not isinstance(address, dict):
        address = {}
    if any(key in address for key in ("address1", "countryCodeV2", "firstName")):
        address = normalize_address(address, email)
    values = {
        key: address.get(key)
        for key in ("name", "street", "street2", "zip", "city", "country_code", "state_code")
    }
    values["company_name"] = address.get("company")
    values["phone"] = address.get("phone")
    values["email"] = normalize_email(address.get("email") or email)
    return values
