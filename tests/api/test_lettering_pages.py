"""The lettrage page and the aged balance in the browser: lines chosen and lettered when they
balance, a partial choice refused next to the list with nothing written, the proposals accepted
one by one or all at once, a lettrage undone; readers see the lines but no button."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.api.test_entry_pages import browser
from tests.api.test_lettering import ids, keep
from wisebook.db import models


def letterings(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(models.Reconciliation)))


def test_lines_chosen_are_lettered_when_they_balance_and_a_partial_choice_is_refused(
    testapp, api, books, engine
):
    keep(api)
    lines = ids(api)
    csrf = browser(testapp)
    page = testapp.get("/lettrage/", {"compte": "4111"})
    assert f'name="ligne" value="{lines["Facture FA-2"]}"' in page.text
    assert "Propositions" in page.text and "même montant" in page.text
    partial = testapp.post(
        "/lettrage/?compte=4111",
        [
            ("csrf", csrf),
            ("ligne", str(lines["Facture FA-2"])),
            ("ligne", str(lines["Règlement FA-1"])),
            ("action", "lettrer"),
        ],
        status=422,
    )
    assert "écart créditeur de 59\u202f000" in partial.text
    assert letterings(engine) == 0
    done = testapp.post(
        "/lettrage/?compte=4111",
        [
            ("csrf", csrf),
            ("ligne", str(lines["Facture FA-1"])),
            ("ligne", str(lines["Règlement FA-1"])),
            ("action", "lettrer"),
        ],
        status=303,
    )
    shown = done.follow()
    assert "Lettrage A fait." in shown.text
    assert letterings(engine) == 1
    with Session(engine) as s:
        made = s.scalars(select(models.Reconciliation)).one().id
    assert f'name="delettrer" value="{made}"' in shown.text
    undone = testapp.post("/lettrage/?compte=4111", {"csrf": csrf, "delettrer": str(made)}, status=303)
    assert "Lettrage défait" in undone.follow().text
    assert letterings(engine) == 0


def test_the_proposals_are_accepted_one_by_one_or_all_at_once(testapp, api, books, engine):
    keep(api)
    csrf = browser(testapp)
    page = testapp.get("/lettrage/", {"compte": "4111"})
    assert page.text.count('name="accepter"') == 1  # FA-1 and its payment, the same amount
    testapp.post("/lettrage/?compte=4111", {"csrf": csrf, "tout": "1"}, status=303)
    assert letterings(engine) == 1
    assert 'name="accepter"' not in testapp.get("/lettrage/", {"compte": "4111"}).text


def test_a_reader_sees_the_lines_without_buttons_and_cannot_letter(testapp, api, books, engine):
    from tests.api.test_permissions import PASSWORD
    from tests.conftest import page_login
    from wisebook.services.access import members, users

    keep(api)
    with Session(engine) as s, s.begin():
        reader = users.create_user(s, "lecteur@cabinet.ci", PASSWORD)
        members.add_member(s, books.company_id, reader.id, "lecteur")
    testapp.reset()
    page_login(testapp, {"email": "lecteur@cabinet.ci", "password": PASSWORD}, status=303)
    page = testapp.get("/lettrage/", {"compte": "4111"})
    assert "Facture FA-1" in page.text and 'name="ligne"' not in page.text and "Accepter" not in page.text
    csrf = testapp.cookies["wisebook_csrf"]
    testapp.post("/lettrage/?compte=4111", {"csrf": csrf, "tout": "1"}, status=403)
    assert letterings(engine) == 0


def test_a_bad_account_is_said_and_the_aged_balance_buckets_what_is_open(testapp, api, books):
    keep(api)
    lines = ids(api)
    api.post("/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], lines["Règlement FA-1"]]}, status=201)
    browser(testapp)
    refused = testapp.get("/lettrage/", {"compte": "7011"}, status=422)
    assert "ne se lettre pas" in refused.text
    aged = testapp.get("/rapports/balance-agee/", {"comptes": "411", "au": "30/04/2026"})
    row = aged.html.select("tbody tr")
    cells = {r.select("td")[1].text.split()[0]: [c.text for c in r.select("td")[2:]] for r in row}
    # C001: FA-2 (59 000, 100 days old; FA-1 is lettered); C002: FA-3 236 000 less 100 000 paid, 46–60 days old
    assert cells["C001"] == ["", "", "", "59\u202f000", "59\u202f000"]
    assert cells["C002"] == ["", "136\u202f000", "", "", "136\u202f000"]
    assert testapp.get("/rapports/balance-agee/", {"au": "31/02/2026"}, status=422)


def test_an_account_with_many_lines_starts_from_its_tiers_and_their_open_balances(
    testapp, api, books, monkeypatch
):
    from wisebook.web.pages import lettering as page_module

    keep(api)
    monkeypatch.setattr(page_module, "MANY_LINES", 3)  # five lines on 4111: "many" here
    browser(testapp)
    summary = testapp.get("/lettrage/", {"compte": "4111"})
    rows = {
        r.select("td")[0].text: [c.text for c in r.select("td")[1:]] for r in summary.html.select("tbody tr")
    }
    assert rows == {"C001": ["3", "59\u202f000 D"], "C002": ["2", "136\u202f000 D"]}
    assert 'name="ligne"' not in summary.text
    one = testapp.get("/lettrage/", {"compte": "4111", "tiers": "C001"})
    assert one.text.count('name="ligne"') == 3 and "même montant" in one.text
