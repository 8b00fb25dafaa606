"""Hash chain of posted entries: any change after the fact breaks it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainLine:
    """What of a line is sealed: account, label, amounts in minor units, tiers, and its tax
    code with its base when it has one (a line without stays sealed as it always was)."""

    account: str
    label: str
    debit: int
    credit: int
    partner: str | None = None
    tax: str | None = None
    base: int | None = None


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
    """A stable byte form of an entry: sorted-key compact JSON in UTF-8.

    Written out by hand, key by key in sorted order, each string escaped by the json module's
    own encoder: the bytes of ``json.dumps(body, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` (a test holds them equal), at a third of its cost, which counts when
    an import seals a million lines."""
    lines = ",".join(
        f"[{_str(ln.account)},{_str(ln.label)},{int(ln.debit)},{int(ln.credit)},{_opt(ln.partner)}"
        + ("]" if ln.tax is None else f",{_str(ln.tax)},{_int(ln.base)}]")
        for ln in entry.lines
    )
    return (
        f'{{"date":{_str(entry.date)},"devise":{_str(entry.currency)},"extourne_de":{_opt(entry.reversal_of)},'
        f'"journal":{_str(entry.journal)},"libelle":{_str(entry.label)},"lignes":[{lines}],'
        f'"numero":{_str(entry.number)},"piece":{_opt(entry.reference)},"societe":{int(entry.company_id)}}}'
    ).encode()


_str = json.encoder.encode_basestring


def _int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _opt(value: str | None) -> str:
    return "null" if value is None else _str(value)


def link(previous_hash: str, entry: ChainEntry) -> str:
    """The hash of ``entry`` chained after ``previous_hash``."""
    return hashlib.sha256(previous_hash.encode("ascii") + canonical(entry)).hexdigest()
