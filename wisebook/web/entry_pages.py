"""Entries in the browser: the list (filters, keyset pages), one entry (its lines, its
reversal), and the entry form typed with the keyboard (``static/saisie.js``; without script
the form still posts). A refused entry comes back with every message next to its field and
everything typed kept; nothing is written."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from ..db import models
from ..ledger import entries as rules
from ..ledger.errors import InvalidInput, LedgerError
from ..ledger.money import exponent, from_minor, minor_from_text
from ..ledger.periods import parse_date
from ..services import books, browse, posting
from ..services.permissions import ROLE_PERMISSIONS, Permission
from .exports import french_amount

LINE_FIELDS = ("compte", "libelle_ligne", "debit", "credit", "tiers")
BLANK_LINES = 4
STATUS_LABELS = {models.DRAFT: "Brouillon", models.POSTED: "Validée"}


def _day(text: str) -> dt.date:
    """A date as an accountant types it: JJ/MM/AAAA (or with - or .), JJMMAAAA, JJMMAA, or
    AAAA-MM-JJ."""
    text = text.strip()
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text) or re.fullmatch(
        r"(\d{2})(\d{2})(\d{4})", text
    )
    if match:
        text = f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}"
    elif match := re.fullmatch(r"(\d{2})(\d{2})(\d{2})", text):
        text = f"20{match[3]}-{match[2]}-{match[1]}"
    try:
        return parse_date(text, "date_comptable")
    except InvalidInput:
        raise InvalidInput("Date invalide : saisissez-la en JJ/MM/AAAA.", field="date_comptable") from None


def _render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    response = render_to_response(template, context, request=request)
    response.status_int = status
    return response


def entries_list(request: Request) -> Response:
    """The entries, filtered and paged (the API's keyset cursor in ``apres``)."""
    company = request.company
    values = {
        name: str(request.params.get(name, "")).strip()
        for name in ("journal", "statut", "du", "au", "compte")
    }
    errors: dict[str, str] = {}
    rows: list[posting.EntryRecord] = []
    following = None
    try:
        filters = browse.EntryFilter(
            journal=values["journal"] or None,
            start=_day(values["du"]) if values["du"] else None,
            end=_day(values["au"]) if values["au"] else None,
            account=values["compte"] or None,
            status=values["statut"] or None,
        )
        rows, following = browse.list_entries(
            request.db, company.id, filters, 50, request.params.get("apres")
        )
    except InvalidInput as exc:
        for err in exc.errors or []:
            errors[{"date_comptable": "du"}.get(err.field, err.field)] = err.message
        errors.setdefault("formulaire", exc.message)
    next_query = None
    if following:
        next_query = {k: v for k, v in values.items() if v} | {"apres": following}
    return _render(
        request,
        "ecritures.html",
        {
            "valeurs": values,
            "erreurs": errors,
            "ecritures": [
                {
                    "id": e.id,
                    "date": e.entry_date,
                    "numero": e.number or "—",
                    "journal": e.journal,
                    "piece": e.reference or "",
                    "libelle": e.label,
                    "total": french_amount(e.total, company.currency),
                    "statut": e.status,
                    "statut_libelle": STATUS_LABELS[e.status],
                }
                for e in rows
            ],
            "suivante": next_query,
            "journaux": books.list_journals(request.db, company.id),
        },
        status=422 if errors else 200,
    )


def entry_page(request: Request) -> Response:
    """One entry, its lines and totals; its reversal for those who post."""
    company = request.company
    found = posting.get_entry(request.db, company.id, int(request.matchdict["id"]))
    return _render(
        request,
        "ecriture.html",
        {
            "e": found,
            "statut_libelle": STATUS_LABELS[found.status],
            "lignes": [
                {
                    "compte": ln.account,
                    "libelle_compte": ln.account_label,
                    "libelle": ln.label,
                    "debit": french_amount(ln.debit, company.currency) if ln.debit else "",
                    "credit": french_amount(ln.credit, company.currency) if ln.credit else "",
                    "tiers": ln.partner or "",
                }
                for ln in found.lines
            ],
            "total": french_amount(found.total, company.currency),
            "peut_valider": Permission.POST in ROLE_PERMISSIONS[company.role],
        },
    )


def reverse(request: Request) -> Response:
    """Post the reversal of an entry, then show it."""
    made = posting.reverse_entry(
        request.db, request.company, int(request.matchdict["id"]), request.wisebook_identity.user_id
    )
    return HTTPSeeOther(request.route_url("entry_page", id=made.id))


def _form_lines(request: Request) -> list[dict[str, str]]:
    columns = {name: request.POST.getall(name) for name in LINE_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    lines = [
        {name: str(columns[name][i]).strip() if i < len(columns[name]) else "" for name in LINE_FIELDS}
        for i in range(count)
    ]
    return [ln for ln in lines if any(ln.values())]


def _form_context(request: Request, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    company = request.company
    lines = list(values["lignes"])
    lines += [dict.fromkeys(LINE_FIELDS, "") for _ in range(max(BLANK_LINES - len(lines), 1))]
    accounts = books.list_accounts(request.db, company.id)
    return {
        "valeurs": values | {"lignes": lines},
        "erreurs": errors,
        "journaux": books.list_journals(request.db, company.id),
        "comptes": [a for a in accounts if a.postable],
        "peut_valider": Permission.POST in ROLE_PERMISSIONS[company.role],
        "decimales": exponent(company.currency),
    }


def new_entry(request: Request) -> Response:
    """The entry form; POSTed: saved as a draft or posted (Ctrl+Entrée), or sent back with
    its messages."""
    company = request.company
    if request.method == "GET":
        values: dict[str, Any] = {
            "journal": "",
            "date": dt.date.today().isoformat(),
            "piece": "",
            "libelle": "",
            "lignes": [],
        }
        return _render(request, "saisie.html", _form_context(request, values, {}))
    values = {
        name: str(request.POST.get(name, "")).strip() for name in ("journal", "date", "piece", "libelle")
    }
    values["lignes"] = _form_lines(request)
    post = request.POST.get("action") == "valider"
    errors: dict[str, str] = {}
    if post and Permission.POST not in ROLE_PERMISSIONS[company.role]:
        errors["formulaire"] = "Votre rôle permet de saisir des brouillons, pas de valider."
    places = exponent(company.currency)
    drafts = []
    for index, line in enumerate(values["lignes"]):
        amounts = []
        for side in ("debit", "credit"):
            try:
                amounts.append(from_minor(minor_from_text(line[side], places), company.currency))
            except ValueError as exc:
                errors[f"lignes[{index}].{side}"] = str(exc).capitalize() + "."
                amounts.append(Decimal(0))
        drafts.append(
            rules.LineDraft(
                line["compte"],
                line["libelle_ligne"] or values["libelle"],
                amounts[0],
                amounts[1],
                line["tiers"] or None,
            )
        )
    day = None
    try:
        day = _day(values["date"])
    except InvalidInput as exc:
        errors["date"] = exc.message
    if not values["lignes"]:
        errors["lignes"] = "Saisissez au moins deux lignes."
    if not errors and day is not None:
        draft = rules.EntryDraft(
            values["journal"].upper(), day, values["libelle"], values["piece"] or None, tuple(drafts)
        )
        try:  # a refusal answers 422: the transaction's commit is vetoed, nothing written
            made = posting.create_entry(
                request.db, company, draft, request.wisebook_identity.user_id, post=post
            )
        except LedgerError as exc:
            for err in exc.errors:
                errors[{"date_comptable": "date", "libelle": "libelle"}.get(err.field, err.field)] = (
                    err.message
                )
            errors.setdefault("formulaire", exc.message)
        else:
            return HTTPSeeOther(request.route_url("entry_page", id=made.id))
    errors.setdefault("formulaire", "L'écriture n'est pas enregistrée : corrigez les champs signalés.")
    return _render(request, "saisie.html", _form_context(request, values, errors), status=422)


def includeme(config: Any) -> None:
    """Reading for members, typing for those who enter drafts, reversing for those who post."""
    config.add_view(entries_list, route_name="entries_page", request_method="GET", permission=Permission.READ)
    config.add_view(entry_page, route_name="entry_page", request_method="GET", permission=Permission.READ)
    config.add_view(
        reverse, route_name="entry_page_reverse", request_method="POST", permission=Permission.POST
    )
    config.add_view(
        new_entry, route_name="entry_page_new", request_method=("GET", "POST"), permission=Permission.DRAFT
    )
