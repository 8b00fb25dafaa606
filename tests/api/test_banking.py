"""Bank and mobile-money accounts and their statements: each format written here as its
standard defines it (ISO 20022 camt.053, SWIFT MT940, OFX 1.02, a CSV export through a column
profile), read with its balances, overlapping files adding only what is new, a statement that
does not follow the previous one said, each bad file refused naming its line, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.api.test_reports import _pdf_pages
from wisebook.db import models

BANKS = "/api/v1/banques/"
IBAN = "CI93CI0080111301134291200589"


def bank(api: Any, **extra: Any) -> int:
    body = {
        "nom": "BICICI courant",
        "banque": "BICICI",
        "iban": IBAN,
        "bic": "BICICIAB",
        "compte": "5211",
        **extra,
    }
    return int(api.post(BANKS, body, status=201).json["id"])


def send(api: Any, app: Any, bank_id: int, data: bytes, name: str = "releve.xml", status: int = 202) -> Any:
    """Send the file; when accepted, play the worker; the task's result (or the refusal)."""
    answer = api.testapp.post(
        f"{BANKS}{bank_id}/releves/",
        upload_files=[("fichier", name, data, "application/octet-stream")],
        headers=api.headers(),
        status=status,
    )
    if status != 202:
        return answer.json
    app.registry.wisebook_queue.execute(answer.json["id"])
    done = api.get(f"/api/v1/taches/{answer.json['id']}/").json
    assert done["etat"] == "reussie", done
    return done["resultat"]


def camt(
    entries: list[tuple[str, int, str, str, str]],
    opening: int,
    closing: int,
    iban: str = IBAN,
    ccy: str = "XOF",
) -> bytes:
    """A camt.053.001.08 statement: (booking date, signed amount, bank reference, end-to-end
    id, remittance text) per entry, the booked opening and closing balances."""

    def balance(code: str, amount: int, day: str) -> str:
        side = "CRDT" if amount >= 0 else "DBIT"
        return (
            f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{abs(amount)}</Amt>'
            f"<CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
        )

    days = [e[0] for e in entries] or ["2026-03-01"]
    body = "".join(
        f"""
      <Ntry>
        <Amt Ccy="{ccy}">{abs(amount)}</Amt><CdtDbtInd>{"CRDT" if amount > 0 else "DBIT"}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>{ref}</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>
          <RltdPties><{"Dbtr" if amount > 0 else "Cdtr"}><Pty><Nm>KOUASSI ET FILS</Nm></Pty></{"Dbtr" if amount > 0 else "Cdtr"}></RltdPties>
          <RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>"""
        for day, amount, ref, e2e, text in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>RELEVE</MsgId><CreDtTm>2026-04-01T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>RELEVE</Id>
      <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{ccy}</Ccy></Acct>
      {balance("OPBD", opening, min(days)[:8] + "01")}
      {balance("CLBD", closing, max(days))}{body}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


MARCH = [
    ("2026-03-05", -150_000, "BQ260305001", "LOYER-03", "LOYER MARS 2026"),
    ("2026-03-10", 236_000, "BQ260310002", "FA-2026-007", "FACTURE FA-2026-007"),
    ("2026-03-31", -2_500, "BQ260331003", "NOTPROVIDED", "FRAIS TENUE DE COMPTE MARS"),
]

MT940 = """:20:STMT2026-03
:25:CI93CI0080111301134291200589
:28C:00003/001
:60F:C260301XOF1000000,
:61:2603050305D150000,NTRFLOYER-03//BQ260305001
:86:LOYER MARS 2026
:61:2603100310C236000,NTRFFA-2026-007//BQ260310002
:86:FACTURE FA-2026-007
:61:2603310331D2500,NCHGNONREF//BQ260331003
:86:FRAIS TENUE DE COMPTE MARS
:62F:C260331XOF1083500,
"""

OFX = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260401060000<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>XOF
<BANKACCTFROM><BANKID>CI008<BRANCHID>01113<ACCTID>011342912005<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20260301<DTEND>20260331
<STMTTRN>
<TRNTYPE>DEBIT<DTPOSTED>20260305<TRNAMT>-150000<FITID>BQ260305001<NAME>SCI PLATEAU<MEMO>LOYER MARS 2026
</STMTTRN>
<STMTTRN>
<TRNTYPE>CREDIT<DTPOSTED>20260310<TRNAMT>236000<FITID>BQ260310002<NAME>KOUASSI ET FILS<MEMO>FACTURE FA-2026-007
</STMTTRN>
<STMTTRN>
<TRNTYPE>SRVCHG<DTPOSTED>20260331<TRNAMT>-2500<FITID>BQ260331003<NAME>FRAIS TENUE DE COMPTE MARS
</STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>1083500<DTASOF>20260331</LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
"""


def lines_of(api: Any, bank_id: int) -> list[tuple[str, str, str | None]]:
    found = api.get(f"{BANKS}{bank_id}/lignes/").json["resultats"]
    return [(ln["date"], ln["montant"], ln["identifiant_banque"]) for ln in found]


def counts(engine: Any) -> tuple[int, int]:
    with Session(engine) as s:
        return (
            int(s.scalar(select(func.count()).select_from(models.BankStatement)) or 0),
            int(s.scalar(select(func.count()).select_from(models.BankLine)) or 0),
        )


def test_a_bank_account_is_kept_on_its_ledger_account_every_fault_said_at_once(api, engine):
    made = api.post(
        BANKS, {"nom": "BICICI courant", "iban": "ci93 ci008 01113 011342912005 89", "compte": "5211"}
    )
    assert made.status_int == 201
    assert (made.json["iban"], made.json["journal"], made.json["type"], made.json["devise"]) == (
        IBAN,
        "BQ",
        "banque",
        "XOF",
    )
    wave = api.post(BANKS, {"nom": "Wave", "type": "mobile_money", "compte": "552"}, status=201).json
    assert (wave["compte"], wave["type"]) == ("552", "mobile_money")
    refused = api.post(
        BANKS,
        {
            "nom": "Autre",
            "iban": "CI93CI0080111301134291200588",
            "bic": "12",
            "compte": "5711",
            "journal": "VTE",
            "devise": "EUR",
        },
        status=422,
    ).json
    assert {e["champ"] for e in refused["erreurs"]} == {"iban", "bic", "compte", "journal", "devise"}
    api.post(
        BANKS, {"nom": "Orange Money", "type": "mobile_money", "compte": "5211"}, status=422
    )  # a bank's account
    api.post(
        BANKS, {"nom": "BICICI bis", "compte": "5211"}, status=409
    )  # one bank account per ledger account
    assert [b["nom"] for b in api.get(BANKS).json["resultats"]] == ["BICICI courant", "Wave"]


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("mars.xml", camt(MARCH, 1_000_000, 1_083_500), "camt053"),
        ("mars.sta", MT940.encode(), "mt940"),
        ("mars.ofx", OFX.encode(), "ofx"),
    ],
)
def test_each_format_gives_the_same_movements_balances_and_bank_ids(api, app, name, data, kind):
    bank_id = bank(api)
    report = send(api, app, bank_id, data, name)
    assert (report["statut"], report["format"], report["lignes_importees"], report["doublons"]) == (
        "importe",
        kind,
        3,
        0,
    )
    assert (report["du"], report["au"], report["solde_initial"], report["solde_final"]) == (
        "2026-03-01",
        "2026-03-31",
        "1000000",
        "1083500",
    )
    assert report["continuite"] is None  # the first statement: nothing to follow
    assert lines_of(api, bank_id) == [
        ("2026-03-05", "-150000", "BQ260305001"),
        ("2026-03-10", "236000", "BQ260310002"),
        ("2026-03-31", "-2500", "BQ260331003"),
    ]
    shown = api.get(f"{BANKS}{bank_id}/lignes/").json["resultats"][1]
    assert "FACTURE FA-2026-007" in shown["libelle"]
    if kind == "camt053":
        assert (shown["reference"], shown["contrepartie"]) == ("FA-2026-007", "KOUASSI ET FILS")
    listed = api.get(f"{BANKS}{bank_id}/").json
    assert (listed["lignes"], listed["dernier_releve"]["solde_final"]) == (3, "1083500")


def test_overlapping_files_add_only_what_is_new_and_a_gap_between_statements_is_said(api, app, engine):
    bank_id = bank(api)
    send(api, app, bank_id, camt(MARCH, 1_000_000, 1_083_500))
    # Mid-March to mid-April: two lines already read, two new ones.
    overlap = [
        *MARCH[1:],
        ("2026-04-02", 59_000, "BQ260402004", "FA-2026-011", "FACTURE FA-2026-011"),
        ("2026-04-15", -20_000, "BQ260415005", "NOTPROVIDED", "RETRAIT"),
    ]
    again = send(
        api, app, bank_id, camt(overlap, 1_083_500 - 236_000 + 2_500, 1_122_500), "chevauchement.xml"
    )
    assert (again["lignes_lues"], again["lignes_importees"], again["doublons"]) == (4, 2, 2)
    assert counts(engine) == (2, 5)
    # May opens on another balance than April's end: imported, and said.
    may = [("2026-05-04", -1_000, "BQ260504006", "NOTPROVIDED", "FRAIS")]
    gap = send(api, app, bank_id, camt(may, 1_100_000, 1_099_000), "mai.xml")
    assert gap["continuite"] is False and gap["solde_precedent"] == "1122500"
    assert "un relevé manque" in gap["message"]
    june = [("2026-06-01", 500, "BQ260601007", "NOTPROVIDED", "INTERETS")]
    assert send(api, app, bank_id, camt(june, 1_099_000, 1_099_500), "juin.xml")["continuite"] is True
    # The same file again: refused at once.
    send(api, app, bank_id, camt(june, 1_099_000, 1_099_500), "juin-bis.xml", status=409)
    # A file without the bank's ids: identical lines of one day are two lines, read once.
    coffee = "Date;Libellé;Montant\n03/07/2026;Café;-500\n03/07/2026;Café;-500\n"
    api.patch(
        f"{BANKS}{bank_id}/",
        {"profil": {"colonnes": {"date": "Date", "libelle": "Libellé", "montant": "Montant"}}},
    )
    assert send(api, app, bank_id, coffee.encode(), "cafe.csv")["lignes_importees"] == 2
    again = send(api, app, bank_id, (coffee + "04/07/2026;Café;-500\n").encode(), "cafe2.csv")
    assert (again["lignes_importees"], again["doublons"]) == (1, 2)


def test_a_mobile_money_export_is_read_through_its_column_profile_newest_first(api, app):
    wallet = api.post(
        BANKS,
        {
            "nom": "Orange Money",
            "type": "mobile_money",
            "compte": "552",
            "profil": {
                "colonnes": {
                    "date": "Date",
                    "libelle": "Libellé",
                    "reference": "Référence",
                    "debit": "Débit",
                    "credit": "Crédit",
                    "solde": "Solde",
                },
                "format_date": "JJ/MM/AAAA",
                "decimale": ",",
                "lignes_ignorees": 1,
            },
        },
        status=201,
    ).json["id"]
    export = (
        "Historique du compte marchand\n"
        "Date;Libellé;Référence;Débit;Crédit;Solde\n"
        "31/03/2026 18:02;Frais de retrait;;500;;84 500\n"
        "10/03/2026 09:15;Paiement client;PP260310.1;;35 000;85 000\n"
        "01/03/2026 08:00;Retrait agent;CO260301.7;50 000;;50 000\n"
    )
    report = send(api, app, wallet, export.encode("cp1252"), "orange.csv")
    assert (report["format"], report["solde_initial"], report["solde_final"]) == (
        "tableur",
        "100000",
        "84500",
    )
    assert [(d, m) for d, m, _ in lines_of(api, wallet)] == [
        ("2026-03-01", "-50000"),
        ("2026-03-10", "35000"),
        ("2026-03-31", "-500"),
    ]
    broken = export.replace("85 000", "86 000")
    refused = send(api, app, wallet, broken.encode(), "casse.csv", status=422)
    assert (
        refused["detail"]
        == "Relevé illisible, ligne 4 : le solde de cette ligne ne suit pas des mouvements qui la précèdent."
    )
    bad_profile = api.patch(
        f"{BANKS}{wallet}/",
        {"profil": {"colonnes": {"date": "Date"}, "format_date": "JJ/MM/AAAA"}},
        status=422,
    )
    assert {e["champ"] for e in bad_profile.json["erreurs"]} == {
        "profil.colonnes.libelle",
        "profil.colonnes.montant",
    }


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"", "Le fichier est vide."),
        (
            camt(MARCH, 1_000_000, 1_083_500).replace(b">236000<", b">23x<"),
            "Relevé illisible, ligne 19 : montant illisible « 23x ».",
        ),
        (
            camt(MARCH, 1_000_000, 1_083_500).replace(b"</Ntry>", b"</Ntr>", 1),
            "Relevé illisible, ligne 17 : XML mal formé.",
        ),
        (
            camt(MARCH, 1_000_000, 1_083_500)
            .replace(b"<Sts>", b"<Sts>", 1)
            .replace(b"<BookgDt><Dt>2026-03-10</Dt></BookgDt>", b""),
            "Relevé illisible, ligne 18 : date de comptabilisation (BookgDt) manquante.",
        ),
        (
            camt(MARCH, 1_000_000, 1_000_000),
            "Le relevé ne s'équilibre pas : solde initial 1\u202f000\u202f000, mouvements 83\u202f500, solde final 1\u202f000\u202f000 (écart -83\u202f500).",
        ),
        (
            camt(MARCH, 1_000_000, 1_083_500, iban="CI12CI0010101010101010101010"),
            "Ce relevé est celui du compte CI12CI0010101010101010101010, pas de " + IBAN + ".",
        ),
        (camt(MARCH, 1_000_000, 1_083_500, ccy="EUR"), "Ce relevé est en EUR ; le compte est tenu en XOF."),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document><BkToCstmrStmt/></Document>',
            "Relevé illisible, un relevé XML ne déclare ni DTD ni entités.",
        ),
        (b"date;libelle;montant\n01/03/2026;x;1\n", "Format de relevé non reconnu"),
        (
            MT940.replace(":62F:C260331XOF1083500,", ":62F:C260331XOF1083000,").encode(),
            "Le relevé ne s'équilibre pas",
        ),
    ],
)
def test_each_bad_file_is_refused_at_once_naming_its_line_and_nothing_is_written(
    api, app, engine, data, detail
):
    bank_id = bank(api)
    refused = send(api, app, bank_id, data, status=422)
    assert refused["detail"].startswith(detail) and refused["erreurs"][0]["champ"] == "fichier"
    assert counts(engine) == (0, 0)


def books_of_march(api: Any) -> None:
    """The bank's side in the books: a customer's payment, the rent, a deposit of two cheques
    in one entry, a day's card payments booked as one."""
    for body in (
        {
            "journal": "BQ",
            "date_comptable": "2026-03-09",
            "libelle": "Règlement Kouassi",
            "piece": "FA-2026-007",
            "lignes": [
                {"compte": "5211", "debit": "236000"},
                {"compte": "4111", "credit": "236000", "tiers": "C001"},
            ],
        },
        {
            "journal": "BQ",
            "date_comptable": "2026-03-05",
            "libelle": "Loyer de mars",
            "piece": "LOYER-03",
            "lignes": [{"compte": "6222", "debit": "150000"}, {"compte": "5211", "credit": "150000"}],
        },
        {
            "journal": "BQ",
            "date_comptable": "2026-03-20",
            "libelle": "Remise de chèques",
            "lignes": [
                {"compte": "5211", "debit": "30000", "libelle": "Chèque 1"},
                {"compte": "5211", "debit": "20000", "libelle": "Chèque 2"},
                {"compte": "4111", "credit": "50000", "tiers": "C002"},
            ],
        },
        {
            "journal": "BQ",
            "date_comptable": "2026-03-25",
            "libelle": "Carburant",
            "lignes": [{"compte": "6042", "debit": "10000"}, {"compte": "5211", "credit": "10000"}],
        },
    ):
        api.post("/api/v1/ecritures/", {**body, "valider": True}, status=201)


STATEMENT_OF_MARCH = [
    ("2026-03-05", -150_000, "BQ01", "LOYER-03", "LOYER MARS 2026"),
    ("2026-03-10", 236_000, "BQ02", "FA-2026-007", "VIR KOUASSI FACTURE FA-2026-007"),
    ("2026-03-21", 50_000, "BQ03", "NOTPROVIDED", "REMISE CHEQUES"),
    ("2026-03-25", -4_000, "BQ04", "NOTPROVIDED", "CB STATION"),
    ("2026-03-25", -6_000, "BQ05", "NOTPROVIDED", "CB STATION"),
    ("2026-03-31", -2_500, "BQ06", "NOTPROVIDED", "FRAIS TENUE DE COMPTE"),
]


def test_statement_lines_are_matched_one_to_one_one_to_many_many_to_one_and_undone(api, app):
    bank_id = bank(api)
    books_of_march(api)
    send(api, app, bank_id, camt(STATEMENT_OF_MARCH, 1_000_000, 1_123_500))
    proposed = api.get(f"{BANKS}{bank_id}/propositions/").json["resultats"]
    shape = {
        tuple(int(x["montant"]) for x in p["lignes_releve"]): (
            tuple(int(x["montant"]) for x in p["lignes_comptables"]),
            p["score"],
        )
        for p in proposed
    }
    assert shape == {
        (-150_000,): ((-150_000,), 90),  # same day, its pièce in the statement's text
        (236_000,): ((236_000,), 88),  # a day apart, its pièce
        (50_000,): ((30_000, 20_000), 68),  # one entry's two lines
        (-4_000, -6_000): ((-10_000,), 70),  # a day's card payments, booked as one
    }
    assert (
        "référence" in proposed[0]["raisons"] and proposed[0]["lignes_comptables"][0]["piece"] == "LOYER-03"
    )
    first = api.get(f"{BANKS}{bank_id}/propositions/", jours="2").json  # a page: two days of statement
    assert {p["lignes_releve"][0]["date"] for p in first["resultats"]} == {"2026-03-05", "2026-03-10"}
    assert first["suivant"] == "2026-03-10"
    rest = api.get(f"{BANKS}{bank_id}/propositions/", jours="2", apres=first["suivant"]).json
    assert {p["lignes_releve"][0]["date"] for p in rest["resultats"]} == {"2026-03-21", "2026-03-25"}
    auto = api.post(f"{BANKS}{bank_id}/rapprochements/automatique/", {}, status=200).json
    assert (auto["rapprochements"], auto["sous_le_seuil"], auto["lignes_releve_ouvertes"]) == (2, 2, 4)
    left = {
        tuple(int(x["montant"]) for x in p["lignes_releve"]): p
        for p in api.get(f"{BANKS}{bank_id}/propositions/").json["resultats"]
    }
    deposit, cards = left[(50_000,)], left[(-4_000, -6_000)]
    ids = lambda p, side: [x["id"] for x in p[side]]  # noqa: E731
    made = api.post(
        f"{BANKS}{bank_id}/rapprochements/",
        {
            "lignes_releve": ids(deposit, "lignes_releve"),
            "lignes_comptables": ids(deposit, "lignes_comptables"),
        },
        status=201,
    ).json
    refused = api.post(
        f"{BANKS}{bank_id}/rapprochements/",
        {
            "lignes_releve": ids(cards, "lignes_releve")[:1],
            "lignes_comptables": ids(cards, "lignes_comptables"),
        },
        status=422,
    ).json
    assert refused["erreurs"] == [
        {
            "champ": "lignes_comptables",
            "message": "Les montants ne s'accordent pas : relevé -4\u202f000, comptabilité -10\u202f000 (écart 6\u202f000).",
        }
    ]
    again = api.post(
        f"{BANKS}{bank_id}/rapprochements/",
        {
            "lignes_releve": ids(deposit, "lignes_releve"),
            "lignes_comptables": ids(deposit, "lignes_comptables"),
        },
        status=422,
    ).json
    assert {e["champ"] for e in again["erreurs"]} == {"lignes_releve", "lignes_comptables"}  # matched already
    api.post(
        f"{BANKS}{bank_id}/rapprochements/",
        {"lignes_releve": ids(cards, "lignes_releve"), "lignes_comptables": ids(cards, "lignes_comptables")},
        status=201,
    )
    matched = api.get(f"{BANKS}{bank_id}/lignes/", etat="rapprochee").json["resultats"]
    assert len(matched) == 5 and all(ln["rapprochement"] for ln in matched)
    assert [
        ln["libelle"] for ln in api.get(f"{BANKS}{bank_id}/lignes/", etat="non_rapprochee").json["resultats"]
    ] == ["FRAIS TENUE DE COMPTE"]
    api.delete(f"{BANKS}{bank_id}/rapprochements/{made['id']}/", status=204)
    api.delete(f"{BANKS}{bank_id}/rapprochements/{made['id']}/", status=404)
    assert len(api.get(f"{BANKS}{bank_id}/lignes/", etat="non_rapprochee").json["resultats"]) == 2
    api.get(f"{BANKS}{bank_id}/lignes/", etat="peut-etre", status=422)


def test_a_rule_turns_the_fees_into_posted_entries_matched_at_once_or_writes_nothing(api, app, engine):
    bank_id = bank(api)
    send(api, app, bank_id, camt(STATEMENT_OF_MARCH, 1_000_000, 1_123_500))
    refused = api.post(
        f"{BANKS}regles/",
        {
            "nom": "Mauvaise",
            "contient": "frais",
            "compte": "631",
            "journal": "VTE",
            "montant_min": "5000",
            "montant_max": "100",
        },
        status=422,
    ).json
    assert {e["champ"] for e in refused["erreurs"]} == {"compte", "journal", "montant_max"}
    wrong_tiers = api.post(
        f"{BANKS}regles/", {"nom": "T", "contient": "frais", "compte": "6318", "tiers": "C001"}, status=422
    )
    assert wrong_tiers.json["erreurs"][0]["message"].startswith("Le tiers C001 est tenu sur le compte 4111")
    made = api.post(
        f"{BANKS}regles/",
        {
            "nom": "Frais de tenue de compte",
            "contient": "Frais tenue",
            "sens": "sortie",
            "montant_max": "10000",
            "compte": "6318",
            "libelle": "Frais bancaires",
        },
        status=201,
    ).json
    assert (made["contient"], made["montant_max"], made["journal"]) == ("frais tenue", "10000", None)
    api.post(
        f"{BANKS}regles/",
        {"nom": "Frais de tenue de compte", "contient": "x y", "compte": "6318"},
        status=409,
    )
    with Session(engine) as s:
        before = s.scalar(select(func.count()).select_from(models.Entry))
    api.post("/api/v1/exercices/2026/verrouillage/", {"periode": 3}, status=200)  # March locked
    locked = api.post(f"{BANKS}{bank_id}/regles/application/", {}, status=422).json
    assert (
        "31/03/2026 « FRAIS TENUE DE COMPTE »" in locked["detail"]
        and "Rien n'a été écrit" in locked["detail"]
    )
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(models.Entry)) == before
    api.post("/api/v1/exercices/2026/deverrouillage/", {"periode": 3}, status=200)
    applied = api.post(f"{BANKS}{bank_id}/regles/application/", {}, status=200).json
    assert applied["ecritures"] == 1 and applied["resultats"][0]["regle"] == "Frais de tenue de compte"
    entry = api.get(f"/api/v1/ecritures/{applied['resultats'][0]['ecriture']}/").json
    assert (entry["journal"], entry["date_comptable"], entry["libelle"], entry["statut"]) == (
        "BQ",
        "2026-03-31",
        "Frais bancaires",
        "validee",
    )
    assert [(ln["compte"], ln["debit"], ln["credit"]) for ln in entry["lignes"]] == [
        ("5211", "0", "2500"),
        ("6318", "2500", "0"),
    ]
    assert [
        ln["libelle"] for ln in api.get(f"{BANKS}{bank_id}/lignes/", etat="rapprochee").json["resultats"]
    ] == ["FRAIS TENUE DE COMPTE"]
    assert (
        api.post(f"{BANKS}{bank_id}/regles/application/", {}, status=200).json["ecritures"] == 0
    )  # done once


def test_the_etat_de_rapprochement_balances_to_zero_at_every_step_and_shows_what_is_open(api, app):
    bank_id = bank(api)
    capital = {
        "journal": "BQ",
        "date_comptable": "2026-02-27",
        "libelle": "Apport en capital",
        "lignes": [{"compte": "5211", "debit": "1000000"}, {"compte": "1011", "credit": "1000000"}],
        "valider": True,
    }
    api.post("/api/v1/ecritures/", capital, status=201)
    books_of_march(api)
    send(api, app, bank_id, camt(STATEMENT_OF_MARCH, 1_000_000, 1_123_500))
    etat = lambda **q: api.get(f"{BANKS}{bank_id}/etat-rapprochement/", **q).json  # noqa: E731
    nothing_matched = etat(au="2026-03-31")
    assert (
        nothing_matched["solde_comptable"],
        nothing_matched["solde_releve"],
        nothing_matched["ecart"],
    ) == (
        "1126000",
        "1123500",
        "0",
    )
    assert (
        len(nothing_matched["ecritures_non_rapprochees"]) == 5
        and len(nothing_matched["releve_non_rapproche"]) == 6
    )
    api.post(f"{BANKS}{bank_id}/rapprochements/automatique/", {"seuil": 60}, status=200)
    matched = etat(au="2026-03-31")
    assert matched["ecritures_non_rapprochees"] == [] and matched["ecart"] == "0"
    assert [(x["libelle"], x["montant"]) for x in matched["releve_non_rapproche"]] == [
        ("FRAIS TENUE DE COMPTE", "-2500")
    ]
    assert (matched["solde_comptable_rectifie"], matched["solde_releve_rectifie"]) == ("1126000", "1126000")
    # On the 20th the deposit is in the books, not yet on the statement (it is there on the 21st).
    twentieth = etat(au="2026-03-20")
    assert [x["montant"] for x in twentieth["ecritures_non_rapprochees"]] == ["30000", "20000"]
    assert twentieth["ecart"] == "0"
    pdf = api.get(f"{BANKS}{bank_id}/etat-rapprochement/", au="2026-03-31", format="pdf")
    assert (
        pdf.content_type == "application/pdf" and "etat-rapprochement-" in pdf.headers["Content-Disposition"]
    )
    text = " ".join(_pdf_pages(pdf))
    assert "État de rapprochement · BICICI courant (5211)" in text and "Solde bancaire rectifié" in text
    assert "FRAIS TENUE DE COMPTE" in text and "Écart" in text
    # A line booked before the first statement that the bank never saw: the états say it.
    stray = {**capital, "date_comptable": "2026-02-28", "libelle": "Versement oublié"}
    stray["lignes"] = [{"compte": "5211", "debit": "5000"}, {"compte": "1011", "credit": "5000"}]
    api.post("/api/v1/ecritures/", stray, status=201)
    assert etat(au="2026-03-31")["ecart"] == "5000"
    api.get(f"{BANKS}{bank_id}/etat-rapprochement/", au="2031-01-01", status=422)  # no fiscal year
