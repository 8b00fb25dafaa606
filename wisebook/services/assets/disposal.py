"""Disposing of an asset — sold (cession) or scrapped (mise au rebut) — or of one component:
one OD entry on the day that catches its depreciation up to it, writes off its gross value and
depreciation (812x for the net book value), and books the proceeds (822x) on the bank or on the
buyer (485x); the gain or loss said."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.data import ohada
from wisebook.db import models
from wisebook.ledger import assets as rules
from wisebook.ledger import entries as entry_rules
from wisebook.ledger.errors import Conflict, FieldError, InvalidInput
from wisebook.ledger.money import from_minor, parse_amount, to_minor
from wisebook.ledger.periods import parse_date
from wisebook.services.assets import depreciation, register
from wisebook.services.books.companies import CompanyContext
from wisebook.services.entries import posting


@dataclass(frozen=True)
class Disposal:
    asset_id: int
    entry_id: int
    number: str | None
    gross: int
    depreciation: int  # accumulated at the date, catch-up included
    catch_up: int
    net_book_value: int
    price: int
    gain: int  # price − net book value (negative: a loss)


def dispose(
    session: Session, company: CompanyContext, asset_id: int, data: dict[str, Any], user_id: int
) -> Disposal:
    """Dispose of an asset (its components with it) or of a component (``data``: ``date``,
    ``prix`` and ``contrepartie`` — a bank 52x/57x or a 485x with its ``tiers`` — or
    ``rebut``: true). Every fault said at once, nothing written on one."""
    asset = register.get_asset(session, company.id, asset_id)
    errors: list[FieldError] = []
    currency = company.currency
    day = None
    try:
        day = parse_date(str(data.get("date", "")), "date")
    except InvalidInput as exc:
        errors.extend(exc.errors)
    scrapped = bool(data.get("rebut"))
    price = 0
    if not scrapped:
        try:
            price = to_minor(parse_amount(data.get("prix", "0"), currency, "prix"), currency)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    counterpart = str(data.get("contrepartie") or "").strip()
    partner = str(data.get("tiers") or "").strip() or None
    if price and not counterpart:
        errors.append(
            FieldError(
                "contrepartie", "Indiquez le compte qui reçoit le prix (banque 52, caisse 57, créance 485)."
            )
        )
    if asset.state != "en_service":
        errors.append(FieldError("id", f"L'immobilisation {asset.code} est déjà sortie ({asset.state})."))
    if day is not None and day < asset.in_service_on:
        errors.append(
            FieldError(
                "date", f"La sortie ne précède pas la mise en service ({asset.in_service_on:%d/%m/%Y})."
            )
        )
    if errors:
        raise InvalidInput("La sortie n'est pas enregistrée : corrigez les champs signalés.", errors=errors)
    assert day is not None
    latest = depreciation.latest_through(session, company.id)
    if latest is not None and latest > day:
        raise Conflict(
            f"Des dotations sont passées jusqu'au {latest:%d/%m/%Y} : la sortie se date après, ou extournez-les.",
            field="date",
        )
    parts = register.components_of(session, asset.id) or [asset]
    parts = [p for p in parts if p.state == "en_service"]
    posted = register.depreciated(session, [p.id for p in parts])
    revised = register.revisions_of(session, [p.id for p in parts])
    month = register.year_start_month(session, company.id)
    codes = dict(
        session.execute(
            select(models.Account.id, models.Account.code).where(
                models.Account.id.in_(
                    {p.asset_account_id for p in parts}
                    | {p.depreciation_account_id for p in parts}
                    | {p.expense_account_id for p in parts}
                )
            )
        )
        .tuples()
        .all()
    )
    category = ohada.asset_categories().get(asset.category)
    disposal_account = category.disposal if category else "812"
    proceeds_account = category.proceeds if category else "822"
    label = f"{'Mise au rebut' if scrapped else 'Cession'} : {asset.label}"[:255]
    lines: list[entry_rules.LineDraft] = []

    def line(code: str, debit: int, credit: int, tiers: str | None = None) -> None:
        if debit or credit:
            lines.append(
                entry_rules.LineDraft(
                    code, label, from_minor(debit, currency), from_minor(credit, currency), tiers
                )
            )

    gross = accumulated = catch_up_total = written = 0
    catch_ups: list[tuple[models.FixedAsset, int]] = []
    for part in parts:
        plan = register.plan_of(part, revised.get(part.id, ()))
        due = rules.due_at(plan, rules.windows_for(plan, month), day)
        catch_up = max(due - part.opening_depreciation - posted.get(part.id, 0), 0)
        done = part.opening_depreciation + posted.get(part.id, 0) + catch_up
        line(codes[part.expense_account_id], catch_up, 0)
        line(codes[part.depreciation_account_id], 0, catch_up)
        line(codes[part.depreciation_account_id], done, 0)
        if plan.written_down:  # its exceptional write-downs leave with it
            line(register.impairment_account(codes[part.depreciation_account_id]), plan.written_down, 0)
            written += plan.written_down
        line(codes[part.asset_account_id], 0, part.gross)
        catch_ups.append((part, catch_up))
        gross += part.gross
        accumulated += done
        catch_up_total += catch_up
    net = gross - accumulated - written
    line(disposal_account, net, 0)
    if price:
        line(counterpart, price, 0, partner)
        line(proceeds_account, 0, price)
    entry = posting.create_entry(
        session,
        company,
        entry_rules.EntryDraft("OD", day, label, asset.code, tuple(lines)),
        user_id,
        post=True,
    )
    for part, catch_up in catch_ups:
        if catch_up:
            session.add(
                models.AssetDepreciation(
                    asset_id=part.id, run_id=None, entry_id=entry.id, through=day, amount=catch_up
                )
            )
        part.state = "rebut" if scrapped else "cedee"
        part.disposed_on = day
        part.disposal_entry_id = entry.id
    # the asset itself (a component's parent is closed once its last part is out)
    asset.state = "rebut" if scrapped else "cedee"
    asset.disposed_on = day
    asset.disposal_price = price
    asset.disposal_entry_id = entry.id
    session.flush()
    if asset.parent_id is not None:
        _close_parent_when_all_out(session, asset.parent_id)
    return Disposal(
        asset.id, entry.id, entry.number, gross, accumulated, catch_up_total, net, price, price - net
    )


def _close_parent_when_all_out(session: Session, parent_id: int) -> None:
    parent = session.get(models.FixedAsset, parent_id)
    if parent is None:
        return
    left = [p for p in register.components_of(session, parent_id) if p.state == "en_service"]
    if not left:
        parent.state = "cedee"
        session.flush()
