"""Users in the browser: administrators invite, change roles and remove access; the links of
the mails open pages that choose a password. Every refusal is said next to its field."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.api.test_entry_pages import browser
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, login, page_login
from wisebook.services.access import members, users

NEW_PASSWORD = "un mot de passe tout neuf"


def path_of(link: str) -> str:
    return link.replace("https://compta.exemple.ci", "")


def test_an_invited_accountant_chooses_a_password_from_the_mail_and_logs_in(testapp, books, inbox):
    csrf = browser(testapp)
    page = testapp.get("/admin/utilisateurs/")
    assert ADMIN_EMAIL in page.text and "(vous)" in page.text
    assert (
        'href="/admin/utilisateurs/"' in page.text.split("</nav>")[0]
    )  # in the navigation, for administrators
    bad = testapp.post(
        "/admin/utilisateurs/",
        {"csrf": csrf, "action": "inviter", "email": "pas-une-adresse", "role": "comptable"},
        status=422,
    )
    assert 'id="email-erreur"' in bad.text and 'value="pas-une-adresse"' in bad.text
    assert inbox.messages == []
    done = testapp.post(
        "/admin/utilisateurs/",
        {"csrf": csrf, "action": "inviter", "email": "Awa@Cabinet.ci", "role": "comptable"},
        status=303,
    )
    listed = done.follow()
    assert "Invitation envoyée à awa@cabinet.ci." in listed.text and "invitation en attente" in listed.text
    crafted = testapp.get(
        "/admin/utilisateurs/", {"fait": "Votre licence expire : appelez le 0000", "email": "x@y.ci"}
    )
    shown = crafted.text.split('<main id="contenu">')[1]
    assert "licence" not in shown and "x@y.ci" not in shown  # a link cannot put words on the page
    link = inbox.messages[-1][1].get_content().split("\n")[3]
    assert "/invitation/?jeton=" in link
    testapp.reset()
    form = testapp.get(path_of(link))
    assert "awa@cabinet.ci" in form.text
    differ = testapp.post(path_of(link), {"mot_de_passe": NEW_PASSWORD, "confirmation": "autre"}, status=422)
    assert 'id="confirmation-erreur">Les deux mots de passe diffèrent.' in differ.text
    short = testapp.post(path_of(link), {"mot_de_passe": "court", "confirmation": "court"}, status=422)
    assert 'id="mot_de_passe-erreur">Le mot de passe compte au moins' in short.text
    chosen = testapp.post(
        path_of(link), {"mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD}, status=303
    )
    assert chosen.location.endswith("/connexion/?accueil=1")
    assert "Mot de passe enregistré" in chosen.follow().text
    assert login(testapp, "awa@cabinet.ci", NEW_PASSWORD)
    spent = testapp.get(path_of(link), status=400)  # one use only
    assert "Lien invalide, déjà utilisé ou expiré" in spent.text


def test_roles_change_and_access_is_removed_but_the_company_keeps_an_administrator(testapp, books, engine):
    Api(testapp, login(testapp))
    with Session(engine) as s, s.begin():
        members.add_member(
            s, books.company_id, users.create_user(s, "kofi@cabinet.ci", NEW_PASSWORD).id, "lecteur"
        )
    csrf = browser(testapp)
    with Session(engine) as s:
        emails = {m.email: m.user_id for m in members.list_members(s, books.company_id)}
    me, kofi = str(emails[ADMIN_EMAIL]), str(emails["kofi@cabinet.ci"])
    alone = testapp.post(
        "/admin/utilisateurs/",
        {"csrf": csrf, "action": "role", "utilisateur": me, "role": "lecteur"},
        status=409,
    )
    assert "Votre propre rôle se change par un autre administrateur." in alone.text
    testapp.post("/admin/utilisateurs/", {"csrf": csrf, "action": "retirer", "utilisateur": me}, status=409)
    unknown = testapp.post(
        "/admin/utilisateurs/",
        {"csrf": csrf, "action": "role", "utilisateur": kofi, "role": "roi"},
        status=422,
    )
    assert "Rôle inconnu : roi." in unknown.text
    testapp.post(
        "/admin/utilisateurs/",
        {"csrf": csrf, "action": "role", "utilisateur": kofi, "role": "auditeur"},
        status=303,
    )
    assert 'value="auditeur" selected' in testapp.get("/admin/utilisateurs/").text
    testapp.post("/admin/utilisateurs/", {"csrf": csrf, "action": "retirer", "utilisateur": kofi}, status=303)
    assert "kofi@cabinet.ci" not in testapp.get("/admin/utilisateurs/").text
    testapp.post(
        "/admin/utilisateurs/", {"csrf": csrf, "action": "retirer", "utilisateur": "999999"}, status=404
    )


def test_a_forgotten_password_is_reset_from_the_mailed_link(testapp, books, inbox):
    asked = testapp.get("/connexion/").click(href="/reinitialisation/")
    assert "Mot de passe oublié" in asked.text
    testapp.post("/reinitialisation/", {"email": ""}, status=422)
    for email in ("personne@exemple.ci", ADMIN_EMAIL):  # the same answer either way
        sent = testapp.post("/reinitialisation/", {"email": email})
        assert "Si un compte existe à cette adresse" in sent.text
    assert len(inbox.messages) == 1
    link = next(
        line for line in inbox.messages[0][1].get_content().split("\n") if "/reinitialisation/?jeton=" in line
    )
    testapp.post(path_of(link), {"mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD}, status=303)
    assert login(testapp, ADMIN_EMAIL, NEW_PASSWORD)
    testapp.post_json("/api/v1/auth/login/", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=401)
    assert "Lien invalide" in testapp.get(path_of(link), status=400).text


def test_without_a_mail_server_the_admin_is_given_the_invitation_link_to_hand_over(
    testapp, app, books, inbox
):
    import dataclasses

    app.registry.wisebook_settings = dataclasses.replace(app.registry.wisebook_settings, email_host=None)
    csrf = browser(testapp)
    shown = testapp.post(
        "/admin/utilisateurs/",
        {"csrf": csrf, "action": "inviter", "email": "moussa@cabinet.ci", "role": "assistant"},
        status=200,
    )
    assert "Invitation envoyée" not in shown.text  # nothing was sent: never said
    assert "rien n&#39;a été envoyé" in shown.text
    link = shown.html.select_one("#lien-invitation input")["value"]
    assert link.startswith("https://compta.exemple.ci/invitation/?jeton=")
    assert inbox.messages == []
    testapp.reset()
    assert "moussa@cabinet.ci" in testapp.get(path_of(link)).text  # the link works by hand


def test_one_changes_one_s_own_password_and_signs_in_again_with_it(testapp, books):
    csrf = browser(testapp)
    page = testapp.get("/mot-de-passe/")
    assert 'autocomplete="current-password"' in page.text
    wrong = testapp.post(
        "/mot-de-passe/",
        {"csrf": csrf, "ancien": "pas le bon", "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        status=422,
    )
    assert 'id="ancien-erreur">Le mot de passe actuel est incorrect.' in wrong.text
    differ = testapp.post(
        "/mot-de-passe/",
        {"csrf": csrf, "ancien": ADMIN_PASSWORD, "nouveau": NEW_PASSWORD, "confirmation": "autre"},
        status=422,
    )
    assert 'id="confirmation-erreur"' in differ.text
    short = testapp.post(
        "/mot-de-passe/",
        {"csrf": csrf, "ancien": ADMIN_PASSWORD, "nouveau": "court", "confirmation": "court"},
        status=422,
    )
    assert 'id="nouveau-erreur">Le mot de passe compte au moins' in short.text
    done = testapp.post(
        "/mot-de-passe/",
        {"csrf": csrf, "ancien": ADMIN_PASSWORD, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        status=303,
    )
    assert "Mot de passe enregistré : connectez-vous." in done.follow().text
    testapp.get("/", status=303)  # this session ended with the old password
    page_login(testapp, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=401)
    page_login(testapp, {"email": ADMIN_EMAIL, "password": NEW_PASSWORD}, status=303)


def test_the_password_page_wants_a_signed_in_caller_and_the_form_s_token(testapp, books):
    assert "/connexion/" in testapp.get("/mot-de-passe/", status=303).location
    browser(testapp)
    testapp.post(
        "/mot-de-passe/",
        {"ancien": ADMIN_PASSWORD, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        status=403,
    )
    page_login(testapp, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=303)  # unchanged
