"""The fixed-asset register: an asset (or one split into components with their own lives) with
its accounts, dates, gross value and plan; from a posted acquisition line, or entered with its
acquisition entry made here; listed with its net book value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from wisebook.data import ohada
from wisebook.db import models, prepared
from wisebook.ledger import assets as rules
from wisebook.ledger import entries as entry_rules
from wisebook.ledger.errors import FieldError, InvalidInput, NotFound
from wisebook.ledger.money import from_minor, parse_amount, to_minor
from wisebook.ledger.periods import parse_date
from wisebook.services.books.companies import CompanyContext
from wisebook.services.entries import posting

STATES = ("en_service", "cedee", "rebut")
#: Sums over the whole register are planned for each call (a prepared statement's generic plan
#: joined 20 000 parts by nested loops).
PLANNED = {prepared.PREPARE: False}
_A = models.Account


@dataclass(frozen=True)
class Component:
    label: str
    gross: int
    life: int
    method: str
    coefficient: Decimal | None
    residual: int


def _text(data: Mapping[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    return str(value).strip()[:limit] if value not in (None, "") else ""


def _whole(value: Any) -> int | None:
    """An integer given as a JSON number (read as Decimal) or as text; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        whole = value.is_finite() and value == value.to_integral_value() and abs(value) < 10**12
        return int(value) if whole else None
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) < 13 else None


def _int(data: Mapping[str, Any], key: str, errors: list[FieldError], default: int = 0) -> int:
    value = _whole(data.get(key, default))
    if value is None:
        errors.append(FieldError(key, "Nombre entier attendu."))
        return default
    return value


def _decimal(data: Mapping[str, Any], key: str, errors: list[FieldError]) -> Decimal | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        errors.append(FieldError(key, "Nombre attendu (1.5)."))
        return None
    if not found.is_finite() or found <= 0 or found > 10:
        errors.append(FieldError(key, "Le coefficient est un nombre entre 0 et 10."))
        return None
    return found


def _money(data: Mapping[str, Any], key: str, currency: str, errors: list[FieldError]) -> int | None:
    if data.get(key) in (None, ""):
        return None
    try:
        return to_minor(parse_amount(data[key], currency, key), currency)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return None


def _day(data: Mapping[str, Any], key: str, errors: list[FieldError]) -> dt.date | None:
    if data.get(key) in (None, ""):
        return None
    try:
        day = parse_date(str(data[key]), key)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return None
    if not 1900 <= day.year <= 2200:  # the years a plan can run through
        errors.append(FieldError(key, "Date hors des années 1900 à 2200."))
        return None
    return day


def _account(
    session: Session,
    company_id: int,
    code: str,
    field: str,
    prefixes: Sequence[str],
    errors: list[FieldError],
) -> Any:
    """A postable account of the company under one of ``prefixes``."""
    found = session.execute(
        select(_A.id, _A.code, _A.postable).where(_A.company_id == company_id, _A.code == code)
    ).first()
    if found is None:
        errors.append(FieldError(field, entry_rules.sentence(entry_rules.account_fault(code, None) or "")))
        return None
    if not found.postable:
        errors.append(FieldError(field, entry_rules.sentence(entry_rules.account_fault(code, False) or "")))
        return None
    if not code.startswith(tuple(prefixes)):
        errors.append(FieldError(field, f"Le compte {code} n'est pas un compte {' ou '.join(prefixes)}."))
        return None
    return found


def _next_code(session: Session, company_id: int) -> str:
    count = session.scalar(
        select(func.count()).select_from(models.FixedAsset).where(models.FixedAsset.company_id == company_id)
    )
    return f"IMM-{int(count or 0) + 1:05d}"


def revisions_of(session: Session, asset_ids: Sequence[int]) -> dict[int, tuple[rules.Revision, ...]]:
    """The changes of plan of these assets, each's in date order."""
    if not asset_ids:
        return {}
    found: dict[int, list[rules.Revision]] = {}
    rv = models.AssetRevision
    for asset_id, on, life, residual, write_down in session.execute(
        select(rv.asset_id, rv.on, rv.life, rv.residual, rv.write_down)
        .where(rv.asset_id.in_(asset_ids))
        .order_by(rv.asset_id, rv.on)
    ).tuples():
        found.setdefault(asset_id, []).append(rules.Revision(on, life, int(residual), int(write_down)))
    return {asset: tuple(items) for asset, items in found.items()}


def plan_of(asset: models.FixedAsset, revisions: tuple[rules.Revision, ...] = ()) -> rules.Plan:
    """An asset's plan as the ledger computes it, with its changes."""
    return rules.Plan(
        asset.method,
        asset.gross,
        asset.residual,
        asset.in_service_on,
        life=asset.life,
        coefficient=asset.coefficient,
        units_total=asset.units_total or 0,
        units={int(year): int(n) for year, n in (asset.units_by_year or {}).items()},
        revisions=revisions,
    )


def year_start_month(session: Session, company_id: int) -> int:
    """The month the company's fiscal years start in (its first one's)."""
    first = session.scalar(
        select(models.FiscalYear.start_date)
        .where(models.FiscalYear.company_id == company_id)
        .order_by(models.FiscalYear.start_date)
        .limit(1)
    )
    return first.month if first is not None else 1


def create_asset(
    session: Session, company: CompanyContext, data: Mapping[str, Any], user_id: int
) -> models.FixedAsset:
    """A new asset of the register, every fault of the request said at once (nothing written
    on one). Its gross value comes from ``ligne_acquisition`` (a posted line on a class-2
    account, linked once), or is typed (``valeur_brute``) — with ``contrepartie`` (and
    ``journal``, ACH by default) its acquisition entry is posted here. ``composants`` split it
    into parts with their own lives (the SYSCOHADA révisé component approach): the parts are
    depreciated, the asset is their sum."""
    errors: list[FieldError] = []
    currency = company.currency
    label = _text(data, "libelle", 200)
    if not label:
        errors.append(FieldError("libelle", "Le libellé de l'immobilisation est obligatoire."))
    categories = ohada.asset_categories()
    category_code = _text(data, "categorie", 40) or "materiel_bureau"
    category = categories.get(category_code)
    if category is None:
        errors.append(
            FieldError(
                "categorie", f"Catégorie inconnue : {category_code} (catégories : {', '.join(categories)})."
            )
        )
    line = None
    gross = _money(data, "valeur_brute", currency, errors)
    acquired = _day(data, "date_acquisition", errors)
    asset_code = _text(data, "compte_immobilisation", 12) or (category.asset if category else "")
    if data.get("ligne_acquisition") not in (None, ""):
        line = _acquisition_line(session, company.id, data.get("ligne_acquisition"), errors)
        if line is not None:
            gross = gross if gross is not None else int(line.debit)
            acquired = acquired or line.entry_date
            asset_code = line.code if not data.get("compte_immobilisation") else asset_code
            if gross != line.debit:
                errors.append(
                    FieldError("valeur_brute", "La valeur brute est le débit de la ligne d'acquisition.")
                )
    if gross is None and not errors:
        errors.append(FieldError("valeur_brute", "Indiquez la valeur brute, ou la ligne d'acquisition."))
    if acquired is None and not any(e.field == "date_acquisition" for e in errors):
        errors.append(FieldError("date_acquisition", "La date d'acquisition est obligatoire (AAAA-MM-JJ)."))
    in_service = _day(data, "date_mise_en_service", errors) or acquired
    accounts = {
        "asset": _account(session, company.id, asset_code, "compte_immobilisation", ("2",), errors)
        if asset_code
        else None,
        "depreciation": _account(
            session,
            company.id,
            _text(data, "compte_amortissement", 12) or (category.depreciation if category else ""),
            "compte_amortissement",
            ("28",),
            errors,
        ),
        "expense": _account(
            session,
            company.id,
            _text(data, "compte_dotation", 12) or (category.expense if category else ""),
            "compte_dotation",
            ("681", "687", "6913"),
            errors,
        ),
    }
    if accounts["asset"] is not None and accounts["asset"].code.startswith(("28", "29")):
        errors.append(
            FieldError("compte_immobilisation", "Un compte 28 ou 29 n'est pas un compte d'immobilisation.")
        )
    method = _text(data, "methode", 12) or rules.LINEAR
    life = _int(data, "duree", errors, category.life if category else 0)
    coefficient = _decimal(data, "coefficient", errors)
    residual = _money(data, "valeur_residuelle", currency, errors) or 0
    units_total = (
        _int(data, "unites_totales", errors, 0) if data.get("unites_totales") not in (None, "") else 0
    )
    units = _units(data.get("unites"), errors)
    coefficients = ohada.declining_coefficients(
        session.scalar(select(models.Company.country).where(models.Company.id == company.id)) or ""
    )
    if method == rules.DECLINING and coefficient is None:
        coefficient = rules.coefficient_for(life, coefficients)
    supplier = _text(data, "fournisseur", 100) or None
    if (
        supplier is not None
        and session.scalar(
            select(models.Partner.id).where(
                models.Partner.company_id == company.id, models.Partner.code == supplier
            )
        )
        is None
    ):
        errors.append(
            FieldError("fournisseur", f"Tiers inconnu : {supplier} (enregistrez-le dans les tiers d'abord).")
        )
    quantity = _int(data, "quantite", errors, 1)
    if quantity <= 0:
        errors.append(FieldError("quantite", "La quantité est un nombre positif."))
    components = _components(data.get("composants"), currency, method, coefficient, errors)
    if components and gross is not None and sum(c.gross for c in components) != gross:
        errors.append(
            FieldError(
                "composants",
                f"Les composants font {sum(c.gross for c in components)} ; la valeur brute est {gross}.",
            )
        )
    counterpart = _text(data, "contrepartie", 12)
    if counterpart and line is not None:
        errors.append(
            FieldError("contrepartie", "Une ligne d'acquisition est donnée : son écriture est déjà passée.")
        )
    if gross is not None and in_service is not None:
        plans = (
            [rules.Plan(c.method, c.gross, c.residual, in_service, c.life, c.coefficient) for c in components]
            if components
            else [rules.Plan(method, gross, residual, in_service, life, coefficient, units_total, units)]
        )
        for index, plan in enumerate(plans):
            where = f"composants[{index}]." if components else ""
            for field, fault in rules.plan_faults(plan, acquired, coefficients):
                errors.append(FieldError(f"{where}{field}", entry_rules.sentence(fault)))
    opening = _money(data, "amortissements_anterieurs", currency, errors) or 0
    opening_on = _day(data, "date_ouverture", errors)
    if opening:
        if components:
            errors.append(
                FieldError(
                    "amortissements_anterieurs",
                    "Un bien en composants porte ses amortissements par composant.",
                )
            )
        elif gross is not None and opening > gross - residual:
            errors.append(
                FieldError(
                    "amortissements_anterieurs",
                    "Les amortissements antérieurs dépassent la base amortissable.",
                )
            )
        if opening_on is None and not any(e.field == "date_ouverture" for e in errors):
            errors.append(
                FieldError("date_ouverture", "Indiquez la date à laquelle ces amortissements sont arrêtés.")
            )
        elif opening_on is not None and in_service is not None and opening_on < in_service:
            errors.append(
                FieldError("date_ouverture", "Les amortissements sont arrêtés après la mise en service.")
            )
    code = _text(data, "numero", 40)
    if code and session.scalar(
        select(models.FixedAsset.id).where(
            models.FixedAsset.company_id == company.id, models.FixedAsset.code == code
        )
    ):
        errors.append(FieldError("numero", f"Le numéro {code} est déjà celui d'une immobilisation."))
    if errors:
        raise InvalidInput(
            "L'immobilisation n'est pas enregistrée : corrigez les champs signalés.", errors=errors
        )
    assert gross is not None and acquired is not None and in_service is not None and category is not None
    if counterpart:
        made = posting.create_entry(
            session,
            company,
            entry_rules.EntryDraft(
                journal=_text(data, "journal", 8).upper() or "ACH",
                date=acquired,
                label=f"Acquisition : {label}"[:255],
                reference=_text(data, "piece", 100) or None,
                lines=(
                    entry_rules.LineDraft(
                        accounts["asset"].code, label, from_minor(gross, currency), Decimal(0)
                    ),
                    entry_rules.LineDraft(
                        counterpart,
                        label,
                        Decimal(0),
                        from_minor(gross, currency),
                        supplier if counterpart.startswith(("40", "48")) else None,
                    ),
                ),
            ),
            user_id,
            post=True,
        )
        line_id = session.scalar(
            select(models.Line.id).where(models.Line.entry_id == made.id, models.Line.line_no == 1)
        )
    else:
        line_id = line.id if line is not None else None
    asset = models.FixedAsset(
        company_id=company.id,
        code=code or _next_code(session, company.id),
        label=label,
        category=category.code,
        asset_account_id=accounts["asset"].id,
        depreciation_account_id=accounts["depreciation"].id,
        expense_account_id=accounts["expense"].id,
        acquired_on=acquired,
        in_service_on=in_service,
        gross=gross,
        residual=residual if not components else 0,
        method=method,
        life=life,
        coefficient=coefficient if method == rules.DECLINING else None,
        units_total=units_total or None,
        units_by_year={str(k): v for k, v in units.items()} or None,
        supplier=supplier,
        quantity=quantity,
        location=_text(data, "emplacement", 100) or None,
        acquisition_line_id=line_id,
        opening_depreciation=opening,
        opening_on=opening_on if opening else None,
    )
    session.add(asset)
    session.flush()
    for index, part in enumerate(components, start=1):
        session.add(
            models.FixedAsset(
                company_id=company.id,
                code=f"{asset.code}-{index}",
                label=part.label,
                category=asset.category,
                asset_account_id=asset.asset_account_id,
                depreciation_account_id=asset.depreciation_account_id,
                expense_account_id=asset.expense_account_id,
                acquired_on=acquired,
                in_service_on=in_service,
                gross=part.gross,
                residual=part.residual,
                method=part.method,
                life=part.life,
                coefficient=part.coefficient,
                supplier=supplier,
                quantity=1,
                location=asset.location,
                parent_id=asset.id,
            )
        )
    session.flush()
    return asset


def _units(raw: Any, errors: list[FieldError]) -> dict[int, int]:
    if raw in (None, ""):
        return {}
    found = {str(k): _whole(v) for k, v in raw.items()} if isinstance(raw, dict) else {"": None}
    if not all(k.isdigit() and len(k) == 4 and v is not None and v >= 0 for k, v in found.items()):
        errors.append(FieldError("unites", 'Unités par année attendues : {"2026": 30000, …}.'))
        return {}
    return {int(k): int(v or 0) for k, v in found.items()}


def _components(
    raw: Any, currency: str, method: str, coefficient: Decimal | None, errors: list[FieldError]
) -> list[Component]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or len(raw) > 50:
        errors.append(FieldError("composants", "Une liste de composants (50 au plus) est attendue."))
        return []
    found = []
    for index, part in enumerate(raw):
        where = f"composants[{index}]"
        if not isinstance(part, dict):
            errors.append(FieldError(where, "Un composant est un objet."))
            continue
        local: list[FieldError] = []
        label = _text(part, "libelle", 200)
        if not label:
            local.append(FieldError("libelle", "Le libellé du composant est obligatoire."))
        gross = _money(part, "valeur_brute", currency, local)
        if gross is None and not any(e.field == "valeur_brute" for e in local):
            local.append(FieldError("valeur_brute", "La valeur brute du composant est obligatoire."))
        life = _int(part, "duree", local, 0)
        errors.extend(FieldError(f"{where}.{e.field}", e.message) for e in local)
        if not local and gross is not None:
            found.append(
                Component(
                    label,
                    gross,
                    life,
                    _text(part, "methode", 12) or method,
                    _decimal(part, "coefficient", errors) or coefficient,
                    _money(part, "valeur_residuelle", currency, errors) or 0,
                )
            )
    return found


def _acquisition_line(session: Session, company_id: int, raw: Any, errors: list[FieldError]) -> Any:
    """A posted debit line on a class-2 account of the company, not linked to an asset yet."""
    field = "ligne_acquisition"
    if isinstance(raw, bool) or not str(raw).isdigit() or len(str(raw)) > 18:
        errors.append(FieldError(field, "Identifiant de ligne attendu."))
        return None
    ln, ent = models.Line, models.Entry
    found = session.execute(
        select(ln.id, ln.debit, ln.entry_date, _A.code, ent.status)
        .join(ent, ent.id == ln.entry_id)
        .join(_A, _A.id == ln.account_id)
        .where(ln.id == int(raw), ent.company_id == company_id)
    ).first()
    if found is None:
        errors.append(FieldError(field, f"Ligne introuvable : {raw}."))
        return None
    if found.status != models.POSTED:
        errors.append(FieldError(field, "La ligne d'acquisition appartient à une écriture validée."))
        return None
    if not found.code.startswith("2") or found.code.startswith(("28", "29")) or found.debit <= 0:
        errors.append(
            FieldError(field, "La ligne d'acquisition est un débit d'un compte d'immobilisation (classe 2).")
        )
        return None
    if session.scalar(select(models.FixedAsset.id).where(models.FixedAsset.acquisition_line_id == found.id)):
        errors.append(FieldError(field, "Cette ligne est déjà celle d'une autre immobilisation."))
        return None
    return found


def get_asset(session: Session, company_id: int, asset_id: int) -> models.FixedAsset:
    asset = session.scalar(
        select(models.FixedAsset).where(
            models.FixedAsset.id == asset_id, models.FixedAsset.company_id == company_id
        )
    )
    if asset is None:
        raise NotFound(f"Immobilisation introuvable : {asset_id}.", field="id")
    return asset


def components_of(session: Session, asset_id: int) -> list[models.FixedAsset]:
    return list(
        session.scalars(
            select(models.FixedAsset)
            .where(models.FixedAsset.parent_id == asset_id)
            .order_by(models.FixedAsset.id)
        )
    )


def depreciated(session: Session, asset_ids: Sequence[int]) -> dict[int, int]:
    """What is posted of each asset's depreciation (runs not reversed, disposals' catch-ups)."""
    if not asset_ids:
        return {}
    ad, run = models.AssetDepreciation, models.DepreciationRun
    rows = session.execute(
        select(ad.asset_id, func.sum(ad.amount))
        .outerjoin(run, run.id == ad.run_id)
        .where(ad.asset_id.in_(asset_ids), run.reversed_at.is_(None))
        .group_by(ad.asset_id)
    ).tuples()
    return {asset: int(total) for asset, total in rows}


def parts_posted(session: Session, company_id: int, top_ids: Sequence[int]) -> dict[int, int]:
    """For each of these assets of the register's first level, the depreciation posted on it —
    or on its components, with what they carried in from an imported register."""
    if not top_ids:
        return {}
    fa, ad, run = models.FixedAsset, models.AssetDepreciation, models.DepreciationRun
    top = func.coalesce(fa.parent_id, fa.id)
    found: dict[int, int] = {}
    for asset, total in session.execute(
        select(top, func.sum(ad.amount))
        .join(fa, fa.id == ad.asset_id)
        .outerjoin(run, run.id == ad.run_id)
        .where(fa.company_id == company_id, top.in_(top_ids), run.reversed_at.is_(None))
        .group_by(top)
    ).tuples():
        found[asset] = int(total)
    for parent, opening in session.execute(
        select(fa.parent_id, func.sum(fa.opening_depreciation))
        .where(fa.company_id == company_id, fa.parent_id.in_(top_ids))
        .group_by(fa.parent_id)
    ).tuples():
        if parent is not None:
            found[parent] = found.get(parent, 0) + int(opening or 0)
    return found


def listing(
    session: Session,
    company_id: int,
    *,
    category: str | None = None,
    state: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> tuple[list[models.FixedAsset], dict[int, int], str | None]:
    """A page of the register's first level, by number from ``after``: the assets, the
    depreciation posted on each (components included), the next page's cursor."""
    fa = models.FixedAsset
    query = select(fa).where(fa.company_id == company_id, fa.parent_id.is_(None))
    if category:
        query = query.where(fa.category == category)
    if state:
        query = query.where(fa.state == state)
    if after:
        query = query.where(fa.code > after)
    found = list(session.scalars(query.order_by(fa.code).limit(limit + 1)))
    page, more = found[:limit], len(found) > limit
    return (
        page,
        parts_posted(session, company_id, [a.id for a in page]),
        page[-1].code if more and page else None,
    )


def category_totals(session: Session, company_id: int) -> list[tuple[str, int, int]]:
    """Per category, the assets in service: gross value and depreciation posted (an imported
    register's included), summed by the database over every depreciated part."""
    fa, ad, run = models.FixedAsset, models.AssetDepreciation, models.DepreciationRun
    child = aliased(models.FixedAsset)
    gross = dict(  # the parts in service: an asset's components rather than the asset
        session.execute(
            select(fa.category, func.sum(fa.gross))
            .where(
                fa.company_id == company_id,
                fa.state == "en_service",
                ~select(child.id).where(child.parent_id == fa.id).exists(),
            )
            .group_by(fa.category)
        )
        .tuples()
        .all()
    )
    # an asset split into components carries no depreciation of its own: its parts do
    opening = dict(
        session.execute(
            select(fa.category, func.sum(fa.opening_depreciation))
            .where(fa.company_id == company_id, fa.state == "en_service")
            .group_by(fa.category)
        )
        .tuples()
        .all()
    )
    reversed_runs = select(run.id).where(run.company_id == company_id, run.reversed_at.is_not(None))
    posted = dict(
        session.execute(
            select(fa.category, func.sum(ad.amount))
            .join(ad, ad.asset_id == fa.id)
            .where(
                fa.company_id == company_id,
                fa.state == "en_service",
                or_(ad.run_id.is_(None), ad.run_id.not_in(reversed_runs)),
            )
            .group_by(fa.category),
            execution_options=PLANNED,
        )
        .tuples()
        .all()
    )
    rv = models.AssetRevision
    written = dict(
        session.execute(
            select(fa.category, func.sum(rv.write_down))
            .join(rv, rv.asset_id == fa.id)
            .where(fa.company_id == company_id, fa.state == "en_service")
            .group_by(fa.category)
        )
        .tuples()
        .all()
    )
    return [
        (
            code,
            int(total),
            int(opening.get(code) or 0) + int(posted.get(code) or 0) + int(written.get(code) or 0),
        )
        for code, total in sorted(gross.items())
    ]


def in_service(session: Session, company_id: int, top_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """For each of these assets of the register's first level, what of it is still in the
    books: the gross value and depreciation of its parts in service (itself when it has none;
    a component sold or scrapped is out)."""
    if not top_ids:
        return {}
    fa, child, ad, run = (
        models.FixedAsset,
        aliased(models.FixedAsset),
        models.AssetDepreciation,
        models.DepreciationRun,
    )
    top = func.coalesce(fa.parent_id, fa.id)
    leaf = ~select(child.id).where(child.parent_id == fa.id).exists()
    kept = (fa.company_id == company_id, fa.state == "en_service", top.in_(top_ids), leaf)
    found = {
        asset: [int(gross or 0), int(opening or 0)]
        for asset, gross, opening in session.execute(
            select(top, func.sum(fa.gross), func.sum(fa.opening_depreciation)).where(*kept).group_by(top)
        ).tuples()
    }
    for asset, total in session.execute(
        select(top, func.sum(ad.amount))
        .join(ad, ad.asset_id == fa.id)
        .outerjoin(run, run.id == ad.run_id)
        .where(*kept, run.reversed_at.is_(None))
        .group_by(top)
    ).tuples():
        found.setdefault(asset, [0, 0])[1] += int(total)
    rv = models.AssetRevision
    for asset, total in session.execute(
        select(top, func.sum(rv.write_down)).join(rv, rv.asset_id == fa.id).where(*kept).group_by(top)
    ).tuples():
        found.setdefault(asset, [0, 0])[1] += int(total or 0)
    return {asset: (gross, done) for asset, (gross, done) in found.items()}


def impairment_account(depreciation: str) -> str:
    """The 29x account beside a 28x one (2845 → 2945): where an asset's write-downs go."""
    return "29" + depreciation[2:]


def revise(
    session: Session, company: CompanyContext, asset_id: int, data: Mapping[str, Any], user_id: int
) -> models.AssetRevision:
    """Change an asset's plan from ``date``: a remaining life (``duree``), a residual value,
    and an exceptional write-down (``depreciation``) booked that day in OD (691x / 29x). Not
    before a depreciation run that stands after that date (409), nor on an asset out of the
    books or split into components (each component is revised); every fault at once."""
    asset = get_asset(session, company.id, asset_id)
    errors: list[FieldError] = []
    currency = company.currency
    day = _day(data, "date", errors)
    if day is None and not errors:
        errors.append(FieldError("date", "La date du changement de plan est obligatoire (AAAA-MM-JJ)."))
    life = _int(data, "duree", errors, 0)
    residual = _money(data, "valeur_residuelle", currency, errors) or 0
    write_down = _money(data, "depreciation", currency, errors) or 0
    if asset.state != "en_service":
        errors.append(FieldError("id", f"L'immobilisation {asset.code} est sortie du patrimoine."))
    if components_of(session, asset.id):
        errors.append(FieldError("id", "Un bien en composants change de plan composant par composant."))
    if day is not None and not errors:
        month = year_start_month(session, company.id)
        plan = plan_of(asset, revisions_of(session, [asset.id]).get(asset.id, ()))
        revision = rules.Revision(day, life, residual, write_down)
        for field, fault in rules.revision_faults(plan, revision, rules.windows_for(plan, month)):
            errors.append(
                FieldError(field if field != "depreciation" else "depreciation", entry_rules.sentence(fault))
            )
    if errors:
        raise InvalidInput("Le plan n'est pas changé : corrigez les champs signalés.", errors=errors)
    assert day is not None
    run = models.DepreciationRun
    later = session.scalar(
        select(run.through).where(run.company_id == company.id, run.through >= day, run.reversed_at.is_(None))
    )
    if later is not None:
        from wisebook.ledger.errors import Conflict

        raise Conflict(
            f"Des dotations sont passées jusqu'au {later:%d/%m/%Y} : le plan change après, ou extournez-les.",
            field="date",
        )
    entry_id = None
    if write_down:
        depreciation = session.scalar(select(_A.code).where(_A.id == asset.depreciation_account_id)) or ""
        target = impairment_account(depreciation)
        expense = "6913" if depreciation.startswith("281") else "6914"
        label = f"Dépréciation exceptionnelle : {asset.label}"[:255]
        made = posting.create_entry(
            session,
            company,
            entry_rules.EntryDraft(
                "OD",
                day,
                label,
                asset.code,
                (
                    entry_rules.LineDraft(expense, label, from_minor(write_down, currency), Decimal(0)),
                    entry_rules.LineDraft(target, label, Decimal(0), from_minor(write_down, currency)),
                ),
            ),
            user_id,
            post=True,
        )
        entry_id = made.id
    revision_row = models.AssetRevision(
        asset_id=asset.id,
        on=day,
        life=life,
        residual=residual,
        write_down=write_down,
        entry_id=entry_id,
        created_by_id=user_id,
    )
    session.add(revision_row)
    session.flush()
    return revision_row


def written_down(session: Session, asset_ids: Sequence[int]) -> dict[int, int]:
    """Each asset's exceptional write-downs (29x): its net book value is its gross less its
    depreciation and these."""
    if not asset_ids:
        return {}
    rv = models.AssetRevision
    return {
        asset: int(total)
        for asset, total in session.execute(
            select(rv.asset_id, func.sum(rv.write_down))
            .where(rv.asset_id.in_(asset_ids))
            .group_by(rv.asset_id)
        ).tuples()
        if total
    }
