"""Users in the browser: the administrators' page of the company's members (invite, change a
role, remove), and the pages the mails link to (accept an invitation, reset a password).
Every refusal is said next to its field, what was typed kept, nothing written."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput, LedgerError
from wisebook.ledger.text import is_digits
from wisebook.services.access import auth, invitations, members, users
from wisebook.services.access.login import RESET_PURPOSE
from wisebook.services.access.permissions import Permission
from wisebook.services.platform import mail
from wisebook.web import sessions
from wisebook.web.i18n import _, translate
from wisebook.web.messages import field_messages, said
from wisebook.web.renderers import page
from wisebook.web.security import csrf_was_refused
from wisebook.web.sessions import send_reset_link

DONE = {"role": _("Rôle modifié."), "retrait": _("Accès retiré.")}
ROLE_LABELS = {
    "admin": _("Administrateur"),
    "comptable": _("Comptable"),
    "assistant": _("Assistant (brouillons)"),
    "lecteur": _("Lecteur"),
    "auditeur": _("Auditeur"),
}


def members_page(request: Request) -> Response:
    """The members and their roles; POSTed: an invitation, a new role, or a removal."""
    company = request.company
    me = request.wisebook_identity.user_id
    values = {"email": "", "role": "comptable"}
    errors: dict[str, str] = {}
    status = 200
    handed: dict[str, str] | None = None  # an invitation's link shown once, when no mail goes
    if request.method == "POST":
        action = str(request.POST.get("action", ""))
        try:
            if action == "inviter":
                values = {name: str(request.POST.get(name, "")).strip() for name in values}
                if values["role"] not in ROLE_LABELS:
                    raise InvalidInput(f"Rôle inconnu : {values['role']}.", field="role")
                sent = invitations.invite_and_mail(
                    request.db,
                    request.tm.get(),
                    request.registry.wisebook_settings,
                    company.id,
                    values["email"],
                    values["role"],
                    request.wisebook_identity.user_id,
                )
                done = {"fait": "invitation", "email": sent.email}
                settings = request.registry.wisebook_settings
                if not settings.email_host:  # nothing is sent: the link is handed over by hand
                    handed = {
                        "email": sent.email,
                        "lien": f"{settings.public_url}/invitation/?jeton={sent.token}",
                    }
            else:
                user_id = _user_id(request)
                if action == "role":
                    members.change_role(
                        request.db, company.id, user_id, str(request.POST.get("role", "")), me
                    )
                    done = {"fait": "role"}
                elif action == "retirer":
                    members.remove_member(request.db, company.id, user_id, me)
                    done = {"fait": "retrait"}
                else:
                    raise InvalidInput("Action inconnue.", field="action")
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        else:
            if handed is None:
                return HTTPSeeOther(request.route_path("members_page", _query=done))
            values = {"email": "", "role": "comptable"}
    listed = members.list_members(request.db, company.id)
    pending = invitations.pending_for(request.db, company.id)
    return page(
        request,
        "utilisateurs.html",
        {
            "membres": listed,
            "invitations": pending,
            "moi": me,
            "roles": [(code, translate(request, label)) for code, label in ROLE_LABELS.items()],
            "valeurs": values,
            "erreurs": errors,
            "lien_invitation": handed,
            "fait": _done_message(request, [email for email, _role, _at in pending])
            if request.method == "GET"
            else "",
        },
        status,
    )


def own_password_page(request: Request) -> Response:
    """One's own password changed: the current one, the new one twice. Every other session and
    token of the user ends; this browser signs in again with the new password."""
    if csrf_was_refused(request):  # a POST from the session without its token: not ours
        raise HTTPForbidden()
    identity = request.wisebook_identity
    if identity is None or identity.api_key_id is not None:  # signed in, with a password
        return HTTPSeeOther(request.route_path("login_page", _query={"suite": request.path}))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        current = str(request.POST.get("ancien", ""))
        new = str(request.POST.get("nouveau", ""))
        if new != str(request.POST.get("confirmation", "")):
            errors["confirmation"] = translate(request, "Les deux saisies du nouveau mot de passe diffèrent.")
            status = 422
        else:
            user = request.db.get(models.User, identity.user_id)
            try:
                users.change_password(request.db, user, current, new)
            except LedgerError as exc:
                errors = field_messages(
                    request, exc, {"ancien": "ancien", "nouveau": "nouveau", "password": "nouveau"}
                )
                status = exc.status
            else:
                auth.revoke_all(request.db, user.id)
                target = request.route_path("login_page", _query={"fait": "mot_de_passe"})
                return sessions.forget(HTTPSeeOther(target))
        errors.setdefault(
            "formulaire",
            translate(request, "Le mot de passe n'est pas changé : corrigez les champs signalés."),
        )
    return page(request, "mon_mot_de_passe.html", {"erreurs": errors}, status)


def _done_message(request: Request, invited: list[str]) -> str:
    """What the last action did, from the code its redirect carries (never text from the
    address: a crafted link shows nothing); an invitation names a pending invitation."""
    done = request.params.get("fait")
    if done == "invitation":
        email = request.params.get("email", "")
        known = email in invited
        return translate(request, "Invitation envoyée à ${email}.", email=email) if known else ""
    return translate(request, DONE[done]) if done in DONE else ""


def _user_id(request: Request) -> int:
    raw = str(request.POST.get("utilisateur", ""))
    if not is_digits(raw) or len(raw) > 12:
        raise InvalidInput("Utilisateur inconnu.", field="utilisateur")
    return int(raw)


def _password_pair(request: Request, errors: dict[str, str]) -> str:
    """The new password typed twice; a mismatch is said next to the confirmation."""
    password = str(request.POST.get("mot_de_passe", ""))
    if password != str(request.POST.get("confirmation", "")):
        errors["confirmation"] = translate(request, "Les deux mots de passe diffèrent.")
    return password


def _token_user(request: Request, purpose: str, token: str) -> models.User | None:
    """The user a mailed link is for, or None when it is invalid, used or expired."""
    try:
        return mail.read_link_token(request.db, request.registry.wisebook_settings.secret_key, purpose, token)
    except LedgerError:
        return None


def _choose_password(request: Request, purpose: str, kind: str) -> Response:
    """The page a mailed link opens: the new password typed twice, then the login page."""
    token = str(request.params.get("jeton", ""))[:500]
    user = _token_user(request, purpose, token)
    errors: dict[str, str] = {}
    if user is None or not user.is_active:
        errors["formulaire"] = translate(
            request, "Lien invalide, déjà utilisé ou expiré : demandez-en un autre."
        )
        return page(request, "mot_de_passe.html", {"sorte": kind, "jeton": "", "erreurs": errors}, 400)
    if request.method == "POST":
        password = _password_pair(request, errors)
        if not errors:
            try:
                users.set_password(request.db, user, password)
            except LedgerError as exc:
                errors = field_messages(request, exc)
                errors["mot_de_passe"] = errors["formulaire"]
            else:
                auth.revoke_all(request.db, user.id)
                return HTTPSeeOther(request.route_path("login_page", _query={"accueil": "1"}))
    context = {"sorte": kind, "jeton": token, "email": user.email, "erreurs": errors}
    return page(request, "mot_de_passe.html", context, 422 if errors else 200)


def invitation_page(request: Request) -> Response:
    """Accept an invitation: a new account chooses its password (typed twice), an existing
    one types its own; then the login page."""
    token = str(request.params.get("jeton", ""))[:500]
    errors: dict[str, str] = {}
    try:
        pending = invitations.read(request.db, token)
    except LedgerError:
        errors["formulaire"] = translate(request, invitations.INVALID)
        return page(
            request, "mot_de_passe.html", {"sorte": "invitation", "jeton": "", "erreurs": errors}, 400
        )
    if request.method == "POST":
        password = str(request.POST.get("mot_de_passe", ""))
        if not pending.has_account:
            _password_pair(request, errors)
        if not errors:
            try:
                invitations.accept(request.db, token, password)
            except LedgerError as exc:
                errors = field_messages(request, exc)
                errors["mot_de_passe"] = errors["formulaire"]
            else:
                return HTTPSeeOther(request.route_path("login_page", _query={"accueil": "1"}))
    context = {
        "sorte": "invitation",
        "jeton": token,
        "email": pending.email,
        "societe": pending.company_name,
        "compte_existant": pending.has_account,
        "erreurs": errors,
    }
    return page(request, "mot_de_passe.html", context, 422 if errors else 200)


def reset_page(request: Request) -> Response:
    """Without a link: ask for one by e-mail (the same answer whether the account exists or
    not). With one: choose a new password."""
    if request.params.get("jeton"):
        return _choose_password(request, RESET_PURPOSE, "reinitialisation")
    email = str(request.POST.get("email", "")).strip() if request.method == "POST" else ""
    context: dict[str, Any] = {"email": email, "erreurs": {}}
    if request.method == "POST":
        if not email:
            context["erreurs"]["email"] = translate(request, "Saisissez votre adresse e-mail.")
            return page(request, "reinitialisation.html", context, 422)
        refused = send_reset_link(request, email)
        if refused is not None:
            context["erreurs"]["formulaire"] = said(request, refused.message)
            return page(request, "reinitialisation.html", context, 429)
        context["envoye"] = True
    return page(request, "reinitialisation.html", context)


def administers(request: Request) -> bool:
    """Whether the page's reader administers its company (the navigation's Utilisateurs
    link); False when the request names a company that is not theirs."""
    try:
        return bool(request.has_permission(Permission.ADMIN))
    except LedgerError:
        return False


def may(request: Request, permission: str) -> bool:
    """Whether the page's reader may do ``permission`` in its company (a menu entry or a button
    shown only to who may use it); False when the request names a company that is not theirs."""
    try:
        return bool(request.has_permission(Permission(permission)))
    except (LedgerError, ValueError):
        return False


def includeme(config: Any) -> None:
    """The members' page for administrators; the mailed links' pages are public (the signed
    link is the proof)."""
    config.add_request_method(administers, "wisebook_administers", reify=True)
    config.add_request_method(may, "wisebook_may")
    config.add_view(own_password_page, route_name="own_password_page", request_method=("GET", "POST"))
    config.add_view(
        members_page, route_name="members_page", request_method=("GET", "POST"), permission=Permission.ADMIN
    )
    config.add_view(invitation_page, route_name="invitation_page", request_method=("GET", "POST"))
    config.add_view(reset_page, route_name="reset_page", request_method=("GET", "POST"))
