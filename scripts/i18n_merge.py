"""Merge a .pot into a .po: keep translations, add new terms, drop old ones.

usage: python3 scripts/i18n_merge.py shopify_connector.pot de.po
"""

import os
import sys

import polib


def main(pot_path, po_path):
    pot = polib.pofile(pot_path)
    old = polib.pofile(po_path) if os.path.exists(po_path) else polib.POFile()
    known = {(e.msgctxt, e.msgid): e for e in old}
    po = polib.POFile(wrapwidth=78)
    po.metadata = {
        "Project-Id-Version": "Odoo Server 19.0",
        "Language": "de",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    missing = 0
    for entry in pot:
        previous = known.get((entry.msgctxt, entry.msgid))
        entry.msgstr = previous.msgstr if previous else ""
        missing += not entry.msgstr
        po.append(entry)
    po.save(po_path)
    print(f"{po_path}: {len(po)} terms, {missing} without translation")


if __name__ == "__main__":
    main(*sys.argv[1:3])
