"""Hash chain of posted entries: any change after the fact breaks it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainLine:
    """What of a line is sealed: account, label, amounts in minor units, tiers."""

    account: str
    label: str
    debit: int
    credit: int
    partner: str | None = None


@dataclass(frozen=True)
class ChainEntry:
    """What of a posted entry is sealed by the chain."""

    company_id: int
    journal: str
    number: str
    date: str
    label: str
    reference: str | None
    currency: str
    lines: Sequence[ChainLine]
    reversal_of: str | None = None


def canonical(entry: ChainEntry) -> bytes:
    """A stable byte form of an entry: sorted-key compact JSON in UTF-8."""
    body = {
        "societe": entry.company_id,
        "journal": entry.journal,
        "numero": entry.number,
        "date": entry.date,
        "libelle": entry.label,
        "piece": entry.reference,
        "devise": entry.currency,
        "extourne_de": entry.reversal_of,
        "lignes": [[ln.account, ln.label, ln.debit, ln.credit, ln.partner] for ln in entry.lines],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(previous_hash: str, entry: ChainEntry) -> str:
    """The hash of ``entry`` chained after ``previous_hash``."""
    return hashlib.sha256(previous_hash.encode("ascii") + canonical(entry)).hexdigest()
