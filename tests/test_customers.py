"""Customer helpers: phone numbers, e-mail addresses, partner values."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopify_api.customers import (
    normalize_address,
    normalize_email,
    normalize_phone,
    partner_values_from_address,
)


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+4930123456", None, "+4930123456"),
        ("030 123456", "DE", "+4930123456"),
        ("030 123456", "de", "+4930123456"),
        (" 0049 30 1234567 ", None, "+49301234567"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("(212) 555-0199", "US", "+12125550199"),
        ("+1 212 555 0199", "DE", "+12125550199"),
        ("044 668 18 00", "CH", "+41446681800"),
        ("030 123456", None, None),  # no country, no prefix: cannot tell
        ("12", "DE", None),
        ("not a number", "DE", None),
        ("", "DE", None),
        ("   ", None, None),
        (None, "DE", None),
        (4930123456, "DE", None),
        ("030 123456", "XX1", None),
    ],
)
def test_normalize_phone(raw, country, expected):
    assert normalize_phone(raw, country) == expected


@given(st.text(), st.one_of(st.none(), st.text(max_size=3)))
def test_normalize_phone_never_raises(raw, country):
    result = normalize_phone(raw, country)
    assert result is None or (result.startswith("+") and result[1:].isdigit())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Anna.Schmidt@Example.DE ", "anna.schmidt@example.de"),
        ("user+tag@sub.example.com", "user+tag@sub.example.com"),
        ("no-at-sign.example.com", None),
        ("two@@example.com", None),
        ("a b@example.com", None),
        ("user@localhost", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_normalize_email(raw, expected):
    assert normalize_email(raw) == expected


SHOPIFY_ADDRESS = {
    "firstName": "Erika",
    "lastName": "Mustermann",
    "name": None,
    "company": " Mustermann GmbH ",
    "address1": "Lindenweg 3",
    "address2": "",
    "zip": "80333",
    "city": "München",
    "province": "Bayern",
    "provinceCode": "by",
    "countryCodeV2": "DE",
    "phone": "089 1234567",
}


def test_normalize_address_from_shopify():
    address = normalize_address(SHOPIFY_ADDRESS, " Erika@Example.de")
    assert address == {
        "name": "Erika Mustermann",
        "company": "Mustermann GmbH",
        "street": "Lindenweg 3",
        "street2": None,
        "zip": "80333",
        "city": "München",
        "state": "Bayern",
        "state_code": "BY",
        "country_code": "DE",
        "phone": "+49891234567",
        "email": "erika@example.de",
    }


def test_normalize_address_keeps_a_phone_it_cannot_read_and_handles_none():
    assert normalize_address({"phone": "ask at reception"})["phone"] == "ask at reception"
    assert normalize_address(None) is None
    assert normalize_address({"company": "ACME"})["name"] == "ACME"


def test_partner_values_from_shopify_and_from_normalised_address():
    expected = {
        "name": "Erika Mustermann",
        "street": "Lindenweg 3",
        "street2": None,
        "zip": "80333",
        "city": "München",
        "country_code": "DE",
        "state_code": "BY",
        "phone": "+49891234567",
        "email": "erika@example.de",
        "company_name": "Mustermann GmbH",
    }
    assert partner_values_from_address(SHOPIFY_ADDRESS, "erika@example.de") == expected
    normalised = normalize_address(SHOPIFY_ADDRESS, "erika@example.de")
    assert partner_values_from_address(normalised) == expected
    assert set(partner_values_from_address(None)) == set(expected)
