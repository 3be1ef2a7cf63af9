"""The German translation shipped with the addon is complete and well formed."""

import os
import re

import polib
import pytest

I18N = os.path.join(os.path.dirname(__file__), "..", "shopify_connector", "i18n")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|%[sdf]|\{[a-z_]*\}")


@pytest.fixture(scope="module")
def german():
    return polib.pofile(os.path.join(I18N, "de.po"))


@pytest.fixture(scope="module")
def template():
    return polib.pofile(os.path.join(I18N, "shopify_connector.pot"))


def test_every_term_of_the_template_is_translated(german, template):
    translated = {(e.msgctxt, e.msgid) for e in german if e.msgstr and not e.fuzzy}
    missing = [e.msgid for e in template if (e.msgctxt, e.msgid) not in translated]
    assert not missing, f"{len(missing)} terms without German translation, e.g. {missing[:5]}"


def test_placeholders_are_kept(german):
    wrong = [
        e.msgid
        for e in german
        if e.msgstr
        and sorted(PLACEHOLDER.findall(e.msgid)) != sorted(PLACEHOLDER.findall(e.msgstr))
    ]
    assert not wrong, f"placeholders changed in: {wrong[:5]}"


def test_no_fuzzy_or_obsolete_entries(german):
    assert not [e.msgid for e in german if e.fuzzy]
    assert not german.obsolete_entries()
