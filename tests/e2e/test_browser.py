"""The accountant's path through the pages, in Chromium: signed out to the login page, a wrong
password said next to its field, the dashboard in French figures, the task monitor, log out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, login, sale
from tests.e2e.conftest import CAPTURES, sign_in
from wisebook.services import setup


@pytest.mark.postgresql  # the appliance's database
def test_log_in_see_the_dashboard_and_log_out(page, server, captures, testapp, books):
    api = Api(testapp, login(testapp))
    api.post("/api/v1/ecritures/", sale(), status=201)

    page.goto("/")
    assert re.search(r"/connexion/\?suite=%2F$", page.url)
    page.screenshot(path=captures / "01-connexion.png", full_page=True)

    page.get_by_label("Adresse e-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.keyboard.press("Enter")
    error = page.locator("#password-erreur")
    error.wait_for()
    assert error.inner_text() == "Adresse e-mail ou mot de passe incorrect."
    assert page.get_by_label("Adresse e-mail").input_value() == ADMIN_EMAIL  # kept
    assert page.get_by_label("Mot de passe").get_attribute("aria-invalid") == "true"
    page.screenshot(path=captures / "02-connexion-refusee.png", full_page=True)

    page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/")
    assert page.locator("h1").inner_text() == "Société Test SARL"
    cards = page.locator(".carte")
    assert cards.count() == 6
    revenue = int(sale()["lignes"][1]["credit"])
    assert f"{revenue:,}".replace(",", "\u202f") in page.locator("main").inner_text()  # French grouping
    page.screenshot(path=captures / "03-tableau-de-bord.png", full_page=True)

    page.get_by_role("link", name="Tâches").click()
    page.wait_for_url(f"{server}/admin/taches/")
    page.screenshot(path=captures / "04-taches.png", full_page=True)

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/connexion/$"))
    page.goto("/")
    assert "/connexion/" in page.url  # the session is over


@pytest.mark.postgresql
def test_a_three_line_entry_typed_with_the_keyboard_only_is_posted_listed_and_reversed(
    page, server, captures, engine, books
):
    sign_in(page, server)
    page.goto("/ecritures/nouvelle/")
    # The journal list takes the focus by itself (autofocus), once the browser has drawn the
    # page, which can come after the load event on a busy machine: wait for it, never click.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'journal'")
    # The accounts' suggestions, filled by the form's script from the cached list.
    page.wait_for_selector("#suggestions[data-pret=oui]", state="attached")
    keys = page.keyboard
    keys.type("VTE")
    assert page.locator("#journal").input_value() == "VTE"
    keys.press("Enter")
    keys.type("15/01/2026")  # the date: day first, as French accountants type it
    keys.press("Enter")
    for typed in ("FA-2026-100", "Facture Client Abidjan", "4111"):
        keys.type(typed)
        keys.press("Enter")
    assert page.locator(".compte-libelle").nth(0).inner_text() == "Clients"  # said as it is typed
    assert page.evaluate("document.activeElement.name") == "debit"  # the line's label: the entry's
    keys.type("118 000")
    keys.press("Enter")  # a debit typed: the credit is passed, 4111 is lettrable: its Tiers
    assert page.evaluate("document.activeElement.name") == "tiers"
    keys.type("C001")
    keys.press("Enter")
    keys.type("7011")
    keys.press("Enter")
    keys.press("Enter")  # debit: empty
    assert page.locator("input[name=credit]").nth(1).input_value() == "118 000"  # the difference, proposed
    keys.type("100000")  # typed over it
    keys.press("Enter")  # 7011 is not lettrable: no Tiers, the next line
    assert page.evaluate("document.activeElement.name") == "compte"
    keys.type("4431")
    keys.press("Tab")  # Tab reaches the line's own label
    keys.type("TVA 18 %")
    keys.press("Enter")
    keys.press("Enter")
    assert page.locator("input[name=credit]").nth(2).input_value() == "18 000"  # balances it
    assert page.locator("#ecart").inner_text() == "Équilibrée"
    page.screenshot(path=captures / "05-saisie.png", full_page=True)
    keys.press("Control+Enter")
    page.wait_for_url(re.compile(r"/ecritures/nouvelle/\?"))  # a blank form for the next one
    assert "Écriture VTE-2026-000001 validée." in page.locator("#faite").inner_text()
    page.get_by_role("link", name="Voir l'écriture").click()
    page.wait_for_url(re.compile(r"/ecritures/\d+/$"))
    assert page.locator("h1").inner_text().startswith("VTE-2026-000001")
    assert page.locator("tbody tr").count() == 3
    assert "15/01/2026" in page.locator("dl.fiche").inner_text()
    page.screenshot(path=captures / "06-ecriture.png", full_page=True)

    page.get_by_role("link", name="Extourner").click()  # never in one click: its date is asked
    page.wait_for_url(re.compile(r"/extourne/$"))
    page.locator("#date").fill("31/01/2026")
    page.screenshot(path=captures / "06b-extourne.png", full_page=True)
    page.get_by_role("button", name="Confirmer l'extourne").click()
    page.wait_for_url(re.compile(r"/ecritures/\d+/$"))
    assert page.locator("h1").inner_text().startswith("VTE-2026-000002")
    assert "31/01/2026" in page.locator("dl.fiche").inner_text()
    page.get_by_role("link", name="l'écriture d'origine").click()
    assert "Extournée par\nVTE-2026-000002" in page.locator("dl.fiche").inner_text()
    assert page.get_by_role("link", name="Extourner").count() == 0  # reversed once, for good
    page.get_by_role("link", name="Écritures", exact=True).click()
    rows = page.locator("table.liste tbody tr")
    assert rows.count() == 2
    assert "Facture Client Abidjan" in rows.nth(0).inner_text()
    assert "Extourne de VTE-2026-000001" in rows.nth(1).inner_text()
    page.screenshot(path=captures / "07-ecritures.png", full_page=True)

    page.get_by_role("link", name="Rapports").click()  # the reports open on the balance
    row = page.locator("table.liste tbody tr", has_text="7011")
    assert row.locator("td.nombre").all_inner_texts() == ["", "", "100\u202f000", "100\u202f000", "", ""]
    assert page.locator("tfoot").inner_text().count("236\u202f000") == 2  # the sale and its reversal
    page.screenshot(path=captures / "08-balance.png", full_page=True)

    page.get_by_role("link", name="English").click()  # the language switch, then back home
    page.get_by_role("link", name="Dashboard").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Revenue" in page.locator("main").inner_text()
    page.screenshot(path=captures / "09-dashboard-en.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/connexion/$"))
    assert page.get_by_role("button", name="Sign in").is_visible()


@pytest.mark.postgresql
def test_a_fresh_install_is_set_up_in_the_wizard_and_opens_on_the_dashboard(
    page, server, captures, backend_settings
):
    printed = (backend_settings.data_dir / f"serve-{server.rsplit(':', 1)[1]}.log").read_text()
    code = setup.setup_code(backend_settings.data_dir)
    assert f"code d'installation : {code}" in printed  # what the installer reads on screen
    page.goto("/")
    page.wait_for_url(f"{server}/assistant/")
    page.screenshot(path=captures / "00-assistant.png", full_page=True)
    page.get_by_label("Code", exact=True).fill("MAUV-AIS0-CODE-0000")
    page.get_by_label("Raison sociale").fill("Négoce Abidjan SARL")
    page.get_by_label("Adresse e-mail").fill("gerant@negoce.ci")
    page.get_by_label("Mot de passe", exact=True).fill("un mot de passe solide")
    page.get_by_label("Confirmation du mot de passe").fill("un mot de passe solide")
    page.get_by_role("button", name="Ouvrir les livres").click()
    assert "Code d'installation incorrect" in page.locator("#code-erreur").inner_text()
    assert page.get_by_label("Raison sociale").input_value() == "Négoce Abidjan SARL"  # kept
    page.screenshot(path=captures / "00-assistant-refuse.png", full_page=True)
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_label("Mot de passe", exact=True).fill("un mot de passe solide")
    page.get_by_label("Confirmation du mot de passe").fill("un mot de passe solide")
    page.get_by_role("button", name="Ouvrir les livres").click()
    page.wait_for_url(f"{server}/")
    assert page.locator("h1").inner_text() == "Négoce Abidjan SARL"
    assert "montants en FCFA" in page.locator("main").inner_text()


AUDIT = (Path(__file__).parent / "audit.js").read_text()


def audited(page, name: str) -> None:
    """The page has one title and passes the accessibility audit (contrast, names, text
    alternatives); its screenshot is kept."""
    assert page.locator("h1").count() == 1, name
    assert page.evaluate(AUDIT) == [], name
    page.screenshot(path=CAPTURES / f"{name}.png", full_page=True)


@pytest.mark.postgresql
def test_every_page_of_the_books_shows_in_french_on_a_desktop_and_in_english_on_a_tablet(
    browser, server, captures, testapp, books
):
    api = Api(testapp, login(testapp))
    for month in range(1, 7):
        api.post("/api/v1/ecritures/", sale(amount=118000 * month, day=f"2026-{month:02d}-15"), status=201)
        api.post(
            "/api/v1/ecritures/",
            {
                "journal": "ACH",
                "date_comptable": f"2026-{month:02d}-20",
                "libelle": "Achat de marchandises",
                "lignes": [
                    {"compte": "6011", "debit": str(70000 * month)},
                    {"compte": "4011", "credit": str(70000 * month), "tiers": "F001"},
                ],
                "valider": True,
            },
            status=201,
        )
        api.post(
            "/api/v1/ecritures/",
            {
                "journal": "BQ",
                "date_comptable": f"2026-{month:02d}-25",
                "libelle": "Règlement client",
                "lignes": [
                    {"compte": "5211", "debit": str(90000 * month)},
                    {"compte": "4111", "credit": str(90000 * month), "tiers": "C001"},
                ],
                "valider": True,
            },
            status=201,
        )
    draft = api.post("/api/v1/ecritures/", sale(post=False, day="2026-06-30"), status=201).json["id"]
    bank_id = api.post("/api/v1/banques/", {"nom": "BICICI courant", "compte": "5211"}, status=201).json["id"]
    pages = [
        ("tableau-de-bord", "/"),
        ("ecritures", "/ecritures/"),
        ("saisie", "/ecritures/nouvelle/"),
        ("brouillon", f"/ecritures/{draft}/"),
        ("brouillon-modifier", f"/ecritures/{draft}/modifier/"),
        ("balance", "/rapports/balance/"),
        ("grand-livre", "/rapports/grand-livre/?compte=4111"),
        ("journal", "/rapports/journal/?journal=VTE"),
        ("bilan", "/rapports/bilan/"),
        ("compte-de-resultat", "/rapports/compte-de-resultat/"),
        ("flux-de-tresorerie", "/rapports/flux-de-tresorerie/"),
        ("plan-comptable", "/comptes/?classe=4"),
        ("compte", "/comptes/4111/"),
        ("lettrage", "/lettrage/?compte=4111"),
        ("tiers", "/tiers/"),
        ("tiers-fiche", "/tiers/C001/"),
        ("banques", "/banques/"),
        ("rapprochement", f"/banques/{bank_id}/"),
        ("tva", "/fiscalite/tva/?periode=2026-03&case=02D"),
        ("immobilisations", "/immobilisations/"),
        ("balance-agee", "/rapports/balance-agee/?comptes=4"),
        ("exercices", "/exercices/"),
        ("imports", "/imports/"),
        ("journal-audit", "/controle/journal-audit/"),
        ("mot-de-passe", "/mot-de-passe/"),
        ("verification", "/controle/verification/"),
        ("cloture", "/exercices/2026/cloture/"),
        ("journaux", "/journaux/"),
        ("utilisateurs", "/admin/utilisateurs/"),
        ("taches", "/admin/taches/"),
    ]
    for locale, viewport, suffix in (
        ("fr-FR", {"width": 1024, "height": 768}, "fr"),  # every page fits 1024 px
        ("en-US", {"width": 820, "height": 1180}, "en-tablette"),
    ):
        context = browser.new_context(base_url=server, locale=locale, viewport=viewport)
        # Every refusal of the pages' Content-Security-Policy (an inline style or script, a
        # foreign source) is kept, to be asserted empty on each page.
        context.add_init_script(
            """window.__csp = []; document.addEventListener('securitypolicyviolation',
            e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber));"""
        )
        page = context.new_page()
        page.goto("/connexion/")
        audited(page, f"20-connexion-{suffix}")
        page.locator("#email").fill(ADMIN_EMAIL)
        page.locator("#password").fill(ADMIN_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server}/")
        for name, path in pages:
            response = page.goto(path)
            assert response is not None and response.status == 200, (path, locale)
            audited(page, f"21-{name}-{suffix}")
            widest = page.evaluate("document.documentElement.scrollWidth")
            assert widest <= viewport["width"], (name, suffix, widest)  # nothing runs off the screen
            assert page.evaluate("window.__csp") == [], (name, suffix)  # no CSP refusal
        page.goto("/comptes/?classe=4")
        indents = page.evaluate(  # the chart's tree indents each level (the CSP bars style="")
            """() => [1, 2, 3].map(n => { const cell = document.querySelector(`tr.niveau-${n} td.retrait`);
            return cell ? parseFloat(getComputedStyle(cell).paddingLeft) : null; })"""
        )
        assert None not in indents and indents == sorted(set(indents)), indents
        page.goto("/")
        assert page.locator("svg.graphique").count() == 4
        page.evaluate(  # the CSP check sees a refusal: an inline style attribute
            """() => document.querySelector("main").insertAdjacentHTML("beforeend", '<p style="color:red">x</p>')"""
        )
        page.wait_for_function("window.__csp.length > 0")
        assert page.evaluate("window.__csp")[0].startswith("style-src")
        page.evaluate(  # the audit itself sees what it looks for (styled by script: the CSP bars style="")
            """() => { const main = document.querySelector("main");
            main.insertAdjacentHTML("beforeend", '<p id="pale">pâle</p><input name="anonyme"><svg width="5" height="5"></svg>');
            document.getElementById("pale").style.color = "#b0b0b0"; }"""
        )
        assert page.evaluate(AUDIT) == [
            "contraste 2.17 : « pâle »",
            'sans nom : <input name="anonyme">',
            "graphique sans nom",
        ]
        context.close()


@pytest.mark.postgresql
def test_a_refused_sub_account_is_said_next_to_its_field_and_a_journal_is_added(page, server, books):
    sign_in(page, server)
    page.get_by_role("link", name="Plan comptable", exact=True).click()
    page.get_by_label("Numéro", exact=True).fill("4111")
    page.get_by_label("Libellé", exact=True).fill("Clients Abidjan")
    page.get_by_role("button", name="Ajouter").click()
    assert page.locator("#numero-erreur").inner_text() == "Le compte 4111 existe déjà."
    assert page.get_by_label("Libellé", exact=True).input_value() == "Clients Abidjan"  # kept
    assert page.get_by_label("Numéro", exact=True).get_attribute("aria-invalid") == "true"
    page.screenshot(path=CAPTURES / "30-sous-compte-refuse.png", full_page=True)
    page.get_by_label("Numéro", exact=True).fill("411101")
    page.get_by_role("button", name="Ajouter").click()
    warning = page.locator("#confirmation")  # 4111 takes entries: said before it stops
    assert "Avec le sous-compte 411101, il devient un compte de regroupement" in warning.inner_text()
    page.screenshot(path=CAPTURES / "31-sous-compte-a-confirmer.png", full_page=True)
    page.keyboard.press("Enter")  # the confirming button has the focus
    assert "Compte 411101 ajouté." in page.locator(".succes").inner_text()
    assert "Regroupement" in page.locator("tr", has_text="Clients").first.inner_text()
    page.get_by_label("Numéro", exact=True).fill("411199")  # a typo, under a heading now: not asked
    page.get_by_label("Libellé", exact=True).fill("Clent Tset")
    page.get_by_role("button", name="Ajouter").click()
    page.get_by_role("link", name="Clent Tset").click()
    page.get_by_label("Libellé").fill("Client test")
    page.get_by_role("button", name="Enregistrer le libellé").click()
    assert page.locator("h1").inner_text() == "411199 · Client test"
    page.screenshot(path=CAPTURES / "32-compte-renomme.png", full_page=True)
    page.get_by_role("button", name="Retirer le compte 411199").click()
    assert "Compte 411199 retiré du plan." in page.locator(".succes").inner_text()
    assert "411199" not in page.locator("table.liste").inner_text()
    page.goto("/comptes/4111/")
    assert "fait partie du plan SYSCOHADA" in page.locator("#obstacle").inner_text()
    assert page.get_by_role("button", name="Retirer le compte 4111").count() == 0
    page.get_by_role("link", name="Journaux", exact=True).first.click()
    page.get_by_label("Code").fill("BQ2")
    page.get_by_label("Libellé").fill("Banque Atlantique")
    page.get_by_label("Type").select_option("tresorerie")
    page.get_by_role("button", name="Ajouter").click()
    assert "Banque Atlantique" in page.locator("table.liste").inner_text()


def test_francs_typed_with_a_dot_count_as_thousands_and_an_ambiguous_amount_is_asked(page, server, books):
    sign_in(page, server)
    page.goto("/ecritures/nouvelle/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'journal'")
    page.locator("#journal").select_option("VTE")
    page.locator("input[name=libelle]").fill("Vente comptoir")
    accounts, debits, credits = (page.locator(f"input[name={n}]") for n in ("compte", "debit", "credit"))
    accounts.nth(0).fill("5711")
    debits.nth(0).fill("25.000")  # 25 000 FCFA, as a Sage user types it
    assert page.locator("#total-debit").inner_text() == "25\u202f000"
    accounts.nth(1).fill("7011")
    credits.nth(1).fill("25,000")  # 25 000 or 25? never guessed
    assert page.locator("#total-credit").inner_text() == "0"
    page.keyboard.press("Control+Enter")
    message = page.locator("#lignes-1-credit-erreur")
    message.wait_for()
    assert message.inner_text() == "Montant ambigu « 25,000 » : tapez 25\u202f000 ou 25."
    page.screenshot(path=CAPTURES / "40-montant-ambigu.png", full_page=True)
    page.locator("input[name=credit]").nth(1).fill("25 000")
    assert page.locator("#ecart").inner_text() == "Équilibrée"
    page.keyboard.press("Control+Enter")
    page.locator("#faite").wait_for()
    page.get_by_role("link", name="Voir l'écriture").click()
    page.wait_for_url(re.compile(r"/ecritures/\d+/$"))
    assert "25\u202f000" in page.locator("main").inner_text()


def test_a_purchase_slipped_into_the_a_nouveaux_journal_is_refused_next_to_its_fields(
    page, server, books, engine
):
    sign_in(page, server)
    page.goto("/ecritures/nouvelle/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'journal'")
    page.keyboard.type("A")  # the list stands on ACH: « A » moves on to AN, the trap
    assert page.locator("#journal").input_value() == "AN"
    page.locator("#date").fill("15/03/2026")
    page.locator("input[name=libelle]").fill("Achat fournitures")
    accounts, debits, credits = (page.locator(f"input[name={n}]") for n in ("compte", "debit", "credit"))
    accounts.nth(0).fill("6041")
    debits.nth(0).fill("59 000")
    accounts.nth(1).fill("4011")
    credits.nth(1).fill("59 000")
    page.keyboard.press("Control+Enter")
    page.locator("#lignes-0-compte-erreur").wait_for()
    assert page.locator("#lignes-0-compte-erreur").inner_text() == (
        "Le compte 6041 (classe 6) n'a pas sa place dans les à-nouveaux : comptes de bilan (classes 1 à 5) seulement."
    )
    assert page.locator("#date-erreur").inner_text().startswith("Le journal des à-nouveaux ne prend que")
    assert page.locator("#lignes-1-compte-erreur").count() == 0  # 4011 is a balance-sheet account
    page.screenshot(path=CAPTURES / "41-a-nouveaux-refuse.png", full_page=True)
    page.locator("#journal").select_option("ACH")
    page.keyboard.press("Control+Enter")
    assert "Écriture ACH-2026-000001 validée." in page.locator("#faite").inner_text()


def test_saisie_au_kilometre_finds_accounts_by_label_says_every_fault_and_keeps_the_pace(page, server, books):
    sign_in(page, server)
    page.goto("/ecritures/")
    page.keyboard.press("Alt+n")  # the shortcut the header shows, from any page
    page.wait_for_url(re.compile(r"/ecritures/nouvelle/$"))
    page.wait_for_selector("#suggestions[data-pret=oui]", state="attached")
    keys = page.keyboard
    page.locator("#journal").select_option("OD")
    page.locator("#libelle").fill("Dotation réserve")
    account = page.locator("input[name=compte]").nth(0)
    account.focus()
    keys.type("reserve legale")  # neither accents nor capitals
    options = page.locator("#suggestions li")
    assert options.nth(0).inner_text() == "111 Réserve légale"
    page.screenshot(path=CAPTURES / "42-recherche-compte.png", full_page=True)
    keys.press("Enter")  # the suggestion chosen, then on to the line's label
    assert account.input_value() == "111"
    assert page.locator(".compte-libelle").nth(0).inner_text() == "Réserve légale"
    assert page.evaluate("document.activeElement.name") == "debit"  # the label is the entry's
    second = page.locator("input[name=compte]").nth(1)
    second.focus()
    keys.type("DEPOT")
    assert options.count() >= 5 and all("Dépôt" in t or "dépôt" in t for t in options.all_inner_texts())
    keys.press("Escape")
    second.fill("9999")
    page.locator("input[name=debit]").nth(0).fill("12,5")  # francs have no decimals
    page.locator("input[name=credit]").nth(1).fill("12")
    page.locator("#date").fill("15/01/2031")
    keys.press("Control+Enter")
    page.locator("#date-erreur").wait_for()
    said = {
        i: page.locator(f"#{i}").inner_text()
        for i in ("date-erreur", "lignes-0-debit-erreur", "lignes-1-compte-erreur")
    }
    assert said["date-erreur"] == "Aucun exercice ne couvre le 15/01/2031."
    assert said["lignes-1-compte-erreur"] == "Compte inconnu : 9999."
    assert said["lignes-0-debit-erreur"].startswith("Trop de décimales")
    assert page.evaluate("document.activeElement.id") == "date"  # the first message's field
    page.screenshot(path=CAPTURES / "43-toutes-les-erreurs.png", full_page=True)

    page.goto("/ecritures/nouvelle/")  # cash: 50 000 in, then 80 000 out of the till
    for journal, day, lines in (
        ("CAI", "05/01/2026", (("5711", "50 000", ""), ("7011", "", "50 000"))),
        ("CAI", "15/01/2026", (("6041", "80 000", ""), ("5711", "", "80 000"))),
    ):
        page.locator("#journal").select_option(journal)
        page.locator("#date").fill(day)
        page.locator("#libelle").fill("Caisse")
        for n, (code, debit, credit) in enumerate(lines):
            page.locator("input[name=compte]").nth(n).fill(code)
            page.locator("input[name=debit]").nth(n).fill(debit)
            page.locator("input[name=credit]").nth(n).fill(credit)
        keys.press("Control+Enter")
        page.wait_for_load_state()
    warning = page.locator("#lignes-1-compte-avertissement")
    assert warning.inner_text().startswith("La caisse 5711 serait créditrice de 30\u202f000 au 15/01/2026")
    assert page.locator("#valider").inner_text() == "Valider quand même"
    assert page.evaluate("document.activeElement.name") == "compte"  # on the warned line
    page.screenshot(path=CAPTURES / "44-caisse-crediteuse.png", full_page=True)
    keys.press("Control+Enter")  # confirmed
    assert "Écriture CAI-2026-000002 validée." in page.locator("#faite").inner_text()
    assert page.locator("#journal").input_value() == "CAI"  # kept for the next one
    assert page.locator("#date").input_value() == "15/01/2026"
    assert page.evaluate("document.activeElement.id") == "date"
    page.screenshot(path=CAPTURES / "45-saisie-suivante.png", full_page=True)


def test_lines_are_lettered_with_the_keyboard_proposals_accepted_and_the_aged_balance_shown(
    page, server, testapp, books
):
    from tests.api.test_lettering import keep

    keep(Api(testapp, login(testapp)))
    sign_in(page, server)
    page.goto("/rapports/grand-livre/?compte=4111")
    page.get_by_role("link", name="Lettrer").click()  # from the account's grand livre
    page.wait_for_url(re.compile(r"/lettrage/\?compte=4111$"))
    boxes = page.locator("input[name=ligne]")
    boxes.nth(0).focus()  # Facture FA-1, 118 000
    page.keyboard.press("Space")
    assert page.locator("#selection").inner_text() == "1 ligne · solde 118\u202f000 D"
    assert page.locator("#lettrer").is_disabled()
    page.keyboard.press("ArrowDown")  # FA-2
    page.keyboard.press("ArrowDown")  # Règlement FA-1, 118 000 credit
    page.keyboard.press("Space")
    assert page.locator("#selection").inner_text() == "2 lignes · soldées : Ctrl+Entrée lettre"
    page.screenshot(path=CAPTURES / "50-lettrage-selection.png", full_page=True)
    page.keyboard.press("Control+Enter")
    assert page.locator("#fait").inner_text() == "Lettrage A fait."
    assert page.locator("tr.lettree").count() == 2
    page.get_by_role("button", name="Délettrer A").click()
    assert page.locator("#fait").inner_text().startswith("Lettrage défait")
    page.get_by_role("button", name="Accepter").first.click()  # FA-1 and its payment, same amount
    assert page.locator("#fait").inner_text() == "Lettrage A fait."
    page.screenshot(path=CAPTURES / "51-lettrage-fait.png", full_page=True)
    page.get_by_role("link", name="Balance âgée").first.click()
    page.locator("#filtre-au").fill("30/04/2026")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"au=30%2F04%2F2026"))
    row = page.locator("tbody tr", has_text="C002")
    assert row.locator("td.nombre").all_inner_texts() == ["", "136\u202f000", "", "", "136\u202f000"]
    page.screenshot(path=CAPTURES / "52-balance-agee.png", full_page=True)


def test_the_year_is_locked_closed_with_its_progress_followed_and_its_result_allocated(
    page, server, testapp, app, books
):
    from tests.api.test_closing import entry

    api = Api(testapp, login(testapp))
    for body in (
        entry("2026-01-02", "Capital", [("5211", 10_000_000, 0, None), ("1011", 0, 10_000_000, None)]),
        entry("2026-03-01", "Vente", [("4111", 1_000_000, 0, "C001"), ("7011", 0, 1_000_000, None)]),
    ):
        api.post("/api/v1/ecritures/", body, status=201)
    sign_in(page, server)
    page.get_by_role("link", name="Exercices", exact=True).click()
    page.locator("#verrou-periode").select_option("6")
    page.get_by_role("button", name="Verrouiller", exact=True).click()
    assert page.locator("#fait").inner_text().startswith("Mois verrouillés")
    assert page.locator("ol.mois li.verrouille").count() == 6
    page.screenshot(path=CAPTURES / "60-exercices.png", full_page=True)
    page.get_by_role("link", name="Préparer la clôture").click()
    assert page.locator("h2", has_text="Points bloquants").inner_text() == "Points bloquants (0)"
    page.screenshot(path=CAPTURES / "61-cloture-preparee.png", full_page=True)
    page.get_by_role("button", name="Clôturer l'exercice 2026").click()
    page.wait_for_url(re.compile(r"tache=[0-9a-f]{32}$"))
    assert page.locator("#progression").is_visible()
    run_id = page.url.rsplit("=", 1)[1]
    app.registry.wisebook_queue.execute(run_id)  # the worker's part; the page follows by itself
    page.locator("#fait").wait_for(timeout=15000)
    assert (
        page.locator("#fait")
        .inner_text()
        .startswith("Exercice 2026 clôturé. À-nouveaux dans l'exercice 2027")
    )
    page.screenshot(path=CAPTURES / "62-cloture-faite.png", full_page=True)
    page.get_by_role("link", name="Affecter le résultat").click()
    assert page.locator("#reserve_legale").input_value() == "100000"  # a tenth of the profit
    page.locator("#reserve_legale").fill("50000")
    page.get_by_role("button", name="Passer l'écriture d'affectation").click()
    assert (
        page.locator("#reserve_legale-erreur")
        .inner_text()
        .startswith("La réserve légale reçoit au moins 100\u202f000")
    )
    page.screenshot(path=CAPTURES / "63-affectation-refusee.png", full_page=True)
    page.locator("#reserve_legale").fill("100000")
    page.locator("#report_a_nouveau").fill("900000")
    page.get_by_role("button", name="Passer l'écriture d'affectation").click()
    page.wait_for_url(re.compile(r"/ecritures/\d+/$"))
    assert "AFF-2026" in page.locator("main").inner_text()


def test_a_file_is_imported_its_progress_followed_and_its_refused_rows_listed(page, server, app, books):
    from tests.api.test_imports import csv_file, sale_rows

    rows = sale_rows(3)
    rows[3] = rows[3].replace(";7011;", ";9999;")
    sign_in(page, server)
    page.get_by_role("link", name="Écritures", exact=True).click()
    page.get_by_role("link", name="Importer").click()
    page.locator("#fichier").set_input_files(
        files=[{"name": "ventes.csv", "mimeType": "text/csv", "buffer": csv_file(rows)}]
    )
    page.get_by_label("importer seulement les écritures valides").check()
    page.get_by_role("button", name="Importer", exact=True).click()
    page.wait_for_url(re.compile(r"tache=[0-9a-f]{32}$"))
    app.registry.wisebook_queue.execute(page.url.rsplit("=", 1)[1])  # the worker's part
    page.locator("#rapport").wait_for(timeout=15000)
    assert page.locator("#rapport").inner_text().startswith("Import partiel : 2 écritures importées")
    assert "9999" in page.locator("table.liste").first.inner_text()
    with page.expect_download() as download:
        page.locator("#rejets-csv").click()
    assert download.value.suggested_filename == "ventes-lignes-refusees.csv"
    page.screenshot(path=CAPTURES / "70-import-rapport.png", full_page=True)


def test_an_entry_is_found_by_amount_given_its_pièce_and_the_books_verified(
    page, server, testapp, app, books
):
    from tests.api.test_entry_pages import PDF

    api = Api(testapp, login(testapp))
    api.post("/api/v1/ecritures/", sale(118000) | {"libelle": "Facture Kouassi"}, status=201)
    api.post("/api/v1/ecritures/", sale(59000) | {"libelle": "Facture Traoré"}, status=201)
    sign_in(page, server)
    page.get_by_role("link", name="Écritures", exact=True).click()
    page.locator("#filtre-montant").fill("59 000")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"montant=59"))
    rows = page.locator("table.liste tbody tr")
    assert rows.count() == 1 and "Facture Traoré" in rows.first.inner_text()
    rows.first.get_by_role("link").click()
    page.locator("#fichier").set_input_files(
        files=[{"name": "facture.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Joindre").click()
    assert page.locator("#titre-pieces").inner_text() == "Pièces justificatives (1)"
    assert page.get_by_role("link", name="facture.pdf").is_visible()
    assert page.get_by_role("button", name="Retirer").count() == 0  # posted: the pièce stays
    page.screenshot(path=CAPTURES / "80-ecriture-piece.png", full_page=True)
    page.get_by_role("link", name="Contrôle").click()
    page.get_by_role("button", name="Vérifier maintenant").click()
    page.wait_for_url(re.compile(r"tache=[0-9a-f]{32}$"))
    app.registry.wisebook_queue.execute(page.url.rsplit("=", 1)[1])
    page.locator("#verdict").wait_for(timeout=15000)
    assert page.locator("#verdict").inner_text() == "Conforme : chaîne, numérotation et soldes sont intègres."
    page.get_by_role("link", name="Journal d'audit").click()
    assert "/api/v1/ecritures/" in page.locator("tbody").inner_text()
    page.screenshot(path=CAPTURES / "81-journal-audit.png", full_page=True)


def test_an_invitation_without_a_mail_server_gives_its_link_and_an_assistant_sees_only_what_it_may_do(
    page, server, books
):
    sign_in(page, server)
    page.get_by_role("link", name="Utilisateurs").click()
    page.locator("#email").fill("moussa@cabinet.ci")
    page.locator("#role").select_option("assistant")
    page.get_by_role("button", name="Inviter").click()
    box = page.locator("#lien-invitation")
    assert "rien n'a été envoyé" in box.inner_text()
    link = box.locator("input").input_value()
    page.screenshot(path=CAPTURES / "90-invitation-lien.png", full_page=True)
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(link[link.index("/invitation/") :])
    page.locator("#mot_de_passe").fill("un mot de passe assez long")
    page.locator("#confirmation").fill("un mot de passe assez long")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    sign_in(page, server, "moussa@cabinet.ci", "un mot de passe assez long")
    nav = page.locator("header.barre").inner_text()
    assert "Utilisateurs" not in nav and "Contrôle" not in nav  # not theirs to use
    page.goto("/ecritures/")
    assert page.get_by_role("link", name="Importer").count() == 0  # importing posts: not theirs
    page.goto("/ecritures/nouvelle/")
    hint = page.locator("#raccourcis").inner_text()
    assert "Ctrl+Entrée enregistre le brouillon." in hint and "valide" not in hint
    assert page.locator("#valider").count() == 0


def test_a_report_prints_without_menus_or_buttons_under_its_title_block(page, server, testapp, books):
    Api(testapp, login(testapp)).post("/api/v1/ecritures/", sale(), status=201)
    sign_in(page, server)
    page.goto("/rapports/balance/")
    assert not page.locator(".en-tete-impression").is_visible()  # on screen: the page's own header
    page.emulate_media(media="print")
    assert page.locator(".en-tete-impression").is_visible()
    assert "Balance" in page.locator(".en-tete-impression").inner_text()
    for hidden in ("header.barre", "nav.sous-nav", "form.filtres-formulaire", ".exports"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("tr.sous-total").count() == 2  # classes 4 and 7
    page.pdf(path=str(CAPTURES / "95-balance-imprimee.pdf"))


def test_a_customer_is_registered_sold_to_and_found_in_its_statement_and_the_aged_balance(
    page, server, testapp, books
):
    sign_in(page, server)
    page.get_by_role("link", name="Tiers", exact=True).click()
    page.get_by_label("Code", exact=True).fill("C777")
    page.get_by_label("Nom", exact=True).fill("Boulangerie Étoile")
    page.get_by_label("Numéro fiscal").fill("12")
    page.get_by_role("button", name="Ajouter").click()
    assert page.locator("#numero_fiscal-erreur").inner_text().startswith("NCC mal formé")
    assert page.get_by_label("Nom", exact=True).input_value() == "Boulangerie Étoile"  # kept
    page.get_by_label("Numéro fiscal").fill("1234567 A")
    page.get_by_label("Délai de paiement (jours)").fill("30")
    page.get_by_role("button", name="Ajouter").click()
    page.wait_for_url(re.compile(r"/tiers/C777/$"))
    # The sale, typed in the entry form: the customer chosen by its name.
    page.goto("/ecritures/nouvelle/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'journal'")
    page.wait_for_selector("#suggestions[data-pret=oui]", state="attached")
    keys = page.keyboard
    for typed in ("VTE", "15/09/2026", "FA-777", "Facture pains", "4111", "177000"):
        keys.type(typed)
        keys.press("Enter")
    assert page.evaluate("document.activeElement.name") == "tiers"
    keys.type("etoile")  # a word of its name, accents ignored
    choice = page.locator("#suggestions-tiers li").first
    choice.wait_for()
    assert choice.inner_text() == "C777 Boulangerie Étoile"
    page.screenshot(path=CAPTURES / "59-saisie-tiers.png", full_page=True)
    keys.press("Enter")
    assert page.locator("input[name=tiers]").first.input_value() == "C777"
    assert page.locator(".tiers-nom").first.inner_text() == "Boulangerie Étoile"
    for typed in ("7011", "", "150000", "4431", "", "27000"):
        if typed:
            keys.type(typed)
        keys.press("Enter")
    assert page.locator("#ecart").inner_text() == "Équilibrée"
    keys.press("Control+Enter")
    page.wait_for_url(re.compile(r"/ecritures/nouvelle/\?"))
    assert "validée" in page.locator("#faite").inner_text()
    page.get_by_role("link", name="Tiers", exact=True).click()
    page.get_by_label("Chercher").fill("etoile")  # accents and capitals ignored
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=etoile"))
    row = page.locator("tbody tr", has_text="C777")
    assert row.locator("td.nombre").all_inner_texts() == ["177\u202f000", "177\u202f000"]
    page.screenshot(path=CAPTURES / "60-tiers.png", full_page=True)
    statement = page.request.get(row.get_by_role("link", name="Relevé (PDF)").get_attribute("href"))
    assert statement.ok and statement.headers["content-type"] == "application/pdf"
    assert "releve-c777-" in statement.headers["content-disposition"]
    page.goto("/rapports/balance-agee/?comptes=411&au=31/12/2026")
    aged = page.locator("tbody tr", has_text="C777")
    assert "Boulangerie Étoile" in aged.inner_text()
    assert aged.locator("td.nombre").all_inner_texts() == ["", "", "", "177\u202f000", "177\u202f000"]


def test_a_statement_is_imported_three_lines_matched_by_keyboard_a_fee_posted_by_a_rule_and_the_etat_printed(
    page, server, app, testapp, books
):
    from tests.api.test_banking import STATEMENT_OF_MARCH, books_of_march, camt

    api = Api(testapp, login(testapp))
    api.post("/api/v1/banques/", {"nom": "BICICI courant", "compte": "5211"}, status=201)
    api.post(
        "/api/v1/ecritures/",
        {
            "journal": "BQ",
            "date_comptable": "2026-02-27",
            "libelle": "Capital",
            "lignes": [{"compte": "5211", "debit": "1000000"}, {"compte": "1011", "credit": "1000000"}],
            "valider": True,
        },
        status=201,
    )
    books_of_march(api)
    api.post(
        "/api/v1/banques/regles/", {"nom": "Frais", "contient": "frais tenue", "compte": "6318"}, status=201
    )
    sign_in(page, server)
    page.get_by_role("link", name="Banques", exact=True).click()
    page.get_by_role("link", name="BICICI courant").click()
    page.locator("#fichier").set_input_files(
        files=[
            {
                "name": "mars.xml",
                "mimeType": "application/xml",
                "buffer": camt(STATEMENT_OF_MARCH, 1_000_000, 1_123_500),
            }
        ]
    )
    page.get_by_role("button", name="Importer le relevé").click()
    page.wait_for_url(re.compile(r"tache=[0-9a-f]{32}$"))
    app.registry.wisebook_queue.execute(page.url.rsplit("=", 1)[1])  # the worker's part
    page.locator("#rapport").wait_for(timeout=15000)
    assert page.locator("#rapport").inner_text() == "6 lignes importées (camt.053)."
    for remaining in (4, 3, 2):  # three proposals accepted with the keyboard alone
        assert page.locator("#propositions .proposition form").count() == remaining
        page.wait_for_function("document.activeElement && document.activeElement.closest('.proposition')")
        if remaining == 3:
            page.keyboard.press("ArrowDown")  # the next one, then back up
            page.keyboard.press("ArrowUp")
        with page.expect_navigation():  # the same address each time: wait for the new page itself
            page.keyboard.press("Enter")
        assert page.locator("#fait").inner_text() == "Lignes rapprochées."
    page.screenshot(path=CAPTURES / "70-rapprochement.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer les règles").click()
    assert page.locator("#fait").inner_text() == "1 écritures passées par les règles."
    statement = page.request.get(page.locator("#etat-pdf").get_attribute("href"))
    assert statement.ok and statement.headers["content-type"] == "application/pdf"
    assert "etat-rapprochement-" in statement.headers["content-disposition"]


def test_a_sale_is_typed_with_its_tax_proposed_the_return_shown_and_the_settlement_posted(
    page, server, books
):
    sign_in(page, server)
    page.goto("/ecritures/nouvelle/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'journal'")
    page.wait_for_selector("#suggestions[data-pret=oui]", state="attached")
    keys = page.keyboard
    for typed in ("VTE", "15/01/2026", "FA-31", "Vente de pagnes", "4111", "590000", "C001", "7011", ""):
        if typed:
            keys.type(typed)
        keys.press("Enter")
    keys.type("500000")  # over the difference proposed
    keys.press("Enter")
    keys.type("4431")
    keys.press("Enter")  # the VAT account: its code, base and tax proposed from the sale's line
    third = page.locator("table.lignes tbody tr").nth(2)
    assert third.locator("select[name=taxe]").input_value() == "TVA18"
    assert third.locator("input[name=base]").input_value() == "500 000"
    assert third.locator("input[name=credit]").input_value() == "90 000"
    assert page.locator("#ecart").inner_text() == "Équilibrée"
    page.screenshot(path=CAPTURES / "75-saisie-tva.png", full_page=True)
    keys.press("Control+Enter")
    page.wait_for_url(re.compile(r"/ecritures/nouvelle/\?"))
    assert "validée" in page.locator("#faite").inner_text()

    page.get_by_role("link", name="TVA", exact=True).click()
    page.locator("#periode").fill("2026-01")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"periode=2026-01"))
    row = page.locator("#cases tbody tr", has_text="Opérations taxables au taux normal")
    assert row.locator("td.nombre").all_inner_texts() == ["500\u202f000", "90\u202f000"]
    assert "90\u202f000" in page.locator("#resultat").inner_text()
    row.get_by_role("link", name="02D").click()
    page.wait_for_url(re.compile(r"case=02D"))
    assert page.locator("#detail tbody tr").count() == 1
    assert "Vente de pagnes" in page.locator("#detail tbody tr").inner_text()
    page.screenshot(path=CAPTURES / "76-tva.png", full_page=True)
    page.get_by_role("button", name="Passer l'écriture de liquidation").click()
    page.wait_for_url(re.compile(r"fait="))
    assert "OD-2026-000001" in page.locator("#fait").inner_text()
    page.locator("#liquidation").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/ecritures/\d+/$"))
    lines = page.locator("tbody tr")
    assert lines.count() == 2
    assert "4441" in page.locator("tbody").inner_text()


def test_an_asset_is_registered_from_its_purchase_entry_depreciated_for_the_year_and_sold(
    page, server, app, books
):
    sign_in(page, server)
    page.goto("/ecritures/nouvelle/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'journal'")
    page.wait_for_selector("#suggestions[data-pret=oui]", state="attached")
    keys = page.keyboard
    for typed in ("ACH", "01/04/2026", "FA-IMMO", "Camionnette Renault", "2451", "12000000", "5211", "", ""):
        if typed:
            keys.type(typed)
        keys.press("Enter")
    assert page.locator("#ecart").inner_text() == "Équilibrée"
    keys.press("Control+Enter")
    page.wait_for_url(re.compile(r"/ecritures/nouvelle/\?"))
    page.get_by_role("link", name="Voir l'écriture").click()
    page.get_by_role("link", name="Inscrire en immobilisation").click()
    page.wait_for_url(re.compile(r"/immobilisations/\?"))
    assert page.locator("#libelle").input_value() == "Camionnette Renault"
    page.locator("#categorie").select_option("materiel_transport")
    page.locator("#duree").fill("4")
    page.get_by_role("button", name="Inscrire", exact=True).click()
    page.wait_for_url(re.compile(r"/immobilisations/\d+/$"))
    # 12 000 000 over 4 years from 01/04/2026: 275 days of 365 → 2 260 274 in 2026
    first_year = page.locator("table.plan tbody tr").first.locator("td")
    assert first_year.nth(2).inner_text() == "2\u202f260\u202f274"
    page.screenshot(path=CAPTURES / "80-immobilisation.png", full_page=True)
    page.get_by_role("navigation").get_by_role("link", name="Immobilisations", exact=True).click()
    page.locator("#au").fill("2026-12-31")
    page.get_by_role("button", name="Passer les dotations").click()
    page.wait_for_url(re.compile(r"tache="))
    run_id = re.search(r"tache=([0-9a-f]{32})", page.url)[1]
    app.registry.wisebook_queue.execute(run_id)
    page.wait_for_selector("#fait")  # the page follows the run and reads itself again at its end
    assert "1 immobilisations" in page.locator("#fait").inner_text()
    row = page.locator("#registre tbody tr").first
    assert row.locator("td.nombre").all_inner_texts() == [
        "12\u202f000\u202f000",
        "2\u202f260\u202f274",
        "9\u202f739\u202f726",
    ]
    page.screenshot(path=CAPTURES / "81-registre.png", full_page=True)
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/immobilisations/\d+/$"))
    page.locator("#date").fill("2026-03-01")  # before it was put in service: said next to the date
    page.locator("#prix").fill("10000000")
    page.get_by_role("button", name="Passer la sortie").click()
    assert "mise en service" in page.locator("#date-erreur").inner_text()
    page.locator("#date").fill("2026-12-31")
    page.get_by_role("button", name="Passer la sortie").click()
    page.wait_for_url(re.compile(r"sortie="))
    assert "Sortie passée par l'écriture OD-" in page.locator("#fait").inner_text()
    assert page.locator("#etat").inner_text().startswith("Cédée")
    assert page.locator("#ecritures-immobilisation tbody tr").count() == 3
