"""VAT: a country's tax codes and return, the rule of a taxed line, the return's boxes and the
settlement that clears the month's VAT accounts.

A taxable code (rate above zero) sits on the VAT line itself — 443x collected, 445x
deductible — with the taxable base it was computed on; a zero-rate code (export, exempt, not
taxable) sits on the sales or purchase line, whose amount is its base. The return is read from
those lines; the books' movements on 443x and 445x check it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import grouped

TAXABLE = "taxable"
ZERO_RATED_KINDS = ("export", "exempt", "outside")
KINDS = (TAXABLE, *ZERO_RATED_KINDS)

#: The chart's VAT accounts (SYSCOHADA révisé): collected, deductible (4451 on fixed assets,
#: 4454 on services), the State's due and the credit carried.
COLLECTED = "443"
DEDUCTIBLE = "445"
DEDUCTIBLE_FIXED_ASSETS = "4451"
DEDUCTIBLE_SERVICES = "4454"
DUE = "4441"
CREDIT = "4449"
#: Accounts whose zero-rated lines are purchases (fixed assets, expenses), not sales.
PURCHASE_CLASSES = ("2", "6")

#: The groups of deductible VAT a return's boxes name.
DEDUCTIBLE_GROUPS = ("immobilisations", "biens", "services", "autres")


@dataclass(frozen=True)
class TaxCode:
    """One tax of a country: its code on a line, its rate in percent, its kind."""

    code: str
    rate: Decimal
    kind: str
    label: str

    @property
    def taxable(self) -> bool:
        return self.rate > 0


@dataclass(frozen=True)
class Box:
    """One box of a return: its code and label, the formulas of its base and its tax.
    ``positive``: the box shows its result when above zero, else zero. ``due``/``credit``:
    the box that says the VAT to pay / the credit to carry."""

    code: str
    label: str
    base: str | None = None
    tax: str | None = None
    positive: bool = False
    total: bool = False
    due: bool = False
    credit: bool = False


@dataclass(frozen=True)
class CountryVat:
    """A country's VAT as the return computes it."""

    country: str
    name: str
    taxes: Mapping[str, TaxCode]
    boxes: tuple[Box, ...]
    sources: tuple[str, ...]
    portal: str | None = None


_TERM = re.compile(
    r"^(base|tva):[A-Z0-9]+$|^(deductible|base_deductible):(immobilisations|biens|services|autres)$"
    r"|^credit_anterieur$|^case:[A-Z0-9]+$"
)


def formula_terms(formula: str) -> list[tuple[int, str]]:
    """A box formula as signed terms: ``"case:05 - case:06"`` → [(1, "case:05"), (-1, "case:06")]."""
    terms: list[tuple[int, str]] = []
    sign = 1
    for word in formula.split():
        if word in ("+", "-"):
            sign = 1 if word == "+" else -1
            continue
        terms.append((sign, word))
        sign = 1
    return terms


def generic_boxes(taxes: Sequence[TaxCode]) -> tuple[Box, ...]:
    """The return of a country whose form is not described: operations by kind and rate, the
    collected VAT, the deductions (fixed assets, other goods and services, the credit carried),
    the VAT to pay or the credit to carry."""
    kinds = {
        "export": "Exportations",
        "exempt": "Opérations exonérées",
        "outside": "Opérations non imposables",
    }
    boxes: list[Box] = []
    operations: list[str] = []
    taxed: list[str] = []
    for number, tax in enumerate(taxes, start=1):
        code = f"A{number}"
        operations.append(f"case:{code}")
        if tax.taxable:
            taxed.append(f"case:{code}")
            boxes.append(
                Box(
                    code,
                    f"Opérations taxables à {percent(tax.rate)} %",
                    f"base:{tax.code}",
                    f"tva:{tax.code}",
                )
            )
        else:
            boxes.append(Box(code, kinds.get(tax.kind, tax.label), f"base:{tax.code}"))
    boxes.append(
        Box(
            "A", "Total des opérations", " + ".join(operations) or None, " + ".join(taxed) or None, total=True
        )
    )
    boxes += [
        Box(
            "B1",
            "TVA déductible sur immobilisations",
            "base_deductible:immobilisations",
            "deductible:immobilisations",
        ),
        Box(
            "B2", "TVA déductible sur autres biens et services", "base_deductible:autres", "deductible:autres"
        ),
        Box("B3", "Crédit de TVA du mois précédent", None, "credit_anterieur"),
        Box("B", "Total des déductions", None, "case:B1 + case:B2 + case:B3", total=True),
        Box("C", "TVA à payer (A − B)", None, "case:A - case:B", positive=True, total=True, due=True),
        Box(
            "D",
            "Crédit de TVA à reporter (B − A)",
            None,
            "case:B - case:A",
            positive=True,
            total=True,
            credit=True,
        ),
    ]
    return tuple(boxes)


def percent(rate: Decimal) -> str:
    """A rate as a French reader writes it: 19,25 ; 18."""
    return format(rate.normalize(), "f").replace(".", ",")


def parse_country(country: str, raw: Mapping[str, object]) -> CountryVat:
    """A country's entry of the tax data, checked: known kinds, formulas whose terms exist and
    whose boxes come earlier, exactly one box for the VAT due and one for the credit."""
    taxes = tuple(
        TaxCode(str(t["code"]), Decimal(str(t["rate"])), str(t["kind"]), str(t["label"]))
        for t in raw.get("taxes", ())  # type: ignore[attr-defined]
    )
    for tax in taxes:
        if tax.kind not in KINDS or (tax.kind == TAXABLE) != tax.taxable:
            raise ValueError(f"{country}: {tax.code} has kind {tax.kind} and rate {tax.rate}")
    raw_boxes = raw.get("boxes")
    boxes = (
        tuple(
            Box(
                str(b["code"]),
                str(b["label"]),
                b.get("base"),
                b.get("tax"),
                bool(b.get("positif")),
                bool(b.get("total")),
                bool(b.get("due")),
                bool(b.get("credit")),
            )
            for b in raw_boxes  # type: ignore[attr-defined]
        )
        if raw_boxes
        else generic_boxes(taxes)
    )
    codes = {t.code for t in taxes}
    seen: set[str] = set()
    for box in boxes:
        for formula in (box.base, box.tax):
            for _, term in formula_terms(formula or ""):
                if not _TERM.match(term):
                    raise ValueError(f"{country}: box {box.code} has an unknown term {term}")
                kind, _, name = term.partition(":")
                if kind in ("base", "tva") and name not in codes:
                    raise ValueError(f"{country}: box {box.code} names tax {name}, not the country's")
                if kind == "case" and name not in seen:
                    raise ValueError(f"{country}: box {box.code} names box {name} before it comes")
        seen.add(box.code)
    if taxes and (sum(b.due for b in boxes) != 1 or sum(b.credit for b in boxes) != 1):
        raise ValueError(f"{country}: one box says the VAT due and one the credit carried")
    return CountryVat(
        country,
        str(raw["name"]),
        {t.code: t for t in taxes},
        boxes,
        tuple(str(s) for s in raw.get("sources", ())),  # type: ignore[attr-defined]
        str(raw["portal"]) if raw.get("portal") else None,
    )


# -- a taxed line ---------------------------------------------------------------------------


def is_vat_account(account: str) -> bool:
    """An account of collected (443x) or deductible (445x) VAT."""
    return account.startswith((COLLECTED, DEDUCTIBLE))


def quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def tax_of(base: Decimal, rate: Decimal, places: int) -> Decimal:
    """The VAT on ``base`` at ``rate`` percent, rounded half up to the currency's unit."""
    return (base * rate / 100).quantize(quantum(places), rounding=ROUND_HALF_UP)


def tax_fault(
    tax: str | None,
    base: Decimal | None,
    account: str,
    amount: Decimal,
    vat: CountryVat | None,
    places: int,
) -> tuple[str, str] | None:
    """A line's tax code is one of the company's country; a taxable code sits on a VAT account
    (443x/445x) with a positive base whose tax at the code's rate is the line's amount, within
    the currency's rounding (one unit: a tax summed from rounded invoice lines); a zero-rate
    code sits on a sales or purchase line and its base, if given, is the line's amount.
    The fault names its field, ``taxe`` or ``base``."""
    if tax is None:
        return ("taxe", "une base taxable sans code de taxe : indiquez la taxe") if base is not None else None
    if vat is None or tax not in vat.taxes:
        known = ", ".join(vat.taxes) if vat is not None and vat.taxes else "aucun"
        country = vat.name if vat is not None else "le pays de la société"
        return "taxe", f"code de taxe inconnu pour {country} : {tax[:20]} (codes : {known})"
    code = vat.taxes[tax]
    if is_vat_account(account):
        if not code.taxable:
            return "taxe", (
                f"le code {tax} ({code.label.lower()}) se porte sur la ligne de vente ou d'achat,"
                f" pas sur le compte de TVA {account}"
            )
        if base is None:
            return "base", f"la base taxable de la ligne de TVA {tax} manque"
        if base <= 0:
            return "base", "la base taxable est un montant positif"
        expected = tax_of(base, code.rate, places)
        if abs(amount - expected) > quantum(places):
            return "base", (
                f"la TVA {grouped(amount)} ne répond pas à sa base : {grouped(base)} × {percent(code.rate)} %"
                f" = {grouped(expected)}"
            )
        return None
    if code.taxable:
        return (
            "taxe",
            f"le code {tax} se porte sur la ligne de TVA (443x ou 445x) avec sa base, pas sur le compte {account}",
        )
    if base is not None and base != amount:
        return "base", f"la base d'une ligne {tax} est son montant ({grouped(amount)}), pas {grouped(base)}"
    return None


# -- the return -------------------------------------------------------------------------------


def deductible_group(account: str) -> str:
    """The group of deductible VAT an account's lines count in."""
    if account.startswith(DEDUCTIBLE_FIXED_ASSETS):
        return "immobilisations"
    if account.startswith(DEDUCTIBLE_SERVICES):
        return "services"
    return "biens"


@dataclass(frozen=True)
class TaxedTotal:
    """The posted lines of a month with one tax code on one account: their debit and credit
    totals and their base, signed as the line's side (credit positive), minor units."""

    account: str
    tax: str
    debit: int
    credit: int
    base_credit: int
    lines: int


def line_terms(account: str, tax: TaxCode) -> list[tuple[str, str]]:
    """The formula terms a line on ``account`` with code ``tax`` adds to: (base term, tax
    term or "")."""
    if account.startswith(COLLECTED):
        return [(f"base:{tax.code}", f"tva:{tax.code}")]
    if account.startswith(DEDUCTIBLE):
        group = deductible_group(account)
        terms = [(f"base_deductible:{group}", f"deductible:{group}")]
        if group != "immobilisations":
            terms.append(("base_deductible:autres", "deductible:autres"))
        return terms
    if account.startswith(PURCHASE_CLASSES):
        return []
    return [(f"base:{tax.code}", "")]


def aggregate(vat: CountryVat, totals: Sequence[TaxedTotal], previous_credit: int) -> dict[str, int]:
    """The terms of the box formulas from a month's taxed totals. Sales side counted as
    credits (a credit note, a debit, takes off), purchase side as debits."""
    values: dict[str, int] = {"credit_anterieur": previous_credit}
    for row in totals:
        tax = vat.taxes.get(row.tax)
        if tax is None:
            continue
        sales = not row.account.startswith(DEDUCTIBLE)
        sign = 1 if sales else -1
        for base_term, tax_term in line_terms(row.account, tax):
            values[base_term] = values.get(base_term, 0) + sign * row.base_credit
            if tax_term:
                values[tax_term] = values.get(tax_term, 0) + sign * (row.credit - row.debit)
    return values


@dataclass(frozen=True)
class BoxValue:
    box: Box
    base: int | None
    tax: int | None


def _evaluate(
    formula: str | None, values: Mapping[str, int], boxes: Mapping[str, BoxValue], part: str
) -> int | None:
    if not formula:
        return None
    total = 0
    for sign, term in formula_terms(formula):
        if term.startswith("case:"):
            found = boxes[term[5:]]
            value = getattr(found, part)
            # a box's tax part may name another box whose figure is its tax (or its base)
            if value is None:
                value = found.tax if part == "base" else found.base
            total += sign * (value or 0)
        else:
            total += sign * values.get(term, 0)
    return total


def compute(vat: CountryVat, values: Mapping[str, int]) -> list[BoxValue]:
    """Every box of the return, in its order."""
    done: dict[str, BoxValue] = {}
    for box in vat.boxes:
        base = _evaluate(box.base, values, done, "base")
        tax = _evaluate(box.tax, values, done, "tax")
        if box.positive:
            base = None if base is None else max(base, 0)
            tax = None if tax is None else max(tax, 0)
        done[box.code] = BoxValue(box, base, tax)
    return list(done.values())


def result(boxes: Sequence[BoxValue]) -> tuple[int, int]:
    """The VAT due and the credit to carry that a computed return says."""
    due = next((b.tax or 0 for b in boxes if b.box.due), 0)
    credit = next((b.tax or 0 for b in boxes if b.box.credit), 0)
    return due, credit


def leaf_terms(vat: CountryVat, code: str) -> set[str]:
    """The data terms a box comes from, through the boxes it names."""
    boxes = {b.code: b for b in vat.boxes}
    found: set[str] = set()
    todo = [code]
    while todo:
        box = boxes[todo.pop()]
        for formula in (box.base, box.tax):
            for _, term in formula_terms(formula or ""):
                if term.startswith("case:"):
                    todo.append(term[5:])
                else:
                    found.add(term)
    return found


# -- the settlement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementLine:
    account: str
    debit: int
    credit: int


def settlement(
    collected: Mapping[str, int], deductible: Mapping[str, int], previous_credit: int
) -> tuple[list[SettlementLine], int, int]:
    """The lines that clear a month's VAT accounts: each 443x by its movement (credit minus
    debit), each 445x by its movement (debit minus credit), the credit carried on 4449 used
    and the new one carried, the rest due on 4441. Returns the lines, the VAT due and the
    credit carried."""
    lines: list[SettlementLine] = []
    for account, amount in sorted(collected.items()):
        if amount:
            lines.append(SettlementLine(account, max(amount, 0), max(-amount, 0)))
    for account, amount in sorted(deductible.items()):
        if amount:
            lines.append(SettlementLine(account, max(-amount, 0), max(amount, 0)))
    net = sum(collected.values()) - sum(deductible.values()) - previous_credit
    due, credit = max(net, 0), max(-net, 0)
    change = credit - previous_credit
    if change:
        lines.append(SettlementLine(CREDIT, max(change, 0), max(-change, 0)))
    if due:
        lines.append(SettlementLine(DUE, 0, due))
    if not lines:
        raise InvalidInput(
            "Aucune TVA à liquider ce mois-ci : ni collectée, ni déductible, ni crédit reporté."
        )
    return lines, due, credit
