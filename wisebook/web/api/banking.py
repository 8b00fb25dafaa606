"""Bank and mobile-money accounts: the list, a new one, its column profile; statement files in
(read and checked at once, written by a task); the statements read and their lines."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import to_json
from wisebook.services.access.permissions import Permission
from wisebook.services.banking import accounts as banks
from wisebook.services.banking import matching, report, rules, statements
from wisebook.services.books import years
from wisebook.web import exports, i18n
from wisebook.web.api import json_body, json_response, query_date, query_int
from wisebook.web.api import reports as reports_api
from wisebook.web.api import tasks as tasks_api
from wisebook.web.exports import Column, PdfRow
from wisebook.web.i18n import _

#: The API's field names and the service's.
FIELDS = {
    "nom": "name",
    "banque": "bank",
    "iban": "iban",
    "bic": "bic",
    "devise": "currency",
    "type": "kind",
    "compte": "account",
    "journal": "journal",
    "profil": "profile",
}


def _details(data: dict[str, Any]) -> banks.BankDetails:
    given = {FIELDS[key]: value for key, value in data.items() if key in FIELDS}
    return banks.BankDetails(**given, given=frozenset(given))


def _json(request: Request, bank: models.BankAccount) -> dict[str, Any]:
    account = request.db.get(models.Account, bank.account_id)
    journal = request.db.get(models.Journal, bank.journal_id)
    latest = next(iter(statements.statements_of(request.db, request.company.id, bank.id)), None)
    return {
        "id": bank.id,
        "nom": bank.name,
        "banque": bank.bank,
        "iban": bank.iban,
        "bic": bank.bic,
        "devise": bank.currency,
        "type": bank.kind,
        "compte": account.code if account else None,
        "journal": journal.code if journal else None,
        "profil": bank.profile,
        "lignes": statements.count_lines(request.db, bank.id),
        "dernier_releve": None
        if latest is None
        else {
            "id": latest.id,
            "au": latest.end_date,
            "solde_final": None if latest.closing is None else to_json(latest.closing, bank.currency),
        },
    }


def list_banks(request: Request) -> dict[str, Any]:
    """The company's bank and mobile-money accounts."""
    found = banks.list_bank_accounts(request.db, request.company.id)
    return {"resultats": [_json(request, b) for b in found], "suivant": None}


def add_bank(request: Request) -> Response:
    """A new bank account (201)."""
    data = json_body(request, "BanqueSaisie")
    bank = banks.create_bank_account(request.db, request.company.id, _details(data))
    return json_response(_json(request, bank), status=201)


def get_bank(request: Request) -> Response:
    """One bank account."""
    bank = banks.get_bank_account(request.db, request.company.id, int(request.matchdict["id"]))
    return json_response(_json(request, bank))


def change_bank(request: Request) -> Response:
    """Change a bank account's names, journal or column profile."""
    data = json_body(request, "BanqueModification")
    bank = banks.update_bank_account(
        request.db, request.company.id, int(request.matchdict["id"]), _details(data)
    )
    return json_response(_json(request, bank))


def submit_statement(request: Request) -> Response:
    """A statement file (multipart ``fichier``): read and checked now — a malformed file is a
    422 naming its line, a file already read a 409 — then written by a task (202)."""
    form = request.POST if request.content_type == "multipart/form-data" else {}
    upload = form.get("fichier")
    if upload is None or not hasattr(upload, "file"):
        raise InvalidInput("Envoyez le relevé en multipart/form-data, champ « fichier ».", field="fichier")
    settings = request.registry.wisebook_settings
    bank_id = int(request.matchdict["id"])
    received = statements.receive(
        request.db, settings.data_dir, request.company.id, bank_id, upload.filename or "", upload.file
    )
    run = request.registry.wisebook_queue.submit(
        request.db,
        "import_releve",
        {"banque": bank_id, "fichier": received.path.name, "nom": received.name, "sha256": received.sha256},
        company_id=request.company.id,
        user_id=request.wisebook_identity.user_id,
    )
    return tasks_api.accepted(request, run)


def list_statements(request: Request) -> dict[str, Any]:
    """The statements read into a bank account, latest first."""
    bank = banks.get_bank_account(request.db, request.company.id, int(request.matchdict["id"]))
    currency = bank.currency

    def money(units: int | None) -> str | None:
        return None if units is None else to_json(units, currency)

    return {
        "resultats": [
            {
                "id": s.id,
                "format": s.format,
                "fichier": s.filename,
                "du": s.start_date,
                "au": s.end_date,
                "solde_initial": money(s.opening),
                "solde_final": money(s.closing),
                "lignes": s.lines,
                "doublons": s.duplicates,
                "continuite": s.continuous,
                "importe_le": s.created_at,
            }
            for s in statements.statements_of(request.db, request.company.id, bank.id)
        ],
        "suivant": None,
    }


def list_lines(request: Request) -> dict[str, Any]:
    """A page of a bank account's statement lines (``du``, ``au``, ``limite``, ``apres``)."""
    limit = query_int(request, "limite", 100)
    assert limit is not None
    found, following = statements.statement_lines(
        request.db,
        request.company.id,
        int(request.matchdict["id"]),
        start=query_date(request, "du"),
        end=query_date(request, "au"),
        limit=limit,
        after=query_int(request, "apres"),
        state=request.params.get("etat") or None,
    )
    bank = banks.get_bank_account(request.db, request.company.id, int(request.matchdict["id"]))
    matched = matching.matched_ids(request.db, [ln.id for ln in found])
    return {
        "resultats": [
            {
                "id": ln.id,
                "date": ln.line_date,
                "date_valeur": ln.value_date,
                "montant": to_json(ln.amount, bank.currency),
                "libelle": ln.label,
                "reference": ln.reference,
                "contrepartie": ln.counterparty,
                "iban_contrepartie": ln.counterparty_iban,
                "identifiant_banque": ln.bank_id,
                "releve": ln.statement_id,
                "rapprochement": matched.get(ln.id),
            }
            for ln in found
        ],
        "suivant": None if following is None else str(following),
    }


def _statement_line(row: Any, currency: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "date": row.line_date,
        "montant": to_json(row.amount, currency),
        "libelle": row.label,
        "reference": row.reference,
        "contrepartie": row.counterparty,
    }


def _ledger_line(row: Any, currency: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "date": row.entry_date,
        "numero": row.number,
        "piece": row.reference,
        "libelle": row.label or row.entry_label,
        "montant": to_json(row.debit - row.credit, currency),
        "tiers": row.partner,
        "nom_tiers": row.partner_name,
    }


def list_proposals(request: Request) -> dict[str, Any]:
    """For each open statement line of a page (``jours`` days of statement, 7 by default,
    after the date ``apres``), its best match (score out of 100 and its reasons); the next
    page's cursor."""
    bank = banks.get_bank_account(request.db, request.company.id, int(request.matchdict["id"]))
    days = query_int(request, "jours", 7)
    if days is None or not 1 <= days <= 92:
        raise InvalidInput("Une page va de 1 à 92 jours de relevé.", field="jours")
    found, following = matching.proposals(
        request.db, request.company.id, bank.id, days=days, after=query_date(request, "apres")
    )
    return {
        "resultats": [
            {
                "score": item.proposal.score,
                "raisons": list(item.proposal.reasons),
                "lignes_releve": [_statement_line(r, bank.currency) for r in item.bank_lines],
                "lignes_comptables": [_ledger_line(r, bank.currency) for r in item.ledger_lines],
            }
            for item in found
        ],
        "suivant": following,
    }


def add_match(request: Request) -> Response:
    """Match statement lines with ledger lines whose sums agree (201), else 422 with the gap."""
    data = json_body(request, "Rapprochement")
    made = matching.match(
        request.db,
        request.company.id,
        int(request.matchdict["id"]),
        [int(i) for i in data["lignes_releve"]],
        [int(i) for i in data["lignes_comptables"]],
        request.wisebook_identity.user_id,
    )
    return json_response(
        {"id": made, "lignes_releve": data["lignes_releve"], "lignes_comptables": data["lignes_comptables"]},
        status=201,
    )


def remove_match(request: Request) -> Response:
    """Undo a match (204): its lines are open again."""
    matching.unmatch(
        request.db, request.company.id, int(request.matchdict["id"]), int(request.matchdict["rapprochement"])
    )
    return Response(status=204)


def automatic_matches(request: Request) -> Response:
    """Accept every proposal scored ``seuil`` (80 by default) or more; the counts."""
    data = json_body(request, "RapprochementAutomatique", optional=True) or {}
    counts = matching.automatic(
        request.db,
        request.company.id,
        int(request.matchdict["id"]),
        int(data.get("seuil", matching.AUTOMATIC)),
        request.wisebook_identity.user_id,
    )
    return json_response(counts)


RULE_FIELDS = {
    "nom": "name",
    "contient": "contains",
    "sens": "direction",
    "montant_min": "amount_min",
    "montant_max": "amount_max",
    "compte": "account",
    "tiers": "partner",
    "journal": "journal",
    "libelle": "label",
    "banque": "bank_account_id",
}


def _rule_json(request: Request, rule: models.BankRule) -> dict[str, Any]:
    currency = request.company.currency
    account = request.db.get(models.Account, rule.account_id)
    journal = request.db.get(models.Journal, rule.journal_id) if rule.journal_id else None
    return {
        "id": rule.id,
        "nom": rule.name,
        "contient": rule.contains,
        "sens": rule.direction,
        "montant_min": None if rule.amount_min is None else to_json(rule.amount_min, currency),
        "montant_max": None if rule.amount_max is None else to_json(rule.amount_max, currency),
        "compte": account.code if account else None,
        "tiers": rule.partner,
        "journal": journal.code if journal else None,
        "libelle": rule.label,
        "banque": rule.bank_account_id,
    }


def list_rules(request: Request) -> dict[str, Any]:
    """The company's rules, in the order they are tried."""
    return {
        "resultats": [_rule_json(request, r) for r in rules.list_rules(request.db, request.company.id)],
        "suivant": None,
    }


def add_rule(request: Request) -> Response:
    """A new rule (201)."""
    data = json_body(request, "RegleSaisie")
    given = {RULE_FIELDS[k]: v for k, v in data.items() if k in RULE_FIELDS}
    rule = rules.create_rule(
        request.db, request.company.id, rules.RuleDetails(**given, given=frozenset(given))
    )
    return json_response(_rule_json(request, rule), status=201)


def apply_rules(request: Request) -> Response:
    """Turn the open statement lines that a rule meets (``lignes``: some of them) into posted
    entries, matched at once; all of them, or nothing and the line that could not be."""
    data = json_body(request, "RegleApplication", optional=True) or {}
    made = rules.apply_rules(
        request.db,
        request.company,
        int(request.matchdict["id"]),
        request.wisebook_identity.user_id,
        [int(i) for i in data["lignes"]] if "lignes" in data else None,
    )
    return json_response({"ecritures": len(made), "resultats": made})


ETAT_COLUMNS = [
    Column(_("Date"), "date", 20),
    Column(_("Numéro"), width=30),
    Column(_("Pièce"), width=24),
    Column(_("Libellé"), width=0),
    Column(_("Montant"), "amount", 30),
]


def reconciliation_report(request: Request) -> Any:
    """The état de rapprochement at ``au`` (today by default), as JSON or as the PDF one files:
    the books' and the bank's balances, each side's open items, the difference (zero)."""
    import datetime as dt

    fmt = exports.requested_format(request, ("json", "pdf"))
    at = query_date(request, "au") or dt.date.today()
    found = report.reconciliation(request.db, request.company.id, int(request.matchdict["id"]), at)
    currency = found.bank.currency

    def money(units: int) -> str:
        return to_json(units, currency)

    if fmt == "pdf":
        fy = years.current_fiscal_year(request.db, request.company.id, at)
        title = i18n.translate(
            request,
            "État de rapprochement · ${banque} (${compte})",
            banque=found.bank.name,
            compte=found.account,
        )
        block = reports_api.title_block(request, title, fy, fy.start_date, at)
        filename = reports_api.report_filename(
            request, "etat-rapprochement", fy, fy.start_date, at, extra=str(found.bank.id)
        )
        rows = [
            PdfRow(
                (
                    "",
                    "",
                    "",
                    i18n.translate(
                        request,
                        "Solde du compte ${compte} au ${date}",
                        compte=found.account,
                        date=i18n.day(request, at),
                    ),
                    found.books,
                ),
                bold=True,
            ),
            PdfRow((i18n.translate(request, "Écritures comptables absentes du relevé"),), span=True),
            *(
                PdfRow(
                    (
                        r.entry_date,
                        r.number or "",
                        r.reference or "",
                        r.label or r.entry_label,
                        r.debit - r.credit,
                    )
                )
                for r in found.ledger_open
            ),
            PdfRow(
                ("", "", "", i18n.translate(request, "Solde comptable rectifié"), found.books_adjusted),
                bold=True,
            ),
            PdfRow(
                (
                    "",
                    "",
                    "",
                    i18n.translate(
                        request, "Solde du relevé bancaire au ${date}", date=i18n.day(request, at)
                    ),
                    found.statement,
                ),
                bold=True,
            ),
            PdfRow((i18n.translate(request, "Opérations du relevé absentes de la comptabilité"),), span=True),
            *(PdfRow((r.line_date, "", r.reference or "", r.label, r.amount)) for r in found.statement_open),
            PdfRow(
                ("", "", "", i18n.translate(request, "Solde bancaire rectifié"), found.statement_adjusted),
                bold=True,
            ),
            PdfRow(("", "", "", i18n.translate(request, "Écart"), found.difference), bold=True),
        ]
        return reports_api.report_pdf(request, filename, block, ETAT_COLUMNS, rows)
    return {
        "banque": found.bank.id,
        "compte": found.account,
        "au": found.at,
        "devise": currency,
        "debut_rapprochement": found.start,
        "solde_comptable": money(found.books),
        "solde_releve": money(found.statement),
        "solde_releve_connu": found.statement_known,
        "ecritures_non_rapprochees": [
            {
                "id": r.id,
                "date": r.entry_date,
                "numero": r.number,
                "piece": r.reference,
                "libelle": r.label or r.entry_label,
                "montant": money(r.debit - r.credit),
            }
            for r in found.ledger_open
        ],
        "releve_non_rapproche": [
            {
                "id": r.id,
                "date": r.line_date,
                "libelle": r.label,
                "reference": r.reference,
                "montant": money(r.amount),
            }
            for r in found.statement_open
        ],
        "total_ecritures_non_rapprochees": money(found.ledger_open_total),
        "total_releve_non_rapproche": money(found.statement_open_total),
        "solde_comptable_rectifie": money(found.books_adjusted),
        "solde_releve_rectifie": money(found.statement_adjusted),
        "ecart": money(found.difference),
    }


def _psd2(request: Request) -> Any:
    from wisebook.services.banking import psd2

    settings = request.registry.wisebook_settings
    return psd2.Client(settings.psd2_url, settings.psd2_client_id, settings.psd2_client_secret)


def psd2_consent(request: Request) -> Response:
    """Ask the bank for a consent on the account (201): the link where the company authorises it."""
    import datetime as dt

    from wisebook.services.banking import psd2

    made = psd2.connect(
        request.db, request.company.id, int(request.matchdict["id"]), _psd2(request), dt.date.today()
    )
    return json_response(made, status=201)


def psd2_synchronise(request: Request) -> Response:
    """Read the account's new transactions from its bank (a task, 202)."""
    bank = banks.get_bank_account(request.db, request.company.id, int(request.matchdict["id"]))
    if not bank.psd2_consent_id:
        raise InvalidInput(
            "Aucun consentement bancaire pour ce compte : demandez-le d'abord.", field="consentement"
        )
    _psd2(request)  # an installation without the bank's API says so now, not in the task
    run = request.registry.wisebook_queue.submit(
        request.db,
        "synchro_psd2",
        {"banque": bank.id},
        company_id=request.company.id,
        user_id=request.wisebook_identity.user_id,
    )
    return tasks_api.accepted(request, run)


def includeme(config: Any) -> None:
    """Members read; those who configure the books keep the accounts; those who post import."""
    config.add_view(
        list_banks, route_name="banks", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(add_bank, route_name="banks", request_method="POST", permission=Permission.CONFIGURE)
    config.add_view(get_bank, route_name="bank", request_method="GET", permission=Permission.READ)
    config.add_view(change_bank, route_name="bank", request_method="PATCH", permission=Permission.CONFIGURE)
    config.add_view(
        list_statements,
        route_name="bank_statements",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    config.add_view(
        submit_statement, route_name="bank_statements", request_method="POST", permission=Permission.POST
    )
    config.add_view(
        list_lines, route_name="bank_lines", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(
        list_proposals,
        route_name="bank_proposals",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    config.add_view(add_match, route_name="bank_matches", request_method="POST", permission=Permission.POST)
    config.add_view(
        remove_match, route_name="bank_match", request_method="DELETE", permission=Permission.POST
    )
    config.add_view(
        automatic_matches,
        route_name="bank_matches_automatic",
        request_method="POST",
        permission=Permission.POST,
    )
    config.add_view(
        list_rules, route_name="bank_rules", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(add_rule, route_name="bank_rules", request_method="POST", permission=Permission.CONFIGURE)
    config.add_view(
        apply_rules, route_name="bank_rules_apply", request_method="POST", permission=Permission.POST
    )
    config.add_view(
        reconciliation_report,
        route_name="bank_reconciliation_report",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    config.add_view(
        psd2_consent, route_name="bank_psd2_consent", request_method="POST", permission=Permission.CONFIGURE
    )
    config.add_view(
        psd2_synchronise, route_name="bank_psd2_sync", request_method="POST", permission=Permission.POST
    )
