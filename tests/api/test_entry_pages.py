"""The entry pages without script: a refused entry comes back with each message next to its
field and everything typed kept, nothing written; the list's filters say what is wrong."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, page_login
from wisebook.db import models


def browser(testapp) -> str:
    page_login(testapp, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=303)
    return testapp.cookies["wisebook_csrf"]


def entries(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(models.Entry)))


def form(csrf: str, lines: list[tuple[str, str, str, str]], **head: str) -> list[tuple[str, str]]:
    fields = [
        ("csrf", csrf),
        ("journal", "VTE"),
        ("date", "15/01/2026"),
        ("piece", "FA-1"),
        ("libelle", "Facture"),
    ]
    fields = [(k, head.get(k, v)) for k, v in fields]
    for account, label, debit, credit in lines:
        fields += [
            ("compte", account),
            ("libelle_ligne", label),
            ("debit", debit),
            ("credit", credit),
            ("tiers", ""),
        ]
    return [*fields, ("action", "valider")]


def made(response) -> str:
    """The id of the entry a form just saved: the blank form that follows names it (``fait``)."""
    return parse_qs(urlsplit(response.location).query)["fait"][0]


def saved_page(testapp, response):
    """The blank form that follows a saved entry, then the saved entry's own page."""
    blank = response.follow()
    assert 'id="faite"' in blank.text and 'id="libelle" name="libelle" value=""' in blank.text
    return testapp.get(f"/ecritures/{made(response)}/")


def test_a_refused_entry_keeps_what_was_typed_and_says_why_next_to_each_field(testapp, books, engine):
    csrf = browser(testapp)
    page = testapp.post(
        "/ecritures/nouvelle/",
        form(
            csrf,
            [("4111", "Client", "118 000", ""), ("9999", "Inconnu", "", "100000"), ("4431", "", "", "18000")],
        ),
        status=422,
    )
    assert 'id="lignes-1-compte-erreur">Compte inconnu : 9999.' in page.text
    assert 'value="118 000"' in page.text and 'value="9999"' in page.text  # kept as typed
    decimals = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "Client", "118 000", ""), ("7011", "", "", "100000"), ("4431", "", "", "18,5")]),
        status=422,
    )
    assert 'id="lignes-2-credit-erreur">Trop de décimales dans « 18,5 »' in decimals.text
    unbalanced = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "118000", ""), ("7011", "", "", "100000")]),
        status=422,
    )
    assert (
        "Écriture déséquilibrée : débit 118\u202f000, crédit 100\u202f000 (écart 18\u202f000)."
        in unbalanced.text
    )
    bad_day = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "1", ""), ("7011", "", "", "1")], date="31/02/2026"),
        status=422,
    )
    assert 'id="date-erreur">Date invalide : saisissez-la en JJ/MM/AAAA.' in bad_day.text
    assert entries(engine) == 0
    done = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "118 000", ""), ("7011", "", "", "118000")]),
        status=303,
    )
    blank = done.follow()  # ready for the next entry: same journal, same date, nothing else
    assert "Écriture VTE-2026-000001 validée." in blank.text
    assert '<option value="VTE" selected>' in blank.text and 'value="15/01/2026"' in blank.text
    assert 'value="118 000"' not in blank.text and 'value="FA-1"' not in blank.text
    shown = saved_page(testapp, done)
    assert "VTE-2026-000001" in shown.text
    assert "15/01/2026" in shown.text
    assert entries(engine) == 1


def test_francs_typed_with_a_dot_are_thousands_and_an_amount_read_two_ways_is_asked(testapp, books, engine):
    csrf = browser(testapp)
    asked = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "25.000", ""), ("7011", "", "", "25,000")]),
        status=422,
    )
    assert 'id="lignes-1-credit-erreur">Montant ambigu « 25,000 » : tapez 25\u202f000 ou 25.' in asked.text
    assert 'id="lignes-0-debit-erreur"' not in asked.text  # 25.000 FCFA reads one way only
    assert entries(engine) == 0
    done = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "25.000", ""), ("7011", "", "", "25 000")]),
        status=303,
    )
    with Session(engine) as s:
        assert s.scalar(select(models.Entry.total)) == 25_000
    assert "25\u202f000" in saved_page(testapp, done).text


def test_the_entries_list_filters_pages_and_refuses_a_bad_filter(testapp, books, engine):
    csrf = browser(testapp)
    for n in range(3):
        testapp.post(
            "/ecritures/nouvelle/",
            form(
                csrf,
                [("4111", "", "1000", ""), ("7011", "", "", "1000")],
                piece=f"FA-{n}",
                date=f"1{n}/01/2026",
            ),
            status=303,
        )
    listed = testapp.get("/ecritures/", {"journal": "VTE", "du": "11/01/2026"})
    assert "FA-1" in listed.text and "FA-2" in listed.text and "FA-0" not in listed.text
    refused = testapp.get("/ecritures/", {"du": "hier"}, status=422)
    assert "Date invalide" in refused.text
    assert 'value="hier"' in refused.text
    testapp.get("/ecritures/", {"statut": "perdue"}, status=422)


def test_the_balance_page_shows_the_year_and_says_what_is_wrong_with_a_filter(testapp, books, engine):
    csrf = browser(testapp)
    testapp.post(
        "/ecritures/nouvelle/", form(csrf, [("4111", "", "118 000", ""), ("7011", "", "", "118000")])
    )
    page = testapp.get("/rapports/balance/")
    assert "7011" in page.text and "118\u202f000" in page.text
    assert "/api/v1/rapports/balance/?exercice=2026&amp;format=xlsx" in page.text
    bad = testapp.get("/rapports/balance/", {"du": "32/01/2026"}, status=422)
    assert "Date invalide" in bad.text and 'value="32/01/2026"' in bad.text
    unknown = testapp.get("/rapports/balance/", {"exercice": "1999"}, status=422)
    assert "1999" in unknown.text
    csv = testapp.get(
        "/api/v1/rapports/balance/", {"exercice": "2026", "format": "csv"}
    )  # the session suffices
    assert "7011" in csv.text


def draft_form(csrf: str, lines, **head: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form(csrf, lines, **head) if k != "action"] + [("action", "brouillon")]


def test_a_draft_is_saved_changed_in_its_form_then_posted(testapp, books, engine):
    csrf = browser(testapp)
    saved = testapp.post(
        "/ecritures/nouvelle/",
        draft_form(csrf, [("4111", "Client", "118 000", ""), ("7011", "", "", "100000")]),
        status=303,
    )
    assert "Brouillon enregistré." in saved.follow().text
    entry = saved_page(testapp, saved)
    assert "Brouillon" in entry.text and "/modifier/" in entry.text  # unbalanced is fine for a draft
    edit_path = f"/ecritures/{made(saved)}/modifier/"
    shown = testapp.get(edit_path)
    assert (
        'value="118000"' in shown.text
        and 'value="Client"' in shown.text
        and 'value="15/01/2026"' in shown.text
    )
    refused = testapp.post(
        edit_path, form(csrf, [("4111", "", "118000", ""), ("7011", "", "", "100000")]), status=422
    )
    assert "Écriture déséquilibrée" in refused.text and 'value="100000"' in refused.text
    with Session(engine) as s:  # the refused posting left the draft as it was
        draft = s.scalars(select(models.Entry)).one()
        assert draft.status == models.DRAFT and draft.total == 118000
    testapp.post(
        edit_path,
        draft_form(
            csrf,
            [("4111", "", "118000", ""), ("7011", "", "", "100000"), ("4431", "", "", "18000")],
            piece="FA-9",
        ),
        status=303,
    )
    with Session(engine) as s:
        draft = s.scalars(select(models.Entry)).one()
        assert (draft.status, draft.reference, len(draft.lines)) == (models.DRAFT, "FA-9", 3)
        entry_id = draft.id
    posted = testapp.post(f"/ecritures/{entry_id}/validation/", {"csrf": csrf}, status=303).follow()
    assert "VTE-2026-000001" in posted.text and "/modifier/" not in posted.text
    assert testapp.get(edit_path, status=303).location.endswith(f"/ecritures/{entry_id}/")  # posted: no form
    testapp.post(f"/ecritures/{entry_id}/suppression/", {"csrf": csrf}, status=409)
    assert entries(engine) == 1


def test_posting_an_unbalanced_draft_from_its_page_says_why_and_a_draft_is_deleted(testapp, books, engine):
    csrf = browser(testapp)
    saved = testapp.post(
        "/ecritures/nouvelle/", draft_form(csrf, [("4111", "", "5", ""), ("7011", "", "", "4")]), status=303
    )
    entry_id = made(saved)
    refused = testapp.post(f"/ecritures/{entry_id}/validation/", {"csrf": csrf}, status=422)
    assert "Écriture déséquilibrée : débit 5, crédit 4 (écart 1)." in refused.text
    gone = testapp.post(f"/ecritures/{entry_id}/suppression/", {"csrf": csrf}, status=303)
    assert gone.location.endswith("/ecritures/?statut=brouillon")
    assert entries(engine) == 0


def test_the_form_s_account_list_is_revalidated_by_the_chart_s_version_and_renewed_when_it_changes(
    testapp, books, engine
):
    browser(testapp)
    first = testapp.get("/ecritures/comptes/", status=200)
    accounts = {code: (label, lettrable) for code, label, lettrable in first.json["comptes"]}
    assert accounts["4111"] == ("Clients", True) and accounts["5211"][1] is False
    assert "41" not in accounts and "521" not in accounts  # headings take no entry
    assert first.headers["Cache-Control"] == "private, no-cache" and first.etag
    again = testapp.get("/ecritures/comptes/", headers={"If-None-Match": f'"{first.etag}"'}, status=304)
    assert again.body == b""
    token = testapp.post_json(
        "/api/v1/auth/login/", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=200
    ).json["token"]
    testapp.post_json(
        "/api/v1/comptes/",
        {"numero": "411101", "libelle": "Client Abidjan"},
        headers={"Authorization": f"Bearer {token}"},
        status=201,
    )
    renewed = testapp.get("/ecritures/comptes/", headers={"If-None-Match": f'"{first.etag}"'}, status=200)
    codes = [code for code, _label, _lettrable in renewed.json["comptes"]]
    assert renewed.etag != first.etag and "411101" in codes and "4111" not in codes  # 4111: a heading now
    testapp.get("/ecritures/comptes/", headers={"If-None-Match": f'"{renewed.etag}"'}, status=304)


def test_a_reversal_asks_its_date_says_a_wrong_one_and_the_original_names_its_reversal(
    testapp, books, engine
):
    csrf = browser(testapp)
    original = made(
        testapp.post(
            "/ecritures/nouvelle/",
            form(csrf, [("4111", "", "118000", ""), ("7011", "", "", "118000")]),
            status=303,
        )
    )
    asked = testapp.get(f"/ecritures/{original}/extourne/")
    assert "Confirmer l&#39;extourne" in asked.text and 'id="date"' in asked.text
    wrong = testapp.post(f"/ecritures/{original}/extourne/", {"csrf": csrf, "date": "31/02/2026"}, status=422)
    assert 'id="date-erreur">Date invalide : saisissez-la en JJ/MM/AAAA.' in wrong.text
    outside = testapp.post(
        f"/ecritures/{original}/extourne/", {"csrf": csrf, "date": "15/01/2031"}, status=422
    )
    assert "Aucun exercice ne couvre le 15/01/2031." in outside.text
    assert entries(engine) == 1
    reversed_ = testapp.post(
        f"/ecritures/{original}/extourne/", {"csrf": csrf, "date": "31/01/2026"}, status=303
    )
    shown = reversed_.follow()
    assert "VTE-2026-000002" in shown.text and "31/01/2026" in shown.text
    again = testapp.get(f"/ecritures/{original}/extourne/", status=303)  # reversed already: its page
    page = again.follow()
    assert "Extournée par" in page.text and "VTE-2026-000002" in page.text
    assert f'href="/ecritures/{original}/extourne/"' not in page.text
    assert entries(engine) == 2


def test_every_fault_of_an_entry_is_said_at_once(testapp, books, engine):
    csrf = browser(testapp)
    page = testapp.post(
        "/ecritures/nouvelle/",
        form(
            csrf,
            [("4111", "", "118 000", ""), ("9999", "", "", "100,5"), ("41", "", "", "18000")],
            journal="ZZ",
            date="15/01/2031",
            libelle="",
        ),
        status=422,
    )
    said = {
        "journal-erreur": "Journal inconnu : ZZ.",
        "libelle-erreur": "Le libellé de l&#39;écriture est obligatoire.",
        "date-erreur": "Aucun exercice ne couvre le 15/01/2031.",
        "lignes-1-compte-erreur": "Compte inconnu : 9999.",
        "lignes-1-credit-erreur": "Trop de décimales dans « 100,5 »",
        "lignes-2-compte-erreur": "Le compte 41 est un compte de regroupement",
    }
    for field, message in said.items():
        assert f'id="{field}">{message}' in page.text, field
    assert "Écriture déséquilibrée" not in page.text  # follows from the unread amount: not said
    assert entries(engine) == 0


def test_a_cash_account_going_into_credit_is_asked_before_it_is_posted(testapp, books, engine):
    csrf = browser(testapp)
    testapp.post(
        "/ecritures/nouvelle/",
        form(
            csrf, [("5711", "", "50 000", ""), ("7011", "", "", "50 000")], journal="CAI", date="05/01/2026"
        ),
        status=303,
    )
    # 80 000 paid out of a till that holds 50 000 on the 15th
    spend = form(csrf, [("6041", "", "80 000", ""), ("5711", "", "", "80 000")], journal="CAI")
    asked = testapp.post("/ecritures/nouvelle/", spend, status=200)
    assert (
        'id="lignes-1-compte-avertissement" role="alert">La caisse 5711 serait créditrice de 30\u202f000 '
        "au 15/01/2026" in asked.text
    )
    assert 'name="confirme_caisse" value="5711:-30000"' in asked.text and "Valider quand même" in asked.text
    assert entries(engine) == 1  # nothing written until confirmed
    later = form(
        csrf, [("6041", "", "80 000", ""), ("5711", "", "", "80 000")], journal="CAI", date="04/01/2026"
    )
    assert 'value="5711:-80000"' in testapp.post("/ecritures/nouvelle/", later).text  # before the takings
    stale = [*spend, ("confirme_caisse", "5711:-1")]  # a yes to another figure is no yes
    assert 'id="lignes-1-compte-avertissement"' in testapp.post("/ecritures/nouvelle/", stale).text
    testapp.post("/ecritures/nouvelle/", [*spend, ("confirme_caisse", "5711:-30000")], status=303)
    assert entries(engine) == 2
    small = form(csrf, [("6041", "", "10 000", ""), ("5211", "", "", "10 000")], journal="BQ")
    testapp.post("/ecritures/nouvelle/", small, status=303)  # a bank account is not asked


def test_entries_are_found_by_label_pièce_number_or_amount(testapp, api, books):
    from tests.conftest import sale

    api.post(
        "/api/v1/ecritures/", sale(118000) | {"libelle": "Facture Kouassi", "piece": "FA-0042"}, status=201
    )
    api.post(
        "/api/v1/ecritures/", sale(59000) | {"libelle": "Facture Traoré", "piece": "FA-0043"}, status=201
    )
    browser(testapp)

    def found(**query: str) -> list[str]:
        page = testapp.get("/ecritures/", query)
        return [row.select("td")[4].text for row in page.html.select("tbody tr") if len(row.select("td")) > 4]

    assert found(q="kouassi") == ["Facture Kouassi"]  # case ignored
    assert found(q="FA-0043") == ["Facture Traoré"]  # the pièce
    assert found(q="VTE-2026-000001") == ["Facture Kouassi"]  # the number
    assert found(montant="59 000") == ["Facture Traoré"]  # the total
    assert found(montant="9000") == ["Facture Traoré"]  # a line: 9 000 of VAT
    assert found(q="facture", montant="118000") == ["Facture Kouassi"]
    refused = testapp.get("/ecritures/", {"montant": "25,000"}, status=422)
    assert 'id="montant-erreur">Montant ambigu' in refused.text
    assert [e["libelle"] for e in api.get("/api/v1/ecritures/", q="traoré").json["resultats"]] == [
        "Facture Traoré"
    ]
    assert [e["libelle"] for e in api.get("/api/v1/ecritures/", montant="118000").json["resultats"]] == [
        "Facture Kouassi"
    ]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_pièce_is_attached_viewed_and_taken_off_a_draft_but_stays_on_a_posted_entry(testapp, api, books):
    from tests.conftest import sale

    draft = api.post("/api/v1/ecritures/", sale(post=False), status=201).json["id"]
    csrf = browser(testapp)
    empty = testapp.post(f"/ecritures/{draft}/pieces/", {"csrf": csrf}, status=422)
    assert 'id="fichier-erreur">Choisissez le fichier de la pièce.' in empty.text
    wrong = testapp.post(
        f"/ecritures/{draft}/pieces/",
        {"csrf": csrf},
        upload_files=[("fichier", "x.exe", b"MZ\x90\x00", "application/octet-stream")],
        status=422,
    )
    assert "Seuls les PDF et les images" in wrong.text
    testapp.post(
        f"/ecritures/{draft}/pieces/",
        {"csrf": csrf},
        upload_files=[("fichier", "facture.pdf", PDF, "application/pdf")],
        status=303,
    )
    page = testapp.get(f"/ecritures/{draft}/")
    assert "Pièces justificatives (1)" in page.text and "facture.pdf" in page.text
    link = page.html.select_one("ul.pieces a")["href"]
    assert testapp.get(link).body == PDF  # viewed, with the session
    piece = link.rstrip("/").rsplit("/", 1)[1]
    testapp.post(f"/ecritures/{draft}/pieces/{piece}/retrait/", {"csrf": csrf}, status=303)
    assert "Pièces justificatives (0)" in testapp.get(f"/ecritures/{draft}/").text
    posted = api.post("/api/v1/ecritures/", sale(), status=201).json["id"]
    testapp.post(
        f"/ecritures/{posted}/pieces/",
        {"csrf": csrf},
        upload_files=[("fichier", "recu.pdf", PDF, "application/pdf")],
        status=303,
    )
    kept = testapp.get(f"/ecritures/{posted}/")
    assert "recu.pdf" in kept.text and "Retirer" not in kept.text
    piece = kept.html.select_one("ul.pieces a")["href"].rstrip("/").rsplit("/", 1)[1]
    refused = testapp.post(f"/ecritures/{posted}/pieces/{piece}/retrait/", {"csrf": csrf}, status=409)
    assert "piste d&#39;audit" in refused.text
