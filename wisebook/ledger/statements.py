"""SYSCOHADA financial statements from account balances: one engine, the mapping is data.

The Bilan, the Compte de résultat and the Tableau des flux de trésorerie are tables of lines
with official codes (AD…BZ, CA…DZ, TA…XI, FA…FQ and ZA…ZH). Which accounts feed which line is
read from the CSV files under ``wisebook/data/syscohada/``; this module only knows the
grammar of those files and the arithmetic:

* an account selector is a comma-separated list of items; an item is an account prefix
  (``24``), a prefix with exclusions (``24 sauf 245 et 2495``), a range of prefixes of the same
  length (``31 à 38``) or a split account (``2818p``);
* an account with a balance goes to exactly one line of a statement: the line whose item
  matches the longest prefix of its number; between lines matching equally well, the one whose
  ``sens`` (``debiteur``/``crediteur``) agrees with the account's own balance wins, so a bank
  account in overdraft leaves the actif for the passif account by account, never netted by
  prefix; between split items (``p``), the line whose gross accounts hold the account's mirror
  (``28181`` mirrors ``2181``) wins, else the first line that lists it;
* a total is a formula of lines: ``AE+AF+AG+AH``, ``CA à CM`` (the detail lines from CA to CM
  in the file's order), ``XB+RA+RB+(TE à RJ)``;
* ``annexe`` names the note of the notes annexes a line refers to (``3``, ``3C&28``), printed
  in the statement's Note column as the SYSCOHADA model prints it;
* the cash-flow statement's formulas also read balance-sheet lines at the opening (``ouv``) and
  the closing (``clo``) of the exercice, their variation (``var``), and accounts' variation
  (``delta``), debit and credit movements (``debit``, ``credit``) and result (``produit``).

Amounts are integer minor units. Balances are "debit minus credit". The actif shows debit
balances as positive amounts; the passif and the result, credit balances. Every function here
is pure: the services read the balances, this module arranges them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

DEBIT, CREDIT = "debiteur", "crediteur"
DETAIL, TOTAL = "ligne", "total"
GROSS, DEPRECIATION, PASSIF = "brut", "amortissements", "passif"


class MappingError(ValueError):
    """A statement file that does not follow the grammar (a bug in shipped data)."""


@dataclass(frozen=True)
class Item:
    """One item of a selector: a prefix, minus exclusions; ``split`` marks a shared account."""

    prefix: str
    excluded: tuple[str, ...] = ()
    split: bool = False

    def matches(self, code: str) -> bool:
        return code.startswith(self.prefix) and not any(code.startswith(e) for e in self.excluded)


@dataclass(frozen=True)
class Selector:
    """A set of accounts written as accountants write them."""

    items: tuple[Item, ...]

    def best(self, code: str) -> Item | None:
        """The matching item with the longest prefix, if any."""
        found = [i for i in self.items if i.matches(code)]
        return max(found, key=lambda i: len(i.prefix)) if found else None

    def matches(self, code: str) -> bool:
        return self.best(code) is not None


_NUMBER = re.compile(r"^\d+p?$")


def parse_selector(text: str) -> Selector:
    """``"211, 218 sauf 2181, 31 à 38, 2818p"`` → a Selector; raises MappingError."""
    items: list[Item] = []
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        if " à " in part:
            low, high = (p.strip() for p in part.split(" à "))
            if not (low.isdigit() and high.isdigit() and len(low) == len(high) and low <= high):
                raise MappingError(f"plage de comptes invalide: {part!r}")
            items.extend(Item(str(n).zfill(len(low))) for n in range(int(low), int(high) + 1))
            continue
        head, _, rest = part.partition(" sauf ")
        head = head.strip()
        excluded = tuple(e.strip() for e in rest.split(" et ")) if rest else ()
        if not _NUMBER.match(head) or not all(e.isdigit() for e in excluded):
            raise MappingError(f"sélecteur de comptes invalide: {part!r}")
        items.append(Item(head.rstrip("p"), excluded, head.endswith("p")))
    if not items:
        raise MappingError("sélecteur de comptes vide")
    return Selector(tuple(items))


@dataclass(frozen=True)
class Term:
    """One signed term of a formula: a line code, a range of lines, or a function call."""

    sign: int
    name: str  # a line code, "range", or a function name
    args: tuple[str, ...] = ()
    selector: Selector | None = None


FUNCTIONS = frozenset({"ouv", "clo", "var", "delta", "debit", "credit", "produit"})
_ACCOUNT_FUNCTIONS = frozenset({"delta", "debit", "credit", "produit"})
_TERM = re.compile(
    r"\s*([+-]?)\s*(?:"
    r"\((?P<prange>[A-Z]{2}) à (?P<prange_end>[A-Z]{2})\)"
    r"|(?P<range>[A-Z]{2}) à (?P<range_end>[A-Z]{2})"
    r"|(?P<func>[a-z]+)\((?P<args>[^()]*)\)"
    r"|(?P<code>[A-Z]{2})"
    r")\s*"
)


def parse_formula(text: str) -> tuple[Term, ...]:
    """``"XB+RA+RB+(TE à RJ)"``, ``"-var(BB)"``, ``"produit(754, 821)"`` → terms."""
    terms: list[Term] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos or (terms and not m.group(1)):
            raise MappingError(f"formule invalide: {text!r} (à la position {pos})")
        sign = -1 if m.group(1) == "-" else 1
        if m.group("prange") or m.group("range"):
            low = m.group("prange") or m.group("range")
            high = m.group("prange_end") or m.group("range_end")
            terms.append(Term(sign, "range", (low, high)))
        elif m.group("func"):
            name = m.group("func")
            if name not in FUNCTIONS:
                raise MappingError(f"fonction inconnue dans {text!r}: {name}")
            args = m.group("args").strip()
            if name in _ACCOUNT_FUNCTIONS:
                terms.append(Term(sign, name, (args,), parse_selector(args)))
            else:
                terms.append(Term(sign, name, (args,)))
        else:
            terms.append(Term(sign, m.group("code")))
        pos = m.end()
    if not terms:
        raise MappingError("formule vide")
    return tuple(terms)


@dataclass(frozen=True)
class LineDef:
    """One line of a statement as the data file defines it."""

    code: str
    label: str
    kind: str
    accounts: Selector | None = None
    depreciation: Selector | None = None
    side: str | None = None
    formula: tuple[Term, ...] = ()
    note: str = ""
    annex: str = ""  # the line's note of the notes annexes (Note 3, 3C&28…), as the model prints it


@dataclass(frozen=True)
class StatementDef:
    """A statement: its lines in the order they are printed."""

    name: str
    lines: tuple[LineDef, ...]

    def line(self, code: str) -> LineDef:
        for line in self.lines:
            if line.code == code:
                return line
        raise KeyError(code)

    def codes(self) -> tuple[str, ...]:
        return tuple(line.code for line in self.lines)


def parse_statement(name: str, text: str) -> StatementDef:
    """Read one statement file (CSV with a header; see the module docstring)."""
    lines: list[LineDef] = []
    for row in csv.DictReader(io.StringIO(text)):
        code, kind = row["code"].strip(), row["type"].strip()
        if not re.fullmatch(r"[A-Z]{2}", code) or kind not in (DETAIL, TOTAL):
            raise MappingError(f"{name}: ligne invalide {row!r}")
        side = (row.get("sens") or "").strip() or None
        annex = (row.get("annexe") or "").strip()
        if side not in (None, DEBIT, CREDIT):
            raise MappingError(f"{name} {code}: sens inconnu {side!r}")
        if "formule" in row:  # cash-flow statement: every line is a formula
            lines.append(
                LineDef(code, row["libelle"], kind, formula=parse_formula(row["formule"]), note=row["note"])
            )
        elif kind == TOTAL:
            lines.append(
                LineDef(code, row["libelle"], kind, formula=parse_formula(row["comptes"]), annex=annex)
            )
        else:
            dep = (row.get("amortissements") or "").strip()
            lines.append(
                LineDef(
                    code,
                    row["libelle"],
                    kind,
                    accounts=parse_selector(row["comptes"]),
                    depreciation=parse_selector(dep) if dep else None,
                    side=side,
                    note=(row.get("note") or "").strip(),
                    annex=annex,
                )
            )
    statement = StatementDef(name, tuple(lines))
    _check_references(statement)
    return statement


def _check_references(statement: StatementDef) -> None:
    codes = set(statement.codes())
    if len(codes) != len(statement.lines):
        raise MappingError(f"{statement.name}: code de ligne en double")
    for line in statement.lines:
        for term in line.formula:
            refs = term.args if term.name == "range" else (() if term.name in FUNCTIONS else (term.name,))
            for ref in refs:
                if ref not in codes:
                    raise MappingError(f"{statement.name} {line.code}: ligne inconnue {ref}")


# --- placing accounts on lines --------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where an account's balance goes: a line and a column (brut, amortissements or passif)."""

    line: str
    column: str


def place(
    statements: Iterable[StatementDef], column_of: Mapping[str, str], code: str, balance: int
) -> Placement | None:
    """The one line (and column) an account's balance belongs to, or None if no line takes it.

    ``column_of`` names, per statement name, the column its ``accounts`` selectors fill
    (``brut`` for the actif, ``passif`` for the passif, anything for the result); depreciation
    selectors always fill ``amortissements``.
    """
    candidates: list[tuple[int, int, bool, LineDef, str]] = []  # prefix length, order, split, line, column
    order = 0
    for statement in statements:
        for line in statement.lines:
            order += 1
            for selector, column in (
                (line.accounts, column_of[statement.name]),
                (line.depreciation, DEPRECIATION),
            ):
                if selector is None:
                    continue
                item = selector.best(code)
                if item is not None:
                    candidates.append((len(item.prefix), order, item.split, line, column))
    if not candidates:
        return None
    longest = max(c[0] for c in candidates)
    best = [c for c in candidates if c[0] == longest]
    if len(best) > 1:
        sign = DEBIT if balance > 0 else CREDIT
        agreeing = [c for c in best if c[3].side in (None, sign)]
        best = agreeing or best
    if len(best) > 1 and any(c[2] for c in best):
        mirror = "2" + code[2:]  # 28181 (amortissement) mirrors 2181 (brut)
        holding = [c for c in best if c[3].accounts is not None and c[3].accounts.matches(mirror)]
        best = holding or best
    _, _, _, line, column = min(best, key=lambda c: c[1])
    return Placement(line.code, column)


# --- computing statements --------------------------------------------------------------------


@dataclass
class LineValue:
    """A computed line: gross, depreciation and net (only ``net`` outside the Bilan actif)."""

    code: str
    label: str
    kind: str
    gross: int = 0
    depreciation: int = 0
    net: int = 0
    annex: str = ""


@dataclass
class Result:
    """A computed statement: its lines by code, in order, and the accounts no line took."""

    name: str
    lines: dict[str, LineValue]
    unplaced: tuple[str, ...] = field(default=())

    def __getitem__(self, code: str) -> int:
        return self.lines[code].net


def _evaluate_totals(
    statement: StatementDef, values: dict[str, LineValue], terms_value: Callable[[Term], int]
) -> None:
    order = statement.codes()
    details = {line.code for line in statement.lines if line.kind == DETAIL}
    done: set[str] = {c for c in order if c in details}

    def total(code: str, stack: tuple[str, ...] = ()) -> LineValue:
        if code in done:
            return values[code]
        if code in stack:
            raise MappingError(f"{statement.name}: formule circulaire en {code}")
        line = statement.line(code)
        value = values[code]
        for term in line.formula:
            if term.name == "range":
                low, high = order.index(term.args[0]), order.index(term.args[1])
                refs = [c for c in order[low : high + 1] if c in details]
            elif term.name in FUNCTIONS:
                value.net += term.sign * terms_value(term)
                continue
            else:
                refs = [term.name]
            for ref in refs:
                other = total(ref, (*stack, code))
                value.gross += term.sign * other.gross
                value.depreciation += term.sign * other.depreciation
                value.net += term.sign * other.net
        done.add(code)
        return value

    for code in order:
        total(code)


def _blank(statement: StatementDef) -> dict[str, LineValue]:
    return {
        line.code: LineValue(line.code, line.label, line.kind, annex=line.annex) for line in statement.lines
    }


def _no_function(term: Term) -> int:
    raise MappingError(f"fonction {term.name} hors du tableau des flux")


def balance_sheet(
    actif: StatementDef, passif: StatementDef, balances: Mapping[str, int]
) -> tuple[Result, Result]:
    """The Bilan from balances (debit minus credit) of the accounts of classes 1 to 5.

    The caller carries the result not yet allocated on the balances it passes: the exercice's
    result (classes 6–8) on ``13`` and earlier exercices' on ``130``.
    """
    a_values, p_values = _blank(actif), _blank(passif)
    unplaced = []
    columns = {actif.name: GROSS, passif.name: PASSIF}
    for code, balance in sorted(balances.items()):
        if balance == 0:
            continue
        where = place((actif, passif), columns, code, balance)
        if where is None:
            unplaced.append(code)
        elif where.column == GROSS:
            a_values[where.line].gross += balance
        elif where.column == DEPRECIATION:
            a_values[where.line].depreciation -= balance
        else:
            p_values[where.line].net -= balance
    for value in a_values.values():
        if value.kind == DETAIL:
            value.net = value.gross - value.depreciation
    _evaluate_totals(actif, a_values, _no_function)
    _evaluate_totals(passif, p_values, _no_function)
    return Result(actif.name, a_values, tuple(unplaced)), Result(passif.name, p_values, tuple(unplaced))


def income_statement(statement: StatementDef, balances: Mapping[str, int]) -> Result:
    """The Compte de résultat from balances of the accounts of classes 6 to 8 (products +)."""
    values = _blank(statement)
    unplaced = []
    for code, balance in sorted(balances.items()):
        if balance == 0:
            continue
        where = place((statement,), {statement.name: "net"}, code, balance)
        if where is None:
            unplaced.append(code)
        else:
            values[where.line].net -= balance
    _evaluate_totals(statement, values, _no_function)
    return Result(statement.name, values, tuple(unplaced))


@dataclass(frozen=True)
class AccountFlows:
    """What the cash-flow statement reads of one account over the exercice."""

    opening: int = 0  # balance at the opening (debit minus credit)
    closing: int = 0
    debit: int = 0  # movements of the exercice, à-nouveaux excluded
    credit: int = 0


def cash_flow(
    statement: StatementDef,
    opening: tuple[Result, Result],
    closing: tuple[Result, Result],
    accounts: Mapping[str, AccountFlows],
) -> Result:
    """The Tableau des flux de trésorerie from the Bilan at both ends and the accounts' flows."""

    def bilan_line(results: tuple[Result, Result], code: str) -> int:
        for result in results:
            if code in result.lines:
                return result.lines[code].net
        raise MappingError(f"ligne du Bilan inconnue: {code}")

    def term_value(term: Term) -> int:
        if term.name == "ouv":
            return bilan_line(opening, term.args[0])
        if term.name == "clo":
            return bilan_line(closing, term.args[0])
        if term.name == "var":
            return bilan_line(closing, term.args[0]) - bilan_line(opening, term.args[0])
        assert term.selector is not None
        chosen = [f for code, f in accounts.items() if term.selector.matches(code)]
        if term.name == "delta":
            return sum(f.closing - f.opening for f in chosen)
        if term.name == "debit":
            return sum(f.debit for f in chosen)
        if term.name == "credit":
            return sum(f.credit for f in chosen)
        return sum(f.credit - f.debit for f in chosen)  # produit

    values = _blank(statement)
    # Every cash-flow line is a formula; detail lines first, so totals can sum them.
    for line in statement.lines:
        if line.kind == DETAIL:
            values[line.code].net = sum(t.sign * term_value(t) for t in line.formula)
    _evaluate_totals(statement, values, term_value)
    return Result(statement.name, values)
