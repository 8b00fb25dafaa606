#!/usr/bin/env python3
"""Keystrokes of saisie au kilomètre: a 3-line sale and a 5-line payroll entry typed in the
entry form with the keyboard only, in Chromium, every key counted (a chord such as Ctrl+Entrée
counts one).

    .venv/bin/python bench/keystrokes.py
    PYTHONPATH=/tmp/baseline .venv/bin/python bench/keystrokes.py   # a baseline checkout's form

The typist behaves as an attentive accountant does, whatever the form: on each field it looks
at what the field holds and types what is missing (Entrée when the field is right already — a
balancing amount proposed, a date kept), passes the fields the form leads it to, and posts with
Ctrl+Entrée as soon as the entry on screen is the one wanted. Four rounds: each entry on a
freshly opened form, then the same entry again right after posting one (the kilomètre: the way
back to a blank form is counted, by the shortcut the page shows or by Tab to a link).
"""

from __future__ import annotations

import argparse
import re
import shutil
from dataclasses import dataclass, field
from typing import Any

from common import ADMIN_EMAIL, PASSWORD, fresh_books, server_env, start_server

SALE = {
    "journal": "VTE",
    "date": "150126",
    "piece": "FA-100",
    "libelle": "Facture Client Abidjan",
    "lignes": [
        {"compte": "4111", "debit": "118000", "tiers": "C001"},
        {"compte": "7011", "credit": "100000"},
        {"compte": "4431", "credit": "18000"},
    ],
}
PAYROLL = {
    "journal": "OD",
    "date": "310126",
    "piece": "PAIE-01",
    "libelle": "Paie janvier 2026",
    "lignes": [
        {"compte": "6611", "debit": "1500000"},
        {"compte": "6641", "debit": "240000"},
        {"compte": "4313", "credit": "330000"},
        {"compte": "4472", "credit": "150000"},
        {"compte": "422", "credit": "1260000"},
    ],
}
LINE_FIELDS = ("compte", "libelle_ligne", "debit", "credit", "tiers")
FOCUSED = """() => {
  const e = document.activeElement;
  const row = e && e.closest('tbody tr');
  return {tag: e ? e.tagName : '', id: e ? e.id : '', name: e ? (e.name || '') : '',
          value: e && 'value' in e ? e.value : '',
          whole: e && e.value !== undefined && e.selectionStart === 0 && e.selectionEnd === (e.value || '').length,
          href: e && e.href ? e.href : '',
          row: row ? Array.prototype.indexOf.call(row.parentNode.children, row) : -1};
}"""
FORM = """() => {
  const f = document.querySelector('form.saisie');
  if (!f) return null;
  const head = {};
  for (const n of ['journal', 'date', 'piece', 'libelle']) head[n] = f.elements[n].value;
  const rows = Array.from(f.querySelectorAll('tbody tr')).map(tr => {
    const r = {};
    for (const n of ['compte', 'libelle_ligne', 'debit', 'credit', 'tiers']) r[n] = tr.querySelector(`[name=${n}]`).value;
    return r;
  });
  return {head, rows};
}"""


def digits(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]", "", text or "")


def same(name: str, have: str, want: str) -> bool:
    if name in ("debit", "credit"):
        return digits(have) == digits(want)
    if name == "date":
        return re.sub(r"\D", "", have) in (want, want[:4] + "20" + want[4:])
    return have.strip() == want


@dataclass
class Typist:
    page: Any
    keys: int = 0
    log: list[str] = field(default_factory=list)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1
        self.log.append(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.keys += len(text)
        self.log.append(repr(text))

    def focused(self) -> dict[str, Any]:
        return dict(self.page.evaluate(FOCUSED))

    def wanted(self, entry: dict[str, Any], where: dict[str, Any]) -> str | None:
        name, row = where["name"], where["row"]
        if row < 0:
            return {"journal": entry["journal"], "date": entry["date"]}.get(
                where["id"] or name, entry.get(name)
            )
        if name not in LINE_FIELDS:
            return None
        lines = entry["lignes"]
        return str(lines[row].get(name, "")) if row < len(lines) else ""

    def done(self, entry: dict[str, Any]) -> bool:
        """Whether the form shows exactly the entry wanted (then Ctrl+Entrée posts it)."""
        form = self.page.evaluate(FORM)
        if form is None:
            return False
        head = form["head"]
        if head["journal"] != entry["journal"] or not same("date", head["date"], entry["date"]):
            return False
        if head["piece"] != entry["piece"] or head["libelle"] != entry["libelle"]:
            return False
        for i, row in enumerate(form["rows"]):
            line = entry["lignes"][i] if i < len(entry["lignes"]) else {}
            if not all(same(n, row[n], str(line.get(n, ""))) for n in LINE_FIELDS):
                return False
        return len(form["rows"]) >= len(entry["lignes"])

    def to_form(self) -> None:
        """From wherever the last posting left the page, to a blank entry form."""
        if "/ecritures/nouvelle/" in self.page.url:
            return
        shortcut = self.page.locator("a[aria-keyshortcuts]").first
        if shortcut.count():
            with self.page.expect_navigation():
                self.press(str(shortcut.get_attribute("aria-keyshortcuts")))
            return
        # Without a shortcut: Tab to the first link that leads there (the form's, or the list
        # of entries, whose button opens the form), Entrée; again from the list.
        on_list = re.search(r"/ecritures/(\?.*)?$", self.page.url) is not None
        target = r"/ecritures/nouvelle/$" if on_list else r"/ecritures/(nouvelle/)?$"
        for _ in range(80):
            self.press("Tab")
            if re.search(target, self.focused()["href"]):
                with self.page.expect_navigation():
                    self.press("Enter")
                return self.to_form()
        raise SystemExit("no way to a new entry by the keyboard")

    def enter(self, entry: dict[str, Any]) -> None:
        """Type ``entry`` from where the focus is, and post it."""
        self.page.wait_for_function("document.activeElement && document.activeElement.tagName !== 'BODY'")
        journal = self.page.locator("#journal")
        if journal.input_value() != entry["journal"]:
            while self.focused()["id"] != "journal":
                self.press("Shift+Tab")
        for _ in range(200):
            if self.done(entry):
                with self.page.expect_navigation():
                    self.press("Control+Enter")
                if self.page.locator(".erreur, .avertissement").count():
                    raise SystemExit(f"refused: {self.page.locator('main').inner_text()[:400]}")
                return
            where = self.focused()
            want = self.wanted(entry, where)
            if want is None and where["tag"] in ("A", "BUTTON", "BODY"):
                raise SystemExit(f"the focus left the fields: {where}")
            if want is None:
                self.press("Enter")
                continue
            if where["tag"] == "SELECT":
                if where["value"] != want:
                    self.type(want)
            elif not same(where["name"] or where["id"], where["value"], want):
                if where["value"] and not where["whole"]:
                    self.press("Control+a")
                if want:
                    self.type(want)
                else:
                    self.press("Delete")
            self.press("Enter")
        raise SystemExit("the entry was never complete: " + " ".join(self.log[-40:]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--journal", action="store_true", help="print every key pressed")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    engine, _company = fresh_books("wisebook_keystrokes", 2026)
    engine.dispose()
    env = server_env(engine.url.render_as_string(hide_password=False))
    proc, port = start_server(env)
    results = []
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=args.chromium, headless=True, args=["--no-sandbox"]
            )
            page = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
            base = f"http://127.0.0.1:{port}"
            page.goto(f"{base}/connexion/")
            page.get_by_label("Adresse e-mail").fill(ADMIN_EMAIL)
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/")
            for name, entry in (("vente, 3 lignes", SALE), ("paie, 5 lignes", PAYROLL)):
                page.goto(f"{base}/ecritures/nouvelle/")
                page.wait_for_load_state("networkidle")  # the chart's list for the suggestions
                typist = Typist(page)
                typist.enter(entry)
                results.append((f"{name}, formulaire ouvert", typist))
                typist = Typist(page)
                typist.to_form()
                page.wait_for_load_state("networkidle")
                typist.enter(entry)
                results.append((f"{name}, à la suite de la précédente", typist))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    for name, typist in results:
        print(f"{name:<44} {typist.keys:4d} frappes")
        if args.journal:
            print("   ", " ".join(typist.log))


if __name__ == "__main__":
    main()
