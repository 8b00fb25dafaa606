"""The DSF's fixed-asset notes from the register, for a fiscal year, by line of the Bilan actif
(AE…AP): note 3A (gross values: opening, acquisitions, disposals, closing), note 3C
(depreciation: opening, charge, write-backs on disposals, closing) and the disposals' gains and
losses (3D); each line's closing set against the Bilan's gross and depreciation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from wisebook.data import syscohada
from wisebook.db import models
from wisebook.ledger.statements import place
from wisebook.services.reports import statements as reports


@dataclass
class GrossRow:
    line: str
    label: str
    opening: int = 0
    acquisitions: int = 0
    disposals: int = 0
    closing: int = 0
    books: int = 0  # the Bilan's gross of the line


@dataclass
class DepreciationRow:
    line: str
    label: str
    opening: int = 0
    charge: int = 0
    write_backs: int = 0
    closing: int = 0
    books: int = 0  # the Bilan's depreciation of the line


@dataclass(frozen=True)
class DisposalRow:
    code: str
    label: str
    line: str
    day: dt.date
    gross: int
    depreciation: int
    net: int
    price: int

    @property
    def gain(self) -> int:
        return self.price - self.net


@dataclass
class Tables:
    fiscal_year: str
    start: dt.date
    end: dt.date
    gross: list[GrossRow] = field(default_factory=list)
    depreciation: list[DepreciationRow] = field(default_factory=list)
    disposals: list[DisposalRow] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        """Every line's closing equals the Bilan's."""
        return all(r.closing == r.books for r in self.gross) and all(
            r.closing == r.books for r in self.depreciation
        )


def tables(session: Session, company_id: int, fy: models.FiscalYear) -> Tables:
    """Notes 3A, 3C and 3D of ``fy`` from the register (the parts depreciated: components
    rather than the asset they make)."""
    fa, part = models.FixedAsset, aliased(models.FixedAsset)
    start, end = fy.start_date, fy.end_date
    leaves = list(
        session.scalars(
            select(fa).where(
                fa.company_id == company_id,
                fa.acquired_on <= end,
                ~select(part.id).where(part.parent_id == fa.id).exists(),
            )
        )
    )
    codes = dict(
        session.execute(
            select(models.Account.id, models.Account.code).where(
                models.Account.id.in_({a.asset_account_id for a in leaves})
            )
        )
        .tuples()
        .all()
    )
    actif = syscohada.statements().actif
    line_of: dict[str, str] = {}
    for code in set(codes.values()):
        found = place([actif], {"actif": "brut"}, code, 1)
        line_of[code] = found.line if found else "?"
    ad, run = models.AssetDepreciation, models.DepreciationRun
    posted: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for asset_id, through, amount in session.execute(
        select(ad.asset_id, ad.through, ad.amount)
        .outerjoin(run, run.id == ad.run_id)
        .where(ad.asset_id.in_([a.id for a in leaves]), run.reversed_at.is_(None), ad.through <= end)
    ).tuples():
        posted[asset_id].append((through, int(amount)))
    written: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    rv = models.AssetRevision
    for asset_id, on, amount in session.execute(
        select(rv.asset_id, rv.on, rv.write_down).where(
            rv.asset_id.in_([a.id for a in leaves]), rv.write_down > 0, rv.on <= end
        )
    ).tuples():
        written[asset_id].append((on, int(amount)))
    labels = {line.code: line.label for line in actif.lines}
    gross: dict[str, GrossRow] = {}
    dep: dict[str, DepreciationRow] = {}
    disposals: list[DisposalRow] = []
    for asset in leaves:
        if asset.disposed_on is not None and asset.disposed_on < start:
            continue  # out of the books before the year
        line = line_of[codes[asset.asset_account_id]]
        g = gross.setdefault(line, GrossRow(line, labels.get(line, line)))
        d = dep.setdefault(line, DepreciationRow(line, labels.get(line, line)))
        # depreciation and exceptional write-downs (the Bilan's column holds 28x and 29x)
        before = asset.opening_depreciation + sum(
            a for day, a in posted[asset.id] + written[asset.id] if day < start
        )
        during = sum(a for day, a in posted[asset.id] + written[asset.id] if start <= day <= end)
        if asset.acquired_on < start:
            g.opening += asset.gross
            d.opening += before
        else:
            g.acquisitions += asset.gross
            d.charge += before  # an asset acquired this year carries nothing from before
        d.charge += during
        if asset.disposed_on is not None and asset.disposed_on <= end:
            g.disposals += asset.gross
            d.write_backs += before + during
            disposals.append(
                DisposalRow(
                    asset.code,
                    asset.label,
                    line,
                    asset.disposed_on,
                    asset.gross,
                    before + during,
                    asset.gross - before - during,
                    asset.disposal_price or 0,
                )
            )
    books = reports.financial_statements(session, company_id, fy)["bilan"].sections[0][1]
    for row in gross.values():
        row.closing = row.opening + row.acquisitions - row.disposals
        row.books = books.lines[row.line].gross if row.line in books.lines else 0
    for drow in dep.values():
        drow.closing = drow.opening + drow.charge - drow.write_backs
        drow.books = books.lines[drow.line].depreciation if drow.line in books.lines else 0
    order = {code: i for i, code in enumerate(actif.codes())}
    return Tables(
        fy.code,
        start,
        end,
        sorted(gross.values(), key=lambda r: order.get(r.line, 999)),
        sorted(dep.values(), key=lambda r: order.get(r.line, 999)),
        sorted(disposals, key=lambda r: (r.day, r.code)),
    )
