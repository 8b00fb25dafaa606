"""Errors the ledger raises: a French message, the offending field, an HTTP-like status."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field (``champ`` is a dotted path such as ``lignes[0].debit``)."""

    field: str
    message: str


class LedgerError(Exception):
    """Base of every rule violation; ``status`` tells the web layer how to answer."""

    status = 422
    title = "Règle comptable non respectée"
    code = "regle-comptable"

    def __init__(self, message: str, field: str | None = None, errors: list[FieldError] | None = None):
        super().__init__(message)
        self.message = message
        self.errors: list[FieldError] = list(errors or [])
        if field is not None and not self.errors:
            self.errors.append(FieldError(field, message))


class InvalidInput(LedgerError):
    """The input breaks a validation rule (422)."""

    title = "Données invalides"
    code = "donnees-invalides"


class NotFound(LedgerError):
    """The thing asked for does not exist, or is not visible to the user (404)."""

    status = 404
    title = "Introuvable"
    code = "introuvable"


class Conflict(LedgerError):
    """The request conflicts with the state of the books, e.g. a posted entry (409)."""

    status = 409
    title = "Conflit"
    code = "conflit"


def collect(errors: list[FieldError], message: str) -> None:
    """Raise ``InvalidInput`` carrying every collected field error, if there is any."""
    if errors:
        raise InvalidInput(message, errors=errors)
