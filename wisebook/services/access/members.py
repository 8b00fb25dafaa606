"""Memberships: who works in a company, with which role; a company always keeps an administrator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound


def add_member(session: Session, company_id: int, user_id: int, role: str) -> None:
    """Give ``user_id`` a role in a company (or change it)."""
    if role not in models.ROLES:
        raise InvalidInput(f"Rôle inconnu : {role}.", field="role")
    membership = session.get(models.Membership, (user_id, company_id))
    if membership is None:
        session.add(models.Membership(user_id=user_id, company_id=company_id, role=role))
    else:
        membership.role = role
    session.flush()


@dataclass(frozen=True)
class Member:
    """A user's access to a company."""

    user_id: int
    email: str
    role: str
    active: bool


def list_members(session: Session, company_id: int) -> list[Member]:
    """The company's members, by e-mail."""
    rows = session.execute(
        select(models.User.id, models.User.email, models.Membership.role, models.User.is_active)
        .join(models.Membership, models.Membership.user_id == models.User.id)
        .where(models.Membership.company_id == company_id)
        .order_by(models.User.email)
    )
    return [Member(*row) for row in rows]


def _membership(session: Session, company_id: int, user_id: int) -> models.Membership:
    found = session.get(models.Membership, (user_id, company_id), with_for_update=True)
    if found is None:
        raise NotFound("Utilisateur inconnu dans cette société.", field="utilisateur")
    return found


def _keeps_an_admin(session: Session, company_id: int, leaving: models.Membership) -> None:
    """Refuse what would leave the company without an administrator."""
    if leaving.role != "admin":
        return
    others = session.scalar(
        select(func.count())
        .select_from(models.Membership)
        .where(
            models.Membership.company_id == company_id,
            models.Membership.role == "admin",
            models.Membership.user_id != leaving.user_id,
        )
    )
    if not others:
        raise Conflict("La société garde au moins un administrateur.", field="role")


def change_role(session: Session, company_id: int, user_id: int, role: str, by_user_id: int) -> None:
    """A member's new role; one's own stays (another administrator changes it)."""
    if role not in models.ROLES:
        raise InvalidInput(f"Rôle inconnu : {role}.", field="role")
    membership = _membership(session, company_id, user_id)
    if user_id == by_user_id and role != membership.role:
        raise Conflict("Votre propre rôle se change par un autre administrateur.", field="role")
    if role != "admin":
        _keeps_an_admin(session, company_id, membership)
    membership.role = role
    session.flush()


def remove_member(session: Session, company_id: int, user_id: int, by_user_id: int) -> None:
    """Take a member's access to the company away (the user and their writes stay)."""
    if user_id == by_user_id:
        raise Conflict("Vous ne pouvez pas retirer votre propre accès.", field="utilisateur")
    membership = _membership(session, company_id, user_id)
    _keeps_an_admin(session, company_id, membership)
    session.delete(membership)
    session.flush()
