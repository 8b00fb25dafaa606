"""The books' settings in the browser: the chart of accounts (by class, searched by number or
label, a sub-account added) and the journals (a journal added). A refused addition comes back
with its message next to the field and what was typed kept; nothing is written."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import LedgerError
from wisebook.services.access.permissions import Permission
from wisebook.services.books import chart, journals
from wisebook.web.i18n import _, translate
from wisebook.web.messages import field_messages, said
from wisebook.web.renderers import page

JOURNAL_KIND_LABELS = {
    "achats": _("Achats"),
    "ventes": _("Ventes"),
    "tresorerie": _("Trésorerie"),
    "divers": _("Opérations diverses"),
    "a_nouveaux": _("À-nouveaux"),
}


def chart_page(request: Request) -> Response:
    """The chart by number, as a tree: one class at a time, or what a search finds. A new
    sub-account whose parent takes entries is asked again: the page says first that the
    parent will become a grouping account."""
    company = request.company
    q = str(request.params.get("q", "")).strip()[:100]
    chosen = str(request.params.get("classe", "")).strip()
    klass = int(chosen) if chosen in tuple("123456789") else (None if q else 1)
    values = {"numero": "", "libelle": ""}
    errors: dict[str, str] = {}
    status = 200
    confirmation = None
    if request.method == "POST":
        values = {name: str(request.POST.get(name, "")).strip() for name in values}
        try:
            parent = chart.sub_account_parent(request.db, company.id, values["numero"])
            if parent.postable and request.POST.get("confirme") != parent.code:  # asked for this parent
                chart.check_label(values["libelle"])
                confirmation = parent
            else:
                made = chart.add_sub_account(request.db, company.id, values["numero"], values["libelle"])
                target = request.route_path("chart_page", _query={"q": parent.code, "ajoute": made.code})
                return HTTPSeeOther(target)
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        q, klass = values["numero"][:2], None
    accounts, _ = chart.list_accounts(request.db, company.id, klass, q or None, limit=None)
    return page(
        request,
        "comptes.html",
        {
            "comptes": [{"a": a, "niveau": min(len(a.code), 8) - 1} for a in accounts],
            "q": q,
            "classe": klass,
            "valeurs": values,
            "erreurs": errors,
            "confirmation": confirmation,
            "ajoute": str(request.params.get("ajoute", "")),
            "retire": str(request.params.get("retire", "")),
            "peut_parametrer": request.has_permission(Permission.CONFIGURE),
        },
        status,
    )


def account_page(request: Request) -> Response:
    """One account: what it is, its label changed, and its removal when nothing holds it."""
    company = request.company
    code = request.matchdict["code"]
    account = chart.get_account(request.db, company.id, code)
    errors: dict[str, str] = {}
    status = 200
    label = account.label
    if request.method == "POST":
        action = str(request.POST.get("action", ""))
        try:
            if action == "supprimer":
                chart.remove_account(request.db, company.id, code)
                return HTTPSeeOther(request.route_path("chart_page", _query={"q": code[:2], "retire": code}))
            label = str(request.POST.get("libelle", "")).strip()
            chart.rename_account(request.db, company.id, code, label)
            return HTTPSeeOther(request.route_path("account_page", code=code, _query={"renomme": "1"}))
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
    return page(
        request,
        "compte.html",
        {
            "compte": account,
            "libelle": label,
            "obstacle": said(request, chart.removal_fault(request.db, account) or ""),
            "erreurs": errors,
            "renomme": request.params.get("renomme") == "1",
            "peut_parametrer": request.has_permission(Permission.CONFIGURE),
        },
        status,
    )


def journals_page(request: Request) -> Response:
    """The journals, and a new one."""
    company = request.company
    values = {"code": "", "libelle": "", "type": "divers"}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {name: str(request.POST.get(name, "")).strip() for name in values}
        try:
            journals.create_journal(request.db, company.id, values["code"], values["libelle"], values["type"])
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        else:
            return HTTPSeeOther(request.route_path("journals_page"))
    return page(
        request,
        "journaux.html",
        {
            "journaux": journals.list_journals(request.db, company.id),
            "types": [
                (k, translate(request, v)) for k, v in JOURNAL_KIND_LABELS.items() if k != "a_nouveaux"
            ],
            "libelles_types": {k: translate(request, v) for k, v in JOURNAL_KIND_LABELS.items()},
            "valeurs": values,
            "erreurs": errors,
            "peut_parametrer": request.has_permission(Permission.CONFIGURE),
        },
        status,
    )


def includeme(config: Any) -> None:
    """Reading for members, adding for those who set up the books."""
    for route, view in (
        ("chart_page", chart_page),
        ("account_page", account_page),
        ("journals_page", journals_page),
    ):
        config.add_view(view, route_name=route, request_method="GET", permission=Permission.READ)
        config.add_view(view, route_name=route, request_method="POST", permission=Permission.CONFIGURE)
