from shopify_api.matching import (
    AMBIGUOUS,
    KEPT,
    MATCHED_BARCODE,
    MATCHED_SKU,
    UNMATCHED,
    match_variants,
)


def v(gid, sku=None, barcode=None):
    return {"gid": gid, "sku": sku, "barcode": barcode}


def p(pid, code=None, barcode=None):
    return {"id": pid, "default_code": code, "barcode": barcode}


def test_match_by_sku_then_barcode():
    decisions = match_variants(
        [v("V1", "A"), v("V2", None, "4006381333931"), v("V3", "ZZZ", "111")],
        [p(1, "A"), p(2, "B", "4006381333931"), p(3, "C")],
    )
    assert decisions["V1"] == (MATCHED_SKU, 1, None)
    assert decisions["V2"] == (MATCHED_BARCODE, 2, None)
    assert decisions["V3"][0] == UNMATCHED


def test_sku_compared_without_surrounding_blanks():
    decisions = match_variants([v("V1", " A ")], [p(1, "A")])
    assert decisions["V1"] == (MATCHED_SKU, 1, None)


def test_two_odoo_products_with_one_sku_is_ambiguous():
    decisions = match_variants([v("V1", "A")], [p(1, "A"), p(2, "A")])
    status, product, reason = decisions["V1"]
    assert (status, product) == (AMBIGUOUS, None)
    assert "2 Odoo products" in reason


def test_one_sku_on_two_shopify_variants_is_ambiguous_for_both():
    decisions = match_variants([v("V1", "A"), v("V2", "A")], [p(1, "A")])
    assert decisions["V1"][0] == AMBIGUOUS
    assert decisions["V2"][0] == AMBIGUOUS


def test_ambiguous_sku_falls_back_to_a_unique_barcode():
    decisions = match_variants([v("V1", "A", "123")], [p(1, "A"), p(2, "A", "123")])
    assert decisions["V1"] == (MATCHED_BARCODE, 2, None)


def test_existing_link_is_kept_and_product_not_linked_twice():
    decisions = match_variants(
        [v("V1", "A"), v("V2", "B")], [p(1, "A"), p(2, "B")], linked={"V1": 2}
    )
    assert decisions["V1"] == (KEPT, 2, None)
    # product 2 is taken by V1: V2 is not linked to it silently
    assert decisions["V2"][0] == AMBIGUOUS


def test_rerun_with_previous_result_changes_nothing():
    variants = [v("V1", "A"), v("V2", None, "9"), v("V3", "X")]
    products = [p(1, "A"), p(2, None, "9")]
    first = match_variants(variants, products)
    linked = {gid: d[1] for gid, d in first.items() if d[1]}
    second = match_variants(variants, products, linked)
    assert {gid: d[1] for gid, d in second.items()} == {gid: d[1] for gid, d in first.items()}
    assert all(d[0] in (KEPT, UNMATCHED) for d in second.values())
