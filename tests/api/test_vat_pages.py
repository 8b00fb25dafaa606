"""The VAT return in the browser: the month's boxes, a box's lines, the controls, the
settlement posted from the page (once), a bad month said next to its field; the entry form's
tax code and base."""

from __future__ import annotations

from tests.api.test_entry_pages import browser
from tests.api.test_vat import entry, post
from tests.conftest import Api, login


def plain(text: str) -> str:
    """Amounts as the page groups them (narrow no-break spaces) read with plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_the_return_its_lines_and_the_settlement_from_the_page(testapp, books):
    api = Api(testapp, login(testapp))
    post(
        api,
        entry(
            "2026-01-05",
            "Vente",
            ("4111", 1180000, 0, None, None, "C001"),
            ("7011", 0, 1000000),
            ("4431", 0, 180000, "TVA18", 1000000),
            journal="VTE",
        ),
    )
    csrf = browser(testapp)
    shown = testapp.get("/fiscalite/tva/", {"periode": "2026-01"})
    rows = {
        r.select("td")[0].text: [plain(td.text) for td in r.select("td")]
        for r in shown.html.select("#cases tbody tr")
    }
    assert rows["02D"][2:] == ["1 000 000", "180 000"]
    assert "180 000" in plain(shown.html.select_one("#resultat").text)
    assert "ÉCART" not in shown.html.select_one("#controles").text
    detail = testapp.get("/fiscalite/tva/", {"periode": "2026-01", "case": "02D"})
    lines = detail.html.select("#detail tbody tr")
    assert len(lines) == 1 and "4431" in lines[0].text and "1 000 000" in plain(lines[0].text)

    done = testapp.post("/fiscalite/tva/?periode=2026-01", {"csrf": csrf}, status=303).follow()
    number = done.html.select_one("#fait").text
    assert "OD-2026-" in number
    assert done.html.select_one("#liquidation a").text in number
    assert done.html.select_one("#liquider") is None
    again = testapp.post("/fiscalite/tva/?periode=2026-01", {"csrf": csrf}, status=409)
    assert "déjà liquidée" in again.text

    bad = testapp.get("/fiscalite/tva/", {"periode": "2026-13"}, status=422)
    assert "AAAA-MM" in bad.html.select_one("#periode-erreur").text


def test_the_entry_form_keeps_a_tax_code_and_says_a_wrong_base_next_to_it(testapp, books):
    csrf = browser(testapp)
    form = testapp.get("/ecritures/nouvelle/")
    assert [o["value"] for o in form.html.select("select[name=taxe]")[0].select("option")] == [
        "",
        "TVA18",
        "TVA9",
        "EXPORT",
        "EXO",
        "HT",
    ]
    fields = [
        ("csrf", csrf), ("journal", "VTE"), ("date", "05/01/2026"), ("piece", "FA-9"), ("libelle", "Vente"),
        ("compte", "4111"), ("libelle_ligne", ""), ("debit", "1 180 000"), ("credit", ""), ("tiers", "C001"), ("taxe", ""), ("base", ""),
        ("compte", "7011"), ("libelle_ligne", ""), ("debit", ""), ("credit", "1 000 000"), ("tiers", ""), ("taxe", ""), ("base", ""),
        ("compte", "4431"), ("libelle_ligne", ""), ("debit", ""), ("credit", "180 000"), ("tiers", ""), ("taxe", "TVA18"), ("base", "900 000"),
        ("action", "valider"),
    ]  # fmt: skip
    refused = testapp.post("/ecritures/nouvelle/", fields, status=422)
    message = plain(refused.html.select_one("#lignes-2-base-erreur").text)
    assert "900 000 × 18 % = 162 000" in message
    fixed = [(k, "1 000 000" if (k, v) == ("base", "900 000") else v) for k, v in fields]
    saved = testapp.post("/ecritures/nouvelle/", fixed, status=303)
    entry_id = saved.location.split("fait=")[1].split("&")[0]
    page = testapp.get(f"/ecritures/{entry_id}/")
    assert "TVA18" in page.text and "base 1 000 000" in plain(page.text)
