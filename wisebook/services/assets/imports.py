"""An existing register imported (CSV or XLSX, one row per asset: its acquisition, plan and the
depreciation accumulated at the opening date): every row checked by the register's own rules,
all or nothing, each refused row named with its faults."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from sqlalchemy.orm import Session

from wisebook.ledger.errors import FieldError, InvalidInput
from wisebook.services.assets import register
from wisebook.services.books.companies import CompanyContext

#: The columns a file may hold (the API's field names); ``libelle`` and ``valeur_brute`` and
#: ``date_acquisition`` are needed on each row.
COLUMNS = (
    "numero",
    "libelle",
    "categorie",
    "date_acquisition",
    "date_mise_en_service",
    "valeur_brute",
    "methode",
    "duree",
    "coefficient",
    "valeur_residuelle",
    "amortissements_anterieurs",
    "date_ouverture",
    "compte_immobilisation",
    "compte_amortissement",
    "compte_dotation",
    "fournisseur",
    "quantite",
    "emplacement",
)
AMOUNTS = ("valeur_brute", "valeur_residuelle", "amortissements_anterieurs")
DATES = ("date_acquisition", "date_mise_en_service", "date_ouverture")
MAX_ROWS = 50_000
_FRENCH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _cell(value: Any, column: str) -> str:
    """A cell as the register's rules read it: ISO dates, amounts with a dot, no grouping."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if column in DATES:
        found = _FRENCH_DATE.match(text)
        if found:
            return f"{found.group(3)}-{int(found.group(2)):02d}-{int(found.group(1)):02d}"
    if column in AMOUNTS:
        text = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        if text.endswith(".0") and isinstance(value, float):  # float-ok: a spreadsheet's whole number
            text = text[:-2]
    return text


def read(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows (line number, fields by column), read from CSV (; , or tab, UTF-8 or
    Windows-1252) or XLSX (the first sheet); an unreadable file or an unknown column is refused."""
    if filename.lower().endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook is the same refusal
            raise InvalidInput("Classeur illisible : enregistrez-le en .xlsx.", field="fichier") from None
        raw_rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    else:
        if b"\x00" in data:  # an image, a PDF, an old .xls: not a text file
            raise InvalidInput("Fichier illisible : un registre CSV ou XLSX est attendu.", field="fichier")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        first = text.splitlines()[0] if text else ""
        separator = max((";", "\t", ","), key=first.count)
        try:
            raw_rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=separator)]
        except csv.Error:
            raise InvalidInput(
                "Fichier illisible : un registre CSV ou XLSX est attendu.", field="fichier"
            ) from None
    if not raw_rows:
        raise InvalidInput("Le fichier est vide.", field="fichier")
    header = [str(h or "").strip().lower() for h in raw_rows[0]]
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise InvalidInput(
            f"Colonnes inconnues : {', '.join(unknown[:5])} (colonnes possibles : {', '.join(COLUMNS)}).",
            field="fichier",
        )
    for needed in ("libelle", "valeur_brute", "date_acquisition"):
        if needed not in header:
            raise InvalidInput(f"Colonne manquante : {needed}.", field="fichier")
    if len(raw_rows) - 1 > MAX_ROWS:
        raise InvalidInput(f"Au plus {MAX_ROWS} immobilisations par fichier.", field="fichier")
    rows = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        fields = {
            column: _cell(raw[i] if i < len(raw) else None, column)
            for i, column in enumerate(header)
            if column
        }
        if any(fields.values()):
            rows.append((number, fields))
    return rows


def import_register(
    session: Session, company: CompanyContext, filename: str, data: bytes, user_id: int
) -> dict[str, Any]:
    """Register every row's asset (no acquisition entry: the books hold it already), or none:
    one refused row refuses the file, each fault named ``ligne N : champ : …``."""
    rows = read(filename, data)
    if not rows:
        raise InvalidInput("Le fichier ne contient aucune immobilisation sous son en-tête.", field="fichier")
    faults: list[FieldError] = []
    made = 0
    saved = session.begin_nested()  # all or nothing: the rows written are undone on a fault
    for number, fields in rows:
        values: dict[str, Any] = {k: v for k, v in fields.items() if v}
        try:
            register.create_asset(session, company, values, user_id)
        except InvalidInput as exc:
            faults += [
                FieldError(f"lignes[{number}].{e.field}", f"ligne {number} : {e.message}") for e in exc.errors
            ]
            if len(faults) > 1000:
                break
        else:
            made += 1
    if faults:
        saved.rollback()
    else:
        saved.commit()
    if faults:
        raise InvalidInput(
            f"Registre refusé : {len({f.field.split('.')[0] for f in faults})} ligne(s) en faute ; rien n'est enregistré.",
            errors=faults,
        )
    return {"immobilisations": made, "lignes": len(rows)}
