"""The FEC of a fiscal year: the 18 standard columns, one row per posted line, lettrage codes,
French formats, ISO-8859-15; drafts left out; only roles that export may take it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.api.test_lettering import ids, keep
from tests.conftest import Api, login
from wisebook.services.access import members, users

#: The 18 columns of the FEC, in the standard's order (article A47 A-1 of the Livre des
#: procédures fiscales), written out here rather than read from the code that writes them.
COLUMNS = (
    "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
    "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
    "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
)  # fmt: skip
#: WiseBook's two after them: a line's tax code and taxable base.
EXTRA = ("CodeTaxe", "BaseTaxe")


def test_the_fec_has_the_18_columns_and_every_posted_line(api, testapp, engine, books):
    keep(api)  # five posted entries, two lines each, on 4111 / 7011 / 5211
    api.post(
        "/api/v1/ecritures/",
        {
            "journal": "VTE",
            "date_comptable": "2026-04-02",
            "libelle": "Brouillon | à ne pas exporter",
            "lignes": [
                {"compte": "4111", "libelle": "x", "debit": "10", "tiers": "C003"},
                {"compte": "7011", "libelle": "x", "credit": "10"},
            ],
            "valider": False,
        },
        status=201,
    )
    lines = ids(api)
    api.post("/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], lines["Règlement FA-1"]]}, status=201)
    answer = api.get("/api/v1/exercices/2026/fec/")
    assert answer.content_type == "text/plain"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="SOCIETETESTSARLFEC20261231.txt"'
    text = answer.body.decode("iso-8859-15")
    rows = [line.split("|") for line in text.split("\r\n") if line]
    assert rows[0] == [*COLUMNS, *EXTRA] and len(COLUMNS) == 18
    body = rows[1:]
    assert len(body) == 10 and all(len(r) == 20 for r in body)
    assert all("Brouillon" not in r[10] for r in body)
    first = dict(zip((*COLUMNS, *EXTRA), body[0], strict=True))
    assert (first["JournalCode"], first["EcritureDate"], first["CompteNum"], first["CompAuxNum"]) == (
        "OD",
        "20260110",
        "4111",
        "C001",
    )
    assert (first["Debit"], first["Credit"], first["EcritureLet"]) == ("118000", "0", "A")
    assert len(first["DateLet"]) == 8 and len(first["ValidDate"]) == 8
    assert first["EcritureNum"].startswith("OD-2026-")
    assert first["CompteLib"] == "Clients" and first["EcritureLib"] == "Facture FA-1"
    assert sum(int(r[11]) for r in body) == sum(int(r[12]) for r in body) == 631_000
    assert [r[13] for r in body].count("A") == 2
    # ISO-8859-15 for real: an accented label is one byte (è = 0xE8), not UTF-8's two.
    assert "Règlement FA-1" in [r[10] for r in body]
    assert b"R\xe8glement FA-1" in answer.body and "Règlement".encode() not in answer.body

    with Session(engine) as s, s.begin():
        user = users.create_user(s, "lecteur@cabinet.ci", "un mot de passe assez long")
        members.add_member(s, books.company_id, user.id, "lecteur")
    reader = Api(testapp, login(testapp, "lecteur@cabinet.ci", "un mot de passe assez long"))
    reader.get("/api/v1/exercices/2026/fec/", status=403)
    api.get("/api/v1/exercices/1999/fec/", status=404)
