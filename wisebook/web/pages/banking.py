"""Banking in the browser: the bank accounts; an account's rapprochement — a statement file sent
and its run followed, the proposals (each accepted by Entrée, ↓ ↑ to move among them), the
open statement lines beside the open ledger lines to match by hand, the rules applied, the
automatic matching, and the état de rapprochement as PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import select

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput, LedgerError
from wisebook.services.access.permissions import Permission
from wisebook.services.banking import accounts as banks
from wisebook.services.banking import matching, report, rules, statements
from wisebook.services.platform import taskruns
from wisebook.web import runs
from wisebook.web.i18n import amount, day, translate
from wisebook.web.messages import field_messages
from wisebook.web.renderers import page

#: Open lines listed on each side (the proposals come a page of days at a time).
SHOWN = 200


class Side(NamedTuple):
    """An open line of either side, as the page lists it."""

    id: int
    date: str
    libelle: str
    piece: str
    montant: str


class Shown(NamedTuple):
    """A proposal as the page lists it."""

    score: int
    raisons: str
    releve: list[Side]
    comptables: list[Side]
    ids_releve: list[int]
    ids_comptables: list[int]


def banks_page(request: Request) -> Response:
    """The company's bank and mobile-money accounts, each leading to its rapprochement."""
    found = banks.list_bank_accounts(request.db, request.company.id)
    codes = dict(
        request.db.execute(
            select(models.Account.id, models.Account.code).where(
                models.Account.id.in_([b.account_id for b in found])
            )
        )
        .tuples()
        .all()
    )
    return page(
        request,
        "banques.html",
        {"banques": [(b, codes.get(b.account_id, "")) for b in found]},
    )


def _act(request: Request, bank: models.BankAccount) -> str:
    """Carry out the form's action; what to say once done."""
    action = str(request.POST.get("action", ""))
    user = request.wisebook_identity.user_id
    company = request.company
    ids = lambda name: [int(v) for v in request.POST.getall(name) if str(v).isdigit()]  # noqa: E731
    if action == "releve":
        upload = request.POST.get("fichier")
        if upload is None or not hasattr(upload, "file") or not upload.filename:
            raise InvalidInput("Choisissez le relevé à importer.", field="fichier")
        settings = request.registry.wisebook_settings
        received = statements.receive(
            request.db, settings.data_dir, company.id, bank.id, upload.filename, upload.file
        )
        run = request.registry.wisebook_queue.submit(
            request.db,
            "import_releve",
            {
                "banque": bank.id,
                "fichier": received.path.name,
                "nom": received.name,
                "sha256": received.sha256,
            },
            company_id=company.id,
            user_id=user,
        )
        return f"tache:{run.id}"
    if action in ("accepter", "rapprocher"):
        matching.match(request.db, company.id, bank.id, ids("releve"), ids("comptable"), user)
        return translate(request, "Lignes rapprochées.")
    if action == "automatique":
        counts = matching.automatic(request.db, company.id, bank.id, user_id=user)
        return translate(request, "${n} rapprochements automatiques.", n=counts["rapprochements"])
    if action == "regles":
        made = rules.apply_rules(request.db, company, bank.id, user)
        return translate(request, "${n} écritures passées par les règles.", n=len(made))
    if action == "defaire":
        matching.unmatch(request.db, company.id, bank.id, int(request.POST.get("rapprochement", "0") or 0))
        return translate(request, "Rapprochement défait.")
    raise InvalidInput("Action inconnue.", field="action")


def _side_bank(request: Request, row: Any, currency: str) -> Side:
    return Side(
        row.id,
        day(request, row.line_date),
        row.label,
        row.reference or "",
        amount(request, row.amount, currency),
    )


def _side_ledger(request: Request, row: Any, currency: str) -> Side:
    return Side(
        row.id,
        day(request, row.entry_date),
        row.label or row.entry_label,
        row.reference or row.number or "",
        amount(request, row.debit - row.credit, currency),
    )


def bank_page(request: Request) -> Response:
    """An account's rapprochement; POSTed: a statement, a match, the automatic matching, the
    rules or an undo, then back here (303), or the page with its refusal."""
    company = request.company
    bank = banks.get_bank_account(request.db, company.id, int(request.matchdict["id"]))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            done = _act(request, bank)
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        else:
            query = {"tache": done[6:]} if done.startswith("tache:") else {"fait": done}
            return HTTPSeeOther(request.route_path("bank_page", id=bank.id, _query=query))
    currency = bank.currency
    found, following = matching.proposals(request.db, company.id, bank.id, days=31)
    proposed = [
        Shown(
            p.proposal.score,
            ", ".join(p.proposal.reasons),
            [_side_bank(request, r, currency) for r in p.bank_lines],
            [_side_ledger(request, r, currency) for r in p.ledger_lines],
            list(p.proposal.bank_ids),
            list(p.proposal.ledger_ids),
        )
        for p in found
    ]
    open_bank = matching.open_bank_lines(request.db, bank.id)
    # The rapprochement starts with the first statement read: older ledger lines are not
    # items to match (the état leaves them out too).
    start = report.reconciliation_start(request.db, bank.id)
    open_ledger = matching.open_ledger_lines(request.db, bank, start) if start is not None else []
    ref = str(request.params.get("tache", ""))[:40]
    run = runs.company_run(request, ref, "import_releve") if ref else None
    result = taskruns.result_of(run) if run is not None and run.state == taskruns.SUCCEEDED else None
    at = dt.date.today()
    try:
        etat = report.reconciliation(request.db, company.id, bank.id, at)
    except LedgerError:
        etat = None
    account = request.db.get(models.Account, bank.account_id)
    return page(
        request,
        "banque.html",
        {
            "b": bank,
            "compte": account.code if account else "",
            "propositions": proposed,
            "plus_de_propositions": following is not None,
            "releve": [_side_bank(request, r, currency) for r in open_bank[:SHOWN]],
            "releve_caches": max(0, len(open_bank) - SHOWN),
            "comptables": [_side_ledger(request, r, currency) for r in open_ledger[-SHOWN:]],
            "comptables_caches": max(0, len(open_ledger) - SHOWN),
            "tache": run,
            "rapport": result,
            "fait": str(request.params.get("fait", ""))[:200],
            "erreurs": errors,
            "ecart": None if etat is None else amount(request, etat.difference, currency),
            "etat_pdf": request.route_path(
                "bank_reconciliation_report", id=bank.id, _query={"format": "pdf", "au": at.isoformat()}
            ),
            "peut_rapprocher": request.has_permission(Permission.POST),
        },
        status,
    )


def includeme(config: Any) -> None:
    """Reading for members; matching, rules and statements for those who post."""
    config.add_view(banks_page, route_name="banks_page", request_method="GET", permission=Permission.READ)
    config.add_view(bank_page, route_name="bank_page", request_method="GET", permission=Permission.READ)
    config.add_view(bank_page, route_name="bank_page", request_method="POST", permission=Permission.POST)
