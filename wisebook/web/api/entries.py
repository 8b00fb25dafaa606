"""Entries: list, create (draft or posted), read, post, reverse, delete a draft."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger import entries as rules
from wisebook.ledger.money import parse_amount, to_minor
from wisebook.ledger.periods import parse_date
from wisebook.services.access.permissions import Permission
from wisebook.services.entries import browse, posting
from wisebook.web.api import idempotent, json_body, json_response, presenters, query_date, query_int
from wisebook.web.problems import problem


def _present(request: Request, entry: posting.EntryRecord, status: int = 200) -> Response:
    """One entry as JSON, from what is already loaded (no query while posting locks are held)."""
    return json_response(presenters.entry(entry, request.company.currency), status=status)


def _amount(request: Request) -> int | None:
    """The ``montant`` searched, in minor units (an amount as the API writes them)."""
    text = request.params.get("montant")
    if not text:
        return None
    currency = request.company.currency
    return to_minor(parse_amount(text, currency, "montant"), currency)


def list_entries(request: Request) -> dict[str, Any]:
    """A page of entries, filtered by journal, dates, account and status."""
    filters = browse.EntryFilter(
        journal=request.params.get("journal") or None,
        start=query_date(request, "du"),
        end=query_date(request, "au"),
        account=request.params.get("compte") or None,
        status=request.params.get("statut") or None,
        text=request.params.get("q") or None,
        amount=_amount(request),
    )
    rows, following = browse.list_entries(
        request.db,
        request.company.id,
        filters,
        query_int(request, "limite", 100) or 0,
        request.params.get("apres"),
    )
    currency = request.company.currency
    return {"resultats": [presenters.entry(e, currency) for e in rows], "suivant": following}


def parse_draft(data: Mapping[str, Any], currency: str) -> rules.EntryDraft:
    """An ``EntryDraft`` from the API's validated JSON (amounts parsed exactly): the French
    keys stop here, the services take the draft."""
    day = parse_date(data["date_comptable"], "date_comptable")
    reference = data.get("piece")
    return rules.EntryDraft(
        journal=str(data["journal"]).strip().upper(),
        date=day,
        label=str(data["libelle"]).strip(),
        reference=str(reference).strip() if reference else None,
        lines=rules.parse_lines(data["lignes"], currency),
    )


@idempotent
def create_entry(request: Request) -> Response:
    """Save a draft, or post at once with ``"valider": true`` (needs the posting permission)."""
    data = json_body(request, "EcritureSaisie")
    post = bool(data.get("valider", False))
    if post and Permission.POST not in request.company.permissions:
        return problem(403, "Votre rôle permet de saisir des brouillons, pas de valider.")
    draft = parse_draft(data, request.company.currency)
    entry = posting.create_entry(
        request.db, request.company, draft, request.wisebook_identity.user_id, post=post
    )
    return _present(request, entry, status=201)


def get_entry(request: Request) -> Response:
    """One entry with its lines."""
    return _present(request, posting.get_entry(request.db, request.company.id, int(request.matchdict["id"])))


def post_entry(request: Request) -> Response:
    """Post a draft: it gets its number."""
    entry = posting.post_draft(
        request.db, request.company, int(request.matchdict["id"]), request.wisebook_identity.user_id
    )
    return _present(request, entry)


@idempotent
def reverse_entry(request: Request) -> Response:
    """Post the reversal of a posted entry (optionally at another date)."""
    data = json_body(request, "Extourne", optional=True)
    day = parse_date(data["date_comptable"], "date_comptable") if data.get("date_comptable") else None
    reversal = posting.reverse_entry(
        request.db,
        request.company,
        int(request.matchdict["id"]),
        request.wisebook_identity.user_id,
        day,
        data.get("libelle"),
    )
    return _present(request, reversal, status=201)


def delete_entry(request: Request) -> Response:
    """Delete a draft; a posted entry answers 409."""
    posting.delete_draft(request.db, request.company.id, int(request.matchdict["id"]))
    return Response(status=204)


def includeme(config: Any) -> None:
    """Reading needs READ, drafts DRAFT, posting and reversal POST."""
    config.add_view(
        list_entries, route_name="entries", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(create_entry, route_name="entries", request_method="POST", permission=Permission.DRAFT)
    config.add_view(get_entry, route_name="entry", request_method="GET", permission=Permission.READ)
    config.add_view(delete_entry, route_name="entry", request_method="DELETE", permission=Permission.DRAFT)
    config.add_view(post_entry, route_name="entry_post", request_method="POST", permission=Permission.POST)
    config.add_view(
        reverse_entry, route_name="entry_reverse", request_method="POST", permission=Permission.POST
    )
