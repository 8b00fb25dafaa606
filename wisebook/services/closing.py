"""Year-end closing: checks, the à-nouveaux of the next exercice, the closed year locked.

What an accountant expects of a closing, in one transaction:

1. Checks, each a line of the blocking list: the previous exercice is closed, no draft is
   left in the year, debits equal credits, the suspense accounts (471 « débiteurs et
   créditeurs divers » and 475 « compte transitoire ») are cleared. Accounts 476–479
   (prepaid items, conversion differences) legitimately carry balances and do not block.
2. The next exercice is opened if it does not exist.
3. One à-nouveaux entry, journal AN, on its first day: every class 1–5 account with a balance,
   in detail per tiers for the accounts kept by tiers, and the year's result (classes 6–8) on
   131 (bénéfice) or 139 (perte) until the affectation decides its use.
4. The year is closed and every month locked; ``exercice.cloture`` is announced.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger import entries as rules
from wisebook.ledger.errors import Conflict, FieldError, InvalidInput
from wisebook.ledger.money import from_minor, grouped
from wisebook.services import reconciliation as lettering
from wisebook.services.assets import depreciation
from wisebook.services.books import companies, years
from wisebook.services.books.companies import CompanyContext
from wisebook.services.entries import posting
from wisebook.services.platform import webhooks

SUSPENSE_PREFIXES = ("471", "475")
PROFIT_ACCOUNT, LOSS_ACCOUNT = "131", "139"
AN_JOURNAL = "AN"

Progress = Callable[[int, int, str], None]


class ClosingBlocked(Conflict):
    """The closing cannot be done; ``errors`` is the list the accountant must clear."""


@dataclass(frozen=True)
class Preview:
    """What a closing would do: its blocking list, the result, the à-nouveaux lines."""

    fiscal_year: str
    blockers: list[FieldError]
    result: int  # minor units; > 0 bénéfice, < 0 perte
    lines: list[tuple[str, str | None, int, str | None]]  # account, tiers, debit − credit, label
    #: Per blocker, what it is about, for a link to where it is cleared: "ecriture:<id>",
    #: "compte:<code>", "exercice:<code>", "balance", or None.
    links: list[str | None] = field(default_factory=list)
    line_count: int = 0  # the à-nouveaux lines in all (``lines`` may hold only the first)


def _previous(session: Session, company_id: int, fy: models.FiscalYear) -> models.FiscalYear | None:
    return session.scalars(
        select(models.FiscalYear)
        .where(models.FiscalYear.company_id == company_id, models.FiscalYear.end_date < fy.start_date)
        .order_by(models.FiscalYear.end_date.desc())
        .limit(1)
    ).first()


def _following(session: Session, company_id: int, fy: models.FiscalYear) -> models.FiscalYear | None:
    """The fiscal year that starts the day after ``fy`` ends, if it exists."""
    return session.scalars(
        select(models.FiscalYear).where(
            models.FiscalYear.company_id == company_id,
            models.FiscalYear.start_date == fy.end_date + dt.timedelta(days=1),
        )
    ).first()


def _balances(session: Session, company_id: int, fy: models.FiscalYear) -> list[tuple[str, str | None, int]]:
    """Every (account, tiers) of the year with its net balance, posted lines only: per account
    from the balance table, split by tiers from the sub-ledger's (what no tiers names is the
    rest), so that a year of a million lines is summed from its months."""
    acc, bal, pb = models.Account, models.AccountBalance, models.PartnerBalance
    nets = session.execute(
        select(acc.code, func.sum(bal.debit - bal.credit))
        .join(bal, bal.account_id == acc.id)
        .where(bal.company_id == company_id, bal.fiscal_year_id == fy.id)
        .group_by(acc.code)
    ).all()
    by_partner: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for code, partner, net in session.execute(
        select(acc.code, pb.partner, func.sum(pb.debit - pb.credit))
        .join(pb, pb.account_id == acc.id)
        .where(pb.company_id == company_id, pb.fiscal_year_id == fy.id, pb.partner != "")
        .group_by(acc.code, pb.partner)
    ):
        by_partner[code].append((partner, int(net)))
    found: list[tuple[str, str | None, int]] = []
    for code, net in sorted(nets):
        named = sorted(by_partner.get(code, []))
        found += [(code, partner, amount) for partner, amount in named]
        rest = int(net) - sum(amount for _partner, amount in named)
        if rest or not named:
            found.append((code, None, rest))
    return found


def _lines_totals(session: Session, company_id: int, fy: models.FiscalYear) -> tuple[int, int]:
    """The year's posted debits and credits, summed from its lines: the closing trusts the
    balance tables it reads only once they agree with the lines."""
    ent, line = models.Entry, models.Line
    debit, credit = session.execute(
        select(func.coalesce(func.sum(line.debit), 0), func.coalesce(func.sum(line.credit), 0))
        .join(ent, ent.id == line.entry_id)
        .where(ent.company_id == company_id, ent.fiscal_year_id == fy.id, ent.status == models.POSTED)
    ).one()
    return int(debit), int(credit)


def _table_totals(session: Session, company_id: int, fy: models.FiscalYear) -> tuple[int, int]:
    bal = models.AccountBalance
    debit, credit = session.execute(
        select(func.coalesce(func.sum(bal.debit), 0), func.coalesce(func.sum(bal.credit), 0)).where(
            bal.company_id == company_id, bal.fiscal_year_id == fy.id
        )
    ).one()
    return int(debit), int(credit)


def preview(
    session: Session,
    company_id: int,
    fiscal_year_ref: str | int,
    shown: int | None = None,
    *,
    against_lines: bool = False,
) -> Preview:
    """The checks and the à-nouveaux of a closing, without writing anything; ``shown`` keeps
    only the first à-nouveaux lines (a page shows them; ``line_count`` says how many in all).

    The figures come from the balance tables. ``against_lines`` (the closing itself, and the
    request that starts it) first sums the year's lines too: books whose lines no longer
    balance, or no longer match the tables, are not closed."""
    fy = years.get_fiscal_year(session, company_id, fiscal_year_ref)
    blockers: list[FieldError] = []
    links: list[str | None] = []
    if fy.status != "ouvert":
        blockers.append(FieldError("exercice", f"L'exercice {fy.code} est déjà clôturé."))
        links.append(None)
    previous = _previous(session, company_id, fy)
    if previous is not None and previous.status == "ouvert":
        blockers.append(FieldError("exercice", f"Clôturez d'abord l'exercice {previous.code}."))
        links.append(f"exercice:{previous.code}")
    drafts = session.execute(
        select(models.Entry.id, models.Entry.entry_date, models.Entry.label)
        .where(
            models.Entry.company_id == company_id,
            models.Entry.fiscal_year_id == fy.id,
            models.Entry.status == models.DRAFT,
        )
        .order_by(models.Entry.entry_date, models.Entry.id)
    ).all()
    for entry_id, day, label in drafts:
        blockers.append(
            FieldError(
                "brouillons",
                f"Brouillon n° {entry_id} du {day:%d/%m/%Y} « {label} » : validez-le ou supprimez-le.",
            )
        )
        links.append(f"ecriture:{entry_id}")
    balances = _balances(session, company_id, fy)
    totals = _table_totals(session, company_id, fy)
    lines_totals = _lines_totals(session, company_id, fy) if against_lines else totals
    if lines_totals[0] != lines_totals[1]:
        blockers.append(FieldError("balance", "Le total des débits diffère du total des crédits."))
        links.append("balance")
    elif sum(net for _code, _partner, net in balances) != 0 or totals != lines_totals:
        blockers.append(
            FieldError(
                "balance", "Les soldes enregistrés ne suivent plus les lignes : lancez la vérification."
            )
        )
        links.append("verification")
    suspense: dict[str, int] = {}
    for code, _partner, net in balances:
        if code.startswith(SUSPENSE_PREFIXES):
            suspense[code] = suspense.get(code, 0) + net
    currency = companies.get_company(session, company_id).currency
    for code, net in sorted(suspense.items()):
        if net:
            side = "débiteur" if net > 0 else "créditeur"
            blockers.append(
                FieldError(
                    "comptes_attente",
                    f"Le compte d'attente {code} a un solde {side} de {grouped(from_minor(abs(net), currency))} : soldez-le.",
                )
            )
            links.append(f"compte:{code}")
    missing = depreciation.dues(session, company_id, fy.end_date)
    if missing:
        blockers.append(
            FieldError(
                "amortissements",
                f"Les dotations aux amortissements de l'exercice manquent : {len(missing)} immobilisation(s),"
                f" {grouped(from_minor(sum(a for _, a in missing), currency))} à doter au {fy.end_date:%d/%m/%Y}.",
            )
        )
        links.append("immobilisations")
    result = -sum(net for code, _partner, net in balances if code[0] in "678")
    # Accounts kept by tiers carry each unlettered line, so it can be lettered next year;
    # the others carry one balance per account (and tiers, when lines name one).
    # A lettrable account's lettrages stay within a year, so its balance is that of its open lines.
    detail = lettering.open_lines_of_year(session, company_id, fy.id, limit=shown)
    detailed = lettering.lettrable_codes(session, company_id)
    lines: list[tuple[str, str | None, int, str | None]] = [
        (code, partner, net, None)
        for code, partner, net in balances
        if code[0] in "12345" and net and code not in detailed
    ]
    count = len(lines)
    lines += [
        (ln.account, ln.partner, ln.debit - ln.credit, f"{ln.label} ({ln.number or ln.entry_id})")
        for ln in detail
        if ln.account[0] in "12345"
    ]
    if shown is None:
        count = len(lines)
    else:
        count += lettering.count_open_lines_of_year(session, company_id, fy.id, "12345")
    lines.sort(key=lambda item: (item[0], item[1] or ""))
    if shown is not None:
        lines = lines[:shown]
    if result:
        lines.append((PROFIT_ACCOUNT if result > 0 else LOSS_ACCOUNT, None, -result, None))
        count += 1
    return Preview(fy.code, blockers, result, lines, links, count)


@dataclass(frozen=True)
class Closed:
    """What a closing did."""

    fiscal_year: str
    next_fiscal_year: str
    result: int
    opening_entry_id: int | None
    opening_lines: int


def close(
    session: Session,
    company: CompanyContext,
    fiscal_year_ref: str | int,
    user_id: int,
    progress: Progress | None = None,
) -> Closed:
    """Close the fiscal year (see the module's docstring), in the caller's transaction."""
    report = progress or (lambda done, total, message: None)
    fy = years.get_fiscal_year(session, company.id, fiscal_year_ref)
    session.execute(  # one closing at a time for a given year
        select(models.FiscalYear.id).where(models.FiscalYear.id == fy.id).with_for_update()
    )
    report(0, 4, "contrôles avant clôture")
    found = preview(session, company.id, fy.id, against_lines=True)
    if found.blockers:
        raise ClosingBlocked(
            f"L'exercice {fy.code} ne peut pas être clôturé : {len(found.blockers)} point(s) à régler.",
            errors=found.blockers,
        )
    report(1, 4, "ouverture de l'exercice suivant")
    following = _following(session, company.id, fy)
    if following is None:
        following = years.create_fiscal_year(
            session,
            company.id,
            fy.end_date.year + (1 if fy.end_date.month == 12 else 0),
            fy.end_date.month % 12 + 1,
        )
    report(2, 4, f"à-nouveaux : {len(found.lines)} lignes")
    entry_id = None
    if found.lines:
        draft = rules.EntryDraft(
            journal=AN_JOURNAL,
            date=following.start_date,
            label=f"À-nouveaux de l'exercice {fy.code}",
            reference=f"AN-{fy.code}",
            lines=tuple(
                rules.LineDraft(
                    account=code,
                    label=(label or _line_label(code, partner, fy.code))[:255],
                    debit=from_minor(net, company.currency) if net > 0 else Decimal(0),
                    credit=from_minor(-net, company.currency) if net < 0 else Decimal(0),
                    partner=partner,
                )
                for code, partner, net, label in found.lines
            ),
        )
        # The books make this entry: it carries every unlettered tiers line, however many.
        entry_id = posting.create_entry(
            session, company, draft, user_id, post=True, max_lines=None, partners=False
        ).id
    report(3, 4, "verrouillage de l'exercice clôturé")
    for period in fy.periods:
        period.locked = True
    fy.status = "cloture"
    session.flush()
    webhooks.emit(
        session,
        company.id,
        "exercice.cloture",
        {
            "exercice": fy.code,
            "resultat": str(from_minor(found.result, company.currency)),
            "suivant": following.code,
        },
    )
    report(4, 4, f"exercice {fy.code} clôturé")
    return Closed(fy.code, following.code, found.result, entry_id, len(found.lines))


def _line_label(code: str, partner: str | None, year: str) -> str:
    if code in (PROFIT_ACCOUNT, LOSS_ACCOUNT):
        kind = "bénéfice" if code == PROFIT_ACCOUNT else "perte"
        return f"Résultat {year} ({kind}) en instance d'affectation"
    return f"À-nouveau {year}" + (f" — {partner}" if partner else "")


def reopen(
    session: Session, company: CompanyContext, fiscal_year_ref: str | int, user_id: int
) -> models.FiscalYear:
    """Reopen a closed year (administrators): its à-nouveaux in the next year are reversed,
    the year is open and unlocked again. Refused once the next year holds any posted entry
    beyond the à-nouveaux: its books would then rest on balances that could change."""
    fy = years.get_fiscal_year(session, company.id, fiscal_year_ref)
    if fy.status != "cloture":
        raise Conflict(f"L'exercice {fy.code} n'est pas clôturé.", field="exercice")
    following = _following(session, company.id, fy)
    if following is not None:
        if following.status != "ouvert":
            raise Conflict(f"Rouvrez d'abord l'exercice {following.code}.", field="exercice")
        ent, jnl = models.Entry, models.Journal
        beyond = session.scalar(
            select(func.count())
            .select_from(ent)
            .join(jnl, jnl.id == ent.journal_id)
            .where(
                ent.company_id == company.id,
                ent.fiscal_year_id == following.id,
                ent.status == models.POSTED,
                jnl.code != AN_JOURNAL,
            )
        )
        if beyond:
            raise Conflict(
                f"L'exercice {following.code} compte déjà {beyond} écriture(s) validée(s) après ses "
                f"à-nouveaux : {fy.code} ne peut plus être rouvert.",
                field="exercice",
            )
        openings = session.scalars(
            select(ent.id)
            .join(jnl, jnl.id == ent.journal_id)
            .where(
                ent.company_id == company.id,
                ent.fiscal_year_id == following.id,
                ent.status == models.POSTED,
                jnl.code == AN_JOURNAL,
                ent.reference == f"AN-{fy.code}",
                ent.reversal_of_id.is_(None),
            )
        ).all()
        reversed_ids = set(
            session.scalars(select(ent.reversal_of_id).where(ent.reversal_of_id.in_(openings))).all()
        )
        for entry_id in openings:
            if entry_id not in reversed_ids:
                posting.reverse_entry(
                    session,
                    company,
                    entry_id,
                    user_id,
                    label=f"Annulation des à-nouveaux {fy.code} (réouverture)",
                )
    fy.status = "ouvert"
    for period in fy.periods:
        period.locked = False
    session.flush()
    return fy


# --- affectation du résultat --------------------------------------------------------------

LEGAL_RESERVE, FREE_RESERVES, CARRIED_PROFIT, CARRIED_LOSS, DIVIDENDS = "111", "1181", "121", "1291", "465"


@dataclass(frozen=True)
class Allocation:
    """The result of a closed year still to allocate, and the legal reserve's minimum."""

    fiscal_year: str
    next_fiscal_year: models.FiscalYear
    to_allocate: int  # minor units; > 0 bénéfice on 131, < 0 perte on 139
    legal_minimum: int

    @property
    def accounts(self) -> dict[str, str]:
        """The account each part of the affectation goes to (a loss: report à nouveau débiteur)."""
        return {
            "reserve_legale": LEGAL_RESERVE,
            "reserves": FREE_RESERVES,
            "report_a_nouveau": CARRIED_PROFIT if self.to_allocate >= 0 else CARRIED_LOSS,
            "dividendes": DIVIDENDS,
        }


def _balance_in(session: Session, company_id: int, fy: models.FiscalYear, prefixes: tuple[str, ...]) -> int:
    ent, line, acc = models.Entry, models.Line, models.Account
    total = session.scalar(
        select(func.coalesce(func.sum(line.debit - line.credit), 0))
        .join(acc, acc.id == line.account_id)
        .join(ent, ent.id == line.entry_id)
        .where(
            ent.company_id == company_id,
            ent.fiscal_year_id == fy.id,
            ent.status == models.POSTED,
            func.substr(acc.code, 1, 3).in_(prefixes),
        )
    )
    return int(total or 0)


def allocation(session: Session, company_id: int, fiscal_year_ref: str | int) -> Allocation:
    """What the closed year left on 131/139 in the next year, and the legal reserve's due:
    a tenth of the profit until the reserve reaches a fifth of the capital (AUSCGIE art. 346)."""
    fy = years.get_fiscal_year(session, company_id, fiscal_year_ref)
    if fy.status != "cloture":
        raise Conflict(
            f"Clôturez d'abord l'exercice {fy.code} : son résultat n'est pas encore connu.", field="exercice"
        )
    following = _following(session, company_id, fy)
    if following is None:  # the closing opens it: only a year closed otherwise lacks it
        raise Conflict(f"L'exercice qui suit {fy.code} est introuvable.", field="exercice")
    pending = -_balance_in(session, company_id, following, (PROFIT_ACCOUNT, LOSS_ACCOUNT))
    minimum = 0
    if pending > 0:
        capital = -_balance_in(session, company_id, following, ("101",))
        reserve = -_balance_in(session, company_id, following, (LEGAL_RESERVE,))
        minimum = max(0, min(pending // 10, capital // 5 - reserve))
    return Allocation(fy.code, following, pending, minimum)


def allocate(
    session: Session,
    company: CompanyContext,
    fiscal_year_ref: str | int,
    user_id: int,
    day: dt.date,
    *,
    legal_reserve: Decimal = Decimal(0),
    reserves: Decimal = Decimal(0),
    carried: Decimal = Decimal(0),
    dividends: Decimal = Decimal(0),
) -> posting.EntryRecord:
    """Post the affectation decided by the associates, in the next year (journal OD).

    A profit goes to the legal reserve (at least its minimum), free reserves, report à
    nouveau and dividends, which must add up to it exactly; a loss goes to report à nouveau
    débiteur (1291, perte nette à reporter)."""
    found = allocation(session, company.id, fiscal_year_ref)
    if found.to_allocate == 0:
        raise Conflict(f"Le résultat de l'exercice {found.fiscal_year} est déjà affecté.", field="exercice")
    currency = company.currency
    if found.to_allocate < 0:
        loss = from_minor(-found.to_allocate, currency)
        lines = [(CARRIED_LOSS, loss, Decimal(0)), (LOSS_ACCOUNT, Decimal(0), loss)]
    else:
        profit = from_minor(found.to_allocate, currency)
        parts = {
            "reserve_legale": legal_reserve,
            "reserves": reserves,
            "report_a_nouveau": carried,
            "dividendes": dividends,
        }
        errors = [FieldError(name, "Montant positif ou nul attendu.") for name, v in parts.items() if v < 0]
        if sum(parts.values()) != profit:
            errors.append(
                FieldError(
                    "montants",
                    f"La répartition ({grouped(sum(parts.values(), Decimal(0)))}) doit égaler le bénéfice à affecter ({grouped(profit)}).",
                )
            )
        minimum = from_minor(found.legal_minimum, currency)
        if legal_reserve < minimum:
            errors.append(
                FieldError(
                    "reserve_legale",
                    f"La réserve légale reçoit au moins {grouped(minimum)} (un dixième du bénéfice, jusqu'au "
                    "cinquième du capital).",
                )
            )
        if errors:
            raise InvalidInput("Affectation du résultat invalide.", errors=errors)
        lines = [(PROFIT_ACCOUNT, profit, Decimal(0))]
        for code, amount in (
            (LEGAL_RESERVE, legal_reserve),
            (FREE_RESERVES, reserves),
            (CARRIED_PROFIT, carried),
            (DIVIDENDS, dividends),
        ):
            if amount:
                lines.append((code, Decimal(0), amount))
    draft = rules.EntryDraft(
        journal="OD",
        date=day,
        label=f"Affectation du résultat de l'exercice {found.fiscal_year}",
        reference=f"AFF-{found.fiscal_year}",
        lines=tuple(
            rules.LineDraft(
                account=code, label=f"Affectation du résultat {found.fiscal_year}", debit=d, credit=c
            )
            for code, d, c in lines
        ),
    )
    if not found.next_fiscal_year.start_date <= day <= found.next_fiscal_year.end_date:
        raise InvalidInput(
            f"L'affectation se passe dans l'exercice {found.next_fiscal_year.code}.", field="date_comptable"
        )
    return posting.create_entry(session, company, draft, user_id, post=True)
