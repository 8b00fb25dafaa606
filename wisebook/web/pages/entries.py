"""Entries in the browser: the list (filters, keyset pages), one entry (its lines, its
reversal), and the entry form typed with the keyboard (``static/saisie.js``; without script
the form still posts). A refused entry comes back with every message next to its field and
everything typed kept; nothing is written."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.ledger import entries as rules
from wisebook.ledger.errors import InvalidInput, LedgerError, NotFound
from wisebook.ledger.money import exponent, from_minor, minor_from_text
from wisebook.ledger.periods import parse_date
from wisebook.services.access.permissions import Permission
from wisebook.services.books import chart, journals
from wisebook.services.entries import browse, posting
from wisebook.services.platform import attachments
from wisebook.services.tax.vat import company_vat
from wisebook.services.tiers import register as tiers_register
from wisebook.web.i18n import _, amount, translate
from wisebook.web.messages import field_messages, said
from wisebook.web.renderers import page

LINE_FIELDS = ("compte", "libelle_ligne", "debit", "credit", "tiers", "taxe", "base")
BLANK_LINES = 4
STATUS_LABELS = {models.DRAFT: _("Brouillon"), models.POSTED: _("Validée")}


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


def _searched_amount(text: str, currency: str) -> int | None:
    """An amount searched as the accountant types it (« 118 000 »), in minor units."""
    if not text:
        return None
    try:
        return minor_from_text(text, exponent(currency))
    except ValueError as exc:
        message = str(exc)
        raise InvalidInput(message[:1].upper() + message[1:] + ".", field="montant") from None


def entries_list(request: Request) -> Response:
    """The entries, filtered and paged (the API's keyset cursor in ``apres``)."""
    company = request.company
    values = {
        name: str(request.params.get(name, "")).strip()[:100]
        for name in ("journal", "statut", "du", "au", "compte", "q", "montant")
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
            text=values["q"] or None,
            amount=_searched_amount(values["montant"], company.currency),
        )
        rows, following = browse.list_entries(
            request.db, company.id, filters, 50, request.params.get("apres")
        )
    except InvalidInput as exc:
        errors = field_messages(request, exc, {"date_comptable": "du"})
    next_query = None
    if following:
        next_query = {k: v for k, v in values.items() if v} | {"apres": following}
    return page(
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
                    "total": amount(request, e.total, company.currency),
                    "statut": e.status,
                    "statut_libelle": translate(request, STATUS_LABELS[e.status]),
                }
                for e in rows
            ],
            "suivante": next_query,
            "journaux": journals.list_journals(request.db, company.id),
        },
        status=422 if errors else 200,
    )


def entry_page(request: Request, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    """One entry, its lines and totals; its reversal for those who post, a draft's change,
    posting and deletion."""
    company = request.company
    found = posting.get_entry(request.db, company.id, int(request.matchdict["id"]))
    named = tiers_register.names_of(request.db, company.id, {ln.partner for ln in found.lines if ln.partner})
    return page(
        request,
        "ecriture.html",
        {
            "e": found,
            "statut_libelle": translate(request, STATUS_LABELS[found.status]),
            "lignes": [
                {
                    "compte": ln.account,
                    "libelle_compte": ln.account_label,
                    "libelle": ln.label,
                    "debit": amount(request, ln.debit, company.currency) if ln.debit else "",
                    "credit": amount(request, ln.credit, company.currency) if ln.credit else "",
                    "tiers": ln.partner or "",
                    "nom_tiers": named.get(ln.partner, "") if ln.partner else "",
                    "taxe": ln.tax or "",
                    "base": amount(request, ln.tax_base, company.currency) if ln.tax_base else "",
                    # a purchase of a fixed asset: its line leads to the register's form
                    "immobilisation": request.route_path(
                        "assets_page", _query={"ecriture": found.id, "ligne": number}, _anchor="titre-ajout"
                    )
                    if found.status == models.POSTED
                    and ln.debit
                    and ln.account.startswith("2")
                    and not ln.account.startswith(("28", "29"))
                    else "",
                }
                for number, ln in enumerate(found.lines, start=1)
            ],
            "total": amount(request, found.total, company.currency),
            "peut_valider": Permission.POST in company.permissions,
            "peut_saisir": Permission.DRAFT in company.permissions,
            "extourne": posting.reversal_of(request.db, company.id, found.id),
            "pieces": attachments.of_entry(request.db, company.id, found.id),
            "erreurs": errors or {},
        },
        status=status,
    )


def reverse(request: Request) -> Response:
    """The reversal asked, never made in one click: its date is chosen (today by default) and
    confirmed on a page of its own; posted, the reversal is shown. An entry reversed already
    goes back to its page, which names its reversal."""
    company = request.company
    found = posting.get_entry(request.db, company.id, int(request.matchdict["id"]))
    done = posting.reversal_of(request.db, company.id, found.id)
    if done is not None or found.status != models.POSTED:
        return HTTPSeeOther(request.route_url("entry_page", id=found.id))
    typed = str(request.POST.get("date", "")).strip() if request.method == "POST" else ""
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            day = _day(typed) if typed else found.entry_date
            made = posting.reverse_entry(
                request.db, company, found.id, request.wisebook_identity.user_id, day=day
            )
        except LedgerError as exc:
            errors = field_messages(request, exc, {"date_comptable": "date"})
        else:
            return HTTPSeeOther(request.route_url("entry_page", id=made.id))
    context = {
        "e": found,
        "date_saisie": typed or dt.date.today().strftime("%d/%m/%Y"),
        "total": amount(request, found.total, company.currency),
        "erreurs": errors,
    }
    return page(request, "extourne.html", context, status=422 if errors else 200)


def attach(request: Request) -> Response:
    """A pièce justificative (PDF or image) added to the entry, from its page."""
    upload = request.POST.get("fichier")
    try:
        if upload is None or not hasattr(upload, "file") or not upload.filename:
            raise InvalidInput("Choisissez le fichier de la pièce.", field="fichier")
        attachments.attach(
            request.db,
            request.registry.wisebook_settings,
            request.company.id,
            int(request.matchdict["id"]),
            upload.filename,
            upload.file,
            request.wisebook_identity.user_id,
        )
    except LedgerError as exc:
        return entry_page(request, field_messages(request, exc), exc.status)
    return HTTPSeeOther(request.route_url("entry_page", id=request.matchdict["id"]) + "#pieces")


def detach(request: Request) -> Response:
    """A pièce taken off a draft (a posted entry keeps its pièces)."""
    entry_id = int(request.matchdict["id"])
    try:
        found = attachments.get(request.db, request.company.id, int(request.matchdict["piece"]))
        if found.entry_id != entry_id:
            raise NotFound("Pièce introuvable.")
        attachments.remove(request.db, request.company.id, found.id)
    except LedgerError as exc:
        return entry_page(request, field_messages(request, exc), exc.status)
    return HTTPSeeOther(request.route_url("entry_page", id=entry_id) + "#pieces")


def post_draft(request: Request) -> Response:
    """Post a draft from its page: a refusal is said on the page, nothing written."""
    company = request.company
    entry_id = int(request.matchdict["id"])
    try:
        posting.post_draft(request.db, company, entry_id, request.wisebook_identity.user_id)
    except LedgerError as exc:
        return entry_page(request, field_messages(request, exc), exc.status)
    return HTTPSeeOther(request.route_url("entry_page", id=entry_id))


def delete_draft(request: Request) -> Response:
    """Delete a draft from its page, then go back to the list."""
    try:
        posting.delete_draft(request.db, request.company.id, int(request.matchdict["id"]))
    except LedgerError as exc:
        return entry_page(request, field_messages(request, exc), exc.status)
    return HTTPSeeOther(request.route_url("entries_page", _query={"statut": models.DRAFT}))


def _form_lines(request: Request) -> list[dict[str, str]]:
    columns = {name: request.POST.getall(name) for name in LINE_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    lines = [
        {name: str(columns[name][i]).strip() if i < len(columns[name]) else "" for name in LINE_FIELDS}
        for i in range(count)
    ]
    return [ln for ln in lines if any(ln.values())]


def _form_context(
    request: Request, values: dict[str, Any], errors: dict[str, str], editing: int | None = None
) -> dict[str, Any]:
    company = request.company
    lines = list(values["lignes"])
    lines += [dict.fromkeys(LINE_FIELDS, "") for _ in range(max(BLANK_LINES - len(lines), 1))]
    named = {str(ln["tiers"]) for ln in lines if ln.get("tiers")}
    vat = company_vat(request.db, company.id)
    return {
        "taxes": [
            {"code": t.code, "taux": int(t.rate * 100), "libelle": translate(request, t.label)}
            for t in (vat.taxes.values() if vat is not None else ())
        ],
        "valeurs": values | {"lignes": lines},
        "noms_tiers": tiers_register.names_of(request.db, company.id, named),
        "erreurs": errors,
        "journaux": journals.list_journals(request.db, company.id),
        "peut_valider": Permission.POST in company.permissions,
        "decimales": exponent(company.currency),
        "modifiee": editing,
    }


def _typed(units: int, currency: str) -> str:
    """An amount as the form shows it for retyping: no grouping, a decimal comma, blank for 0."""
    return str(from_minor(units, currency)).replace(".", ",") if units else ""


def _draft_values(found: posting.EntryRecord, currency: str) -> dict[str, Any]:
    """A saved draft as the form's values."""
    return {
        "journal": found.journal,
        "date": found.entry_date.strftime("%d/%m/%Y"),
        "piece": found.reference or "",
        "libelle": found.label,
        "lignes": [
            {
                "compte": ln.account,
                "libelle_ligne": "" if ln.label == found.label else ln.label,
                "debit": _typed(ln.debit, currency),
                "credit": _typed(ln.credit, currency),
                "tiers": ln.partner or "",
                "taxe": ln.tax or "",
                "base": _typed(ln.tax_base, currency) if ln.tax_base else "",
            }
            for ln in found.lines
        ],
    }


def entry_form(request: Request) -> Response:
    """The entry form, new or a draft's; POSTed: saved as a draft or posted (Ctrl+Entrée), or
    sent back with its messages. A posted entry has no form: it is reversed, never changed."""
    company = request.company
    editing = int(request.matchdict["id"]) if "id" in request.matchdict else None
    if editing is not None:
        found = posting.get_entry(request.db, company.id, editing)
        if found.status == models.POSTED:
            return HTTPSeeOther(request.route_url("entry_page", id=found.id))
    if request.method == "GET":
        if editing is not None:
            return page(
                request,
                "saisie.html",
                _form_context(request, _draft_values(found, company.currency), {}, editing),
            )
        # After an entry is saved the form comes back blank, its journal and date kept (Sage's pace)
        values: dict[str, Any] = {
            "journal": str(request.params.get("journal", ""))[:8],
            "date": str(request.params.get("date", ""))[:10] or dt.date.today().strftime("%d/%m/%Y"),
            "piece": "",
            "libelle": "",
            "lignes": [],
        }
        return page(request, "saisie.html", _form_context(request, values, {}) | {"faite": _saved(request)})
    values = {
        name: str(request.POST.get(name, "")).strip() for name in ("journal", "date", "piece", "libelle")
    }
    values["lignes"] = _form_lines(request)
    post = request.POST.get("action") == "valider"
    errors: dict[str, str] = {}
    if post and Permission.POST not in company.permissions:
        errors["formulaire"] = translate(
            request, "Votre rôle permet de saisir des brouillons, pas de valider."
        )
    places = exponent(company.currency)
    drafts = []
    for index, line in enumerate(values["lignes"]):
        amounts = []
        for side in ("debit", "credit", "base"):
            try:
                amounts.append(from_minor(minor_from_text(line[side], places), company.currency))
            except ValueError as exc:
                text = str(exc)
                errors[f"lignes[{index}].{side}"] = said(request, text[:1].upper() + text[1:] + ".")
                amounts.append(Decimal(0))
        drafts.append(
            rules.LineDraft(
                line["compte"],
                line["libelle_ligne"] or values["libelle"],
                amounts[0],
                amounts[1],
                line["tiers"] or None,
                line["taxe"].upper() or None,
                amounts[2] if line["base"] else None,
            )
        )
    day = None
    try:
        day = _day(values["date"])
    except InvalidInput as exc:
        errors["date"] = said(request, exc.message)
    if not values["lignes"]:
        errors["lignes"] = translate(request, "Saisissez au moins deux lignes.")
    draft = rules.EntryDraft(
        values["journal"].upper(),
        day or dt.date.today(),
        values["libelle"],
        values["piece"] or None,
        tuple(drafts),
    )
    user = request.wisebook_identity.user_id
    warnings: dict[str, str] = {}
    confirm = ""
    try:  # a refusal answers 422: the transaction's commit is vetoed, nothing written
        if errors:  # what the form could not read is said; the ledger's faults with it, at once
            posting.check_entry(request.db, company, draft, post=post)
        else:
            shortfalls = posting.cash_shortfalls(request.db, company, draft) if post else []
            confirm = ";".join(f"{f.account}:{f.balance}" for f in shortfalls)
            if confirm and request.POST.get("confirme_caisse") != confirm:
                warnings = _cash_warnings(request, shortfalls, day)
            else:
                made = (
                    posting.update_draft(request.db, company, editing, draft, user, post=post)
                    if editing is not None
                    else posting.create_entry(request.db, company, draft, user, post=post)
                )
                if editing is not None:
                    return HTTPSeeOther(request.route_url("entry_page", id=made.id))
                kept = {"journal": made.journal, "date": values["date"], "fait": made.id}
                return HTTPSeeOther(request.route_url("entry_page_new", _query=kept))
    except LedgerError as exc:
        errors = _unread_kept(field_messages(request, exc, {"date_comptable": "date"}), errors)
    if warnings:  # asked, not refused: nothing written until the accountant confirms
        context = _form_context(request, values, {}, editing) | {"avertissements": warnings}
        return page(request, "saisie.html", context | {"confirme_caisse": confirm}, status=200)
    errors.setdefault(
        "formulaire", translate(request, "L'écriture n'est pas enregistrée : corrigez les champs signalés.")
    )
    return page(request, "saisie.html", _form_context(request, values, errors, editing), status=422)


def _saved(request: Request) -> posting.EntryRecord | None:
    """The entry just saved from the form (``fait``), to name it above the blank form."""
    found = str(request.params.get("fait", ""))
    if not found.isdigit() or len(found) > 18:
        return None
    try:
        return posting.get_entry(request.db, request.company.id, int(found))
    except LedgerError:
        return None


def _unread_kept(ledger: dict[str, str], unread: dict[str, str]) -> dict[str, str]:
    """The ledger's faults with the form's own: where an amount or the date could not be read,
    its message stands, and the faults that follow from reading it as nothing are dropped (a
    zero amount on that line, the entry's balance, the date's period)."""
    if not unread:
        return ledger
    lines = {key.split(".")[0] for key in unread if key.startswith("lignes[")}
    dropped = {key for key in ledger if key.split(".")[0] in lines and not key.endswith(".compte")}
    if lines:
        dropped.add("lignes")
    if "date" in unread:
        dropped.add("date")
    kept = {key: message for key, message in ledger.items() if key not in dropped and key != "formulaire"}
    return kept | unread


def _cash_warnings(
    request: Request, shortfalls: list[posting.Shortfall], day: dt.date | None
) -> dict[str, str]:
    """Next to each cash line that empties the till: what the balance would be, and when."""
    currency = request.company.currency
    return {
        f"lignes[{f.line}].compte": translate(
            request,
            "La caisse ${compte} serait créditrice de ${solde} au ${date} : plus de sorties que "
            "d'espèces en caisse. Vérifiez, ou confirmez.",
            compte=f.account,
            solde=amount(request, -f.balance, currency),
            date=day.strftime("%d/%m/%Y") if day else "",
        )
        for f in shortfalls
    }


def form_accounts(request: Request) -> Response:
    """The entry form's account list — ``[[number, label, lettrable], …]`` of the postable
    accounts — for its datalist, which the form's script fills. Its ETag is the chart's version,
    read with the caller's credential: a browser that has the list revalidates it (304) without
    the chart being read, and a change of the chart (chart_changed) makes a new one."""
    company = request.company
    response = Response(content_type="application/json", charset="utf-8")
    response.etag = f"{company.id}.{company.chart_version}"
    response.cache_control = "private, no-cache"  # kept by this browser, asked again each time
    if response.etag in request.if_none_match:
        response.status_int = 304
        return response
    accounts = chart.postable_accounts(request.db, company.id)
    response.text = json.dumps({"comptes": accounts}, ensure_ascii=False, separators=(",", ":"))
    return response


#: The tiers the entry form proposes as one types.
PARTNER_SUGGESTIONS = 8


def form_partners(request: Request) -> Response:
    """The entry form's tiers suggestions: ``{"tiers": [[code, name, account], …]}``, the
    active tiers whose code, name or identifiers hold the words of ``q`` (accents and capitals
    ignored) and that a line on ``compte`` may name."""
    found, _following = tiers_register.list_partners(
        request.db,
        request.company.id,
        q=str(request.params.get("q", ""))[:100],
        limit=PARTNER_SUGGESTIONS,
        account=str(request.params.get("compte", ""))[:12] or None,
    )
    accounts = tiers_register.account_codes(request.db, [p.account_id for p in found])
    response = Response(content_type="application/json", charset="utf-8")
    response.cache_control = "private, no-store"
    response.text = json.dumps(
        {"tiers": [[p.code, p.name, accounts.get(p.account_id, "")] for p in found]},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return response


def includeme(config: Any) -> None:
    """Reading for members, typing for those who enter drafts, reversing for those who post."""
    config.add_view(
        form_partners,
        route_name="entry_page_partners",
        request_method="GET",
        permission=Permission.READ,
        transaction=False,
    )
    config.add_view(
        form_accounts,
        route_name="entry_page_accounts",
        request_method="GET",
        permission=Permission.READ,
        transaction=False,
    )
    config.add_view(entries_list, route_name="entries_page", request_method="GET", permission=Permission.READ)
    config.add_view(entry_page, route_name="entry_page", request_method="GET", permission=Permission.READ)
    config.add_view(
        reverse, route_name="entry_page_reverse", request_method=("GET", "POST"), permission=Permission.POST
    )
    for route in ("entry_page_new", "entry_page_edit"):
        config.add_view(
            entry_form, route_name=route, request_method=("GET", "POST"), permission=Permission.DRAFT
        )
    config.add_view(
        post_draft, route_name="entry_page_post", request_method="POST", permission=Permission.POST
    )
    config.add_view(
        delete_draft, route_name="entry_page_delete", request_method="POST", permission=Permission.DRAFT
    )
    for route, view in (("entry_page_attach", attach), ("entry_page_detach", detach)):
        config.add_view(view, route_name=route, request_method="POST", permission=Permission.DRAFT)
