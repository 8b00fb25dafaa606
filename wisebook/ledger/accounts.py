"""SYSCOHADA chart rules: account numbers, classes, natures, which accounts take entries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.text import is_digits

#: Longest account number accepted (official numbers have 1 to 5 digits; sub-accounts more).
MAX_CODE_LENGTH = 12

CLASS_LABELS = {
    1: "Comptes de ressources durables",
    2: "Comptes d'actif immobilisé",
    3: "Comptes de stocks",
    4: "Comptes de tiers",
    5: "Comptes de trésorerie",
    6: "Comptes de charges des activités ordinaires",
    7: "Comptes de produits des activités ordinaires",
    8: "Comptes des autres charges et des autres produits",
    9: "Comptes des engagements hors bilan et comptabilité analytique",
}

NATURES = (
    "capitaux",
    "immobilisations",
    "stocks",
    "tiers",
    "tresorerie",
    "charges",
    "produits",
    "hao",
    "hors_bilan",
)


@dataclass(frozen=True)
class Account:
    """An account of a company's chart, as the ledger needs it to validate an entry."""

    code: str
    label: str
    postable: bool
    lettrable: bool = False


def account_class(code: str) -> int:
    """The SYSCOHADA class of an account number (its first digit)."""
    return int(code[0])


def check_code(code: str, field: str = "compte") -> str:
    """Validate the form of an account number: digits only, class 1 to 9, bounded length."""
    if not isinstance(code, str) or not is_digits(code):
        raise InvalidInput("Le numéro de compte ne contient que des chiffres.", field=field)
    if not 1 <= len(code) <= MAX_CODE_LENGTH:
        raise InvalidInput(f"Le numéro de compte a de 1 à {MAX_CODE_LENGTH} chiffres.", field=field)
    if code[0] == "0":
        raise InvalidInput("La classe d'un compte va de 1 à 9.", field=field)
    return code


def is_class_level(code: str) -> bool:
    """Class (1 digit) and main (2 digit) accounts are headings, never posted to."""
    return len(code) <= 2


def parent_code(code: str, existing: Iterable[str]) -> str | None:
    """The nearest existing ancestor of ``code`` (the longest existing prefix), if any."""
    known = set(existing)
    for end in range(len(code) - 1, 0, -1):
        if code[:end] in known:
            return code[:end]
    return None


def postable_codes(codes: Iterable[str]) -> set[str]:
    """Accounts that take entries: the leaves of the tree that are not class-level headings."""
    all_codes = sorted(set(codes))
    has_child: set[str] = set()
    for code in all_codes:
        for end in range(1, len(code)):
            has_child.add(code[:end])
    return {c for c in all_codes if c not in has_child and not is_class_level(c)}


def check_new_sub_account(code: str, existing: Iterable[str]) -> str:
    """Validate a sub-account to add; returns the parent it will sit under."""
    check_code(code, field="numero")
    known = set(existing)
    if code in known:
        raise InvalidInput(f"Le compte {code} existe déjà.", field="numero")
    parent = parent_code(code, known)
    if parent is None or len(code) <= 2:
        raise InvalidInput(
            "Un sous-compte se crée sous un compte existant d'au moins 2 chiffres.",
            field="numero",
        )
    return parent


def parse_account_range(text: str, field: str = "comptes") -> tuple[str, str]:
    """``"401-411"`` (or one account, ``"4111"``) → the range's two ends; else InvalidInput.

    An account is in the range when its number, cut to each end's length, falls between them:
    ``40-41`` takes every account of 40 and 41, ``4111`` takes 4111 and its sub-accounts.
    """
    parts = [p.strip() for p in text.split("-")]
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or not all(is_digits(p) and 1 <= len(p) <= 12 for p in parts):
        raise InvalidInput(
            f"Plage de comptes invalide : {text!r}. Écrivez un compte (4111) ou une plage (401-411).",
            field=field,
        )
    low, high = parts
    if low[: len(high)] > high[: len(low)]:
        raise InvalidInput(f"Plage de comptes à l'envers : {low} vient après {high}.", field=field)
    return low, high


def in_range(code: str, low: str, high: str) -> bool:
    """Whether ``code`` lies in the range [low, high] as ``parse_account_range`` reads it."""
    return code[: len(low)] >= low and code[: len(high)] <= high
