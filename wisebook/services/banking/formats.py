"""Statement files read into ``ledger.banking.Statement``: ISO 20022 camt.053, SWIFT MT940,
OFX (1.x SGML and 2.x XML), and CSV/XLSX through a column profile.

Each reader takes the file's bytes and says a malformed file as an ``InvalidInput`` naming
its line. camt.053 is read by the standard library's expat through defusedxml (no DTD, no
entities, no network: a statement is data, never instructions), noting the line each element
starts on; MT940 by the ``mt-940`` package, OFX by ``ofxtools``.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from wisebook.ledger.banking import LABEL_LENGTH, REFERENCE_LENGTH, Statement, StatementLine
from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import exponent, minor_from_number

FORMATS = ("camt053", "mt940", "ofx", "tableur")
_LINE = "{urn:wisebook}ligne"


def refused(line: int | None, reason: str) -> InvalidInput:
    """A malformed file, named by its line."""
    where = f"ligne {line} : " if line else ""
    return InvalidInput(f"Relevé illisible, {where}{reason}.", field="fichier")


def _minor(text: str | Decimal, currency: str, line: int | None) -> int:
    """A signed amount a machine wrote (a dot for decimals) → minor units, exactly."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
        units = minor_from_number(abs(value), exponent(currency))
        return -units if value < 0 else units
    except (InvalidOperation, ValueError) as exc:
        raise refused(line, f"montant illisible « {text} »") from exc


def _cut(text: str | None, limit: int) -> str | None:
    text = " ".join((text or "").split())
    return text[:limit] or None


def recognise(data: bytes) -> str | None:
    """The format of a statement file by its content, or None (a spreadsheet: a profile)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.startswith(b"<?xml") or head.startswith(b"<Document"):
        if b"camt.053" in data[:4096] or b"BkToCstmrStmt" in data[:8192]:
            return "camt053"
        if b"<OFX" in data[:8192]:
            return "ofx"
        return None
    if head.startswith(b"OFXHEADER") or b"<OFX>" in head:
        return "ofx"
    if re.search(rb"(^|\n):20:", data[:4096]) and b":61:" in data:
        return "mt940"
    if head.startswith(b"{1:") and b":20:" in data[:4096]:
        return "mt940"
    return None


# ---------------------------------------------------------------------------- camt.053


class _Located:
    """An ElementTree builder that notes, on each element, the line it starts on."""

    def __init__(self) -> None:
        self.builder = ET.TreeBuilder()
        self.expat: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = self.builder.start(tag, {**attrs, _LINE: str(self.expat.CurrentLineNumber)})
        return element

    def end(self, tag: str) -> ET.Element:
        return self.builder.end(tag)

    def data(self, text: str) -> None:
        self.builder.data(text)

    def close(self) -> ET.Element:
        return self.builder.close()


def _xml(data: bytes) -> ET.Element:
    target = _Located()
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    target.expat = parser.parser
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
        return root
    except ET.ParseError as exc:
        raise refused(exc.position[0], "XML mal formé") from exc
    except DefusedXmlException as exc:
        raise refused(None, "un relevé XML ne déclare ni DTD ni entités") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element | None, *path: str) -> ET.Element | None:
    """The first descendant along ``path`` (local names: any camt.053 version's namespace)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _text(element: ET.Element | None, *path: str) -> str | None:
    found = _child(element, *path)
    return (found.text or "").strip() or None if found is not None else None


def _line(element: ET.Element) -> int:
    return int(element.get(_LINE, "0"))


def _day(element: ET.Element | None, what: str, line: int) -> dt.date | None:
    """A ``Dt`` or a ``DtTm`` under ``element``."""
    if element is None:
        return None
    text = _text(element, "Dt") or (_text(element, "DtTm") or "")[:10]
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise refused(line, f"{what} illisible « {text} »") from exc


def _signed(element: ET.Element, currency: str) -> int:
    line = _line(element)
    amount = _child(element, "Amt")
    if amount is None or not (amount.text or "").strip():
        raise refused(line, "montant (Amt) manquant")
    side = _text(element, "CdtDbtInd")
    if side not in ("CRDT", "DBIT"):
        raise refused(line, "sens (CdtDbtInd CRDT ou DBIT) manquant")
    units = _minor(amount.text or "", currency, _line(amount))
    return units if side == "CRDT" else -units


def read_camt053(data: bytes, currency: str) -> Statement:
    """ISO 20022 BankToCustomerStatement (camt.053, versions 001.02 to 001.13): the account's
    IBAN and currency, the booked opening (OPBD, else PRCD) and closing (CLBD) balances, and
    each booked entry — its amount and side, booking and value dates, the bank's reference,
    the end-to-end id, the remittance text and the other party's name and IBAN."""
    root = _xml(data)
    found = _child(root, "BkToCstmrStmt", "Stmt") if _local(root.tag) == "Document" else None
    if found is None:
        raise refused(_line(root), "pas de relevé camt.053 (Document/BkToCstmrStmt/Stmt)")
    stmt: ET.Element = found
    ccy = _text(stmt, "Acct", "Ccy")
    statement = Statement("camt053", iban=_text(stmt, "Acct", "Id", "IBAN"), currency=ccy)
    account_currency = (ccy or currency).upper()
    statement.account_number = _text(stmt, "Acct", "Id", "Othr", "Id")
    for balance in (c for c in stmt if _local(c.tag) == "Bal"):
        kind = _text(balance, "Tp", "CdOrPrtry", "Cd")
        if kind in ("OPBD", "PRCD") and statement.opening is None:
            statement.opening = _signed(balance, account_currency)
            statement.opening_date = _day(_child(balance, "Dt"), "date de solde", _line(balance))
        elif kind == "CLBD":
            statement.closing = _signed(balance, account_currency)
            statement.closing_date = _day(_child(balance, "Dt"), "date de solde", _line(balance))
    for entry in (c for c in stmt if _local(c.tag) == "Ntry"):
        line = _line(entry)
        status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
        if status and status not in ("BOOK",):
            continue  # pending or informational: not yet on the account
        day = _day(_child(entry, "BookgDt"), "date de comptabilisation", line)
        if day is None:
            raise refused(line, "date de comptabilisation (BookgDt) manquante")
        details = _child(entry, "NtryDtls", "TxDtls")
        parties = _child(details, "RltdPties")
        incoming = _text(entry, "CdtDbtInd") == "CRDT"
        other = "Dbtr" if incoming else "Cdtr"
        name = _text(parties, other, "Nm") or _text(parties, other, "Pty", "Nm")
        iban = _text(parties, f"{other}Acct", "Id", "IBAN")
        remittance = " ".join(
            (u.text or "").strip() for u in (_child(details, "RmtInf") or []) if _local(u.tag) == "Ustrd"
        )
        label = remittance or _text(entry, "AddtlNtryInf") or _text(details, "AddtlTxInf") or name or ""
        statement.lines.append(
            StatementLine(
                line=line,
                date=day,
                amount=_signed(entry, account_currency),
                label=_cut(label, LABEL_LENGTH) or "",
                value_date=_day(_child(entry, "ValDt"), "date de valeur", line),
                reference=_cut(
                    _text(details, "Refs", "EndToEndId") or _text(entry, "NtryRef"), REFERENCE_LENGTH
                ),
                counterparty=_cut(name, 200),
                counterparty_iban=_cut(iban, 34),
                bank_id=_cut(_text(entry, "AcctSvcrRef") or _text(details, "Refs", "AcctSvcrRef"), 100),
            )
        )
    return statement


# ---------------------------------------------------------------------------- MT940


def read_mt940(data: bytes, currency: str) -> Statement:
    """SWIFT MT940 (customer statement): :25: the account, :60F:/:60M: the opening balance,
    each :61: movement with its :86: information, :62F:/:62M: the closing balance — read by the
    ``mt-940`` package. Several statements in one file are read as one, in order."""
    import mt940

    text = data.decode("latin-1")
    try:
        transactions = mt940.models.Transactions()
        transactions.parse(text)
    except Exception as exc:  # the package raises plain exceptions on a broken field
        raise refused(None, f"MT940 illisible ({exc})") from exc
    if not transactions.data and not transactions.transactions:
        raise refused(None, "aucun champ MT940 (:20:, :25:, :60F:, :61:, :62F:)")
    lines_of = _mt940_lines(text)
    info = transactions.data
    account = str(info.get("account_identification") or "").strip()
    opening = info.get("final_opening_balance") or info.get("intermediate_opening_balance")
    closing = info.get("final_closing_balance") or info.get("intermediate_closing_balance")
    ccy = str(opening.amount.currency) if opening is not None else None
    statement = Statement(
        "mt940",
        iban=account if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", account.replace(" ", "")) else None,
        account_number=account or None,
        currency=ccy,
    )
    account_currency = (ccy or currency).upper()
    if opening is not None:
        statement.opening = _minor(opening.amount.amount, account_currency, None)
        statement.opening_date = _plain(opening.date)
    for n, movement in enumerate(transactions.transactions):
        line = lines_of[n] if n < len(lines_of) else 0
        values = movement.data
        amount = values.get("amount")
        value_day = _plain(values.get("date"))  # :61:'s first date is the value date,
        day = _plain(values.get("entry_date")) or value_day  # its second the booking date
        if amount is None or day is None:
            raise refused(line, "mouvement :61: sans date ou sans montant")
        purpose = values.get("transaction_details") or values.get("purpose") or ""
        reference = values.get("customer_reference")
        statement.lines.append(
            StatementLine(
                line=line,
                date=day,
                amount=_minor(amount.amount, account_currency, line),
                label=_cut(str(purpose), LABEL_LENGTH) or str(values.get("id") or ""),
                value_date=value_day,
                reference=_cut(None if reference in (None, "NONREF") else str(reference), REFERENCE_LENGTH),
                counterparty=_cut(values.get("applicant_name"), 200),
                counterparty_iban=_cut(values.get("applicant_iban"), 34),
                bank_id=_cut(values.get("bank_reference"), 100),
            )
        )
    if closing is not None:
        statement.closing = _minor(closing.amount.amount, account_currency, None)
        statement.closing_date = _plain(closing.date)
    return statement


def _plain(day: Any) -> dt.date | None:
    """The package's dates as plain dates."""
    return dt.date(day.year, day.month, day.day) if isinstance(day, dt.date) else None


def _mt940_lines(text: str) -> list[int]:
    """The line each :61: movement starts on."""
    return [n for n, row in enumerate(text.splitlines(), start=1) if row.startswith(":61:")]


# ---------------------------------------------------------------------------- OFX


def read_ofx(data: bytes, currency: str) -> Statement:
    """OFX bank statement (1.x SGML or 2.x XML), read by ``ofxtools``: the account, its
    currency, each transaction (its FITID is the bank's id), the ledger balance."""
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    try:
        import io

        tree.parse(io.BytesIO(data))
        ofx = tree.convert()
    except Exception as exc:  # ofxtools raises its own errors and ValueError on bad values
        raise refused(None, f"OFX illisible ({exc})") from exc
    statements = list(getattr(ofx, "statements", []) or [])
    if not statements:
        raise refused(None, "aucun relevé bancaire (STMTRS) dans le fichier OFX")
    found = statements[0]
    account = getattr(found, "account", None)
    ccy = str(getattr(found, "curdef", "") or "") or None
    account_currency = (ccy or currency).upper()
    text = data.decode("latin-1")
    positions = [n for n, row in enumerate(text.splitlines(), start=1) if "<STMTTRN>" in row.upper()]
    statement = Statement("ofx", account_number=getattr(account, "acctid", None), currency=ccy)
    for n, movement in enumerate(getattr(found, "banktranlist", None) or []):
        line = positions[n] if n < len(positions) else 0
        posted = movement.dtposted
        statement.lines.append(
            StatementLine(
                line=line,
                date=posted.date() if isinstance(posted, dt.datetime) else posted,
                amount=_minor(movement.trnamt, account_currency, line),
                label=_cut(" ".join(filter(None, (movement.name, movement.memo))), LABEL_LENGTH) or "",
                reference=_cut(
                    getattr(movement, "checknum", None) or getattr(movement, "refnum", None), REFERENCE_LENGTH
                ),
                counterparty=_cut(movement.name, 200),
                bank_id=_cut(movement.fitid, 100),
            )
        )
    ledger = getattr(found, "ledgerbal", None)
    if ledger is not None:
        statement.closing = _minor(ledger.balamt, account_currency, None)
        as_of = ledger.dtasof
        statement.closing_date = as_of.date() if isinstance(as_of, dt.datetime) else as_of
        # OFX gives the balance at the end only: the opening is what the lines leave of it.
        statement.opening = statement.closing - sum(ln.amount for ln in statement.lines)
        start = getattr(getattr(found, "banktranlist", None), "dtstart", None)
        statement.opening_date = start.date() if isinstance(start, dt.datetime) else statement.start
    return statement


READERS: dict[str, Callable[[bytes, str], Statement]] = {
    "camt053": read_camt053,
    "mt940": read_mt940,
    "ofx": read_ofx,
}


# ---------------------------------------------------------------------------- CSV / XLSX

#: How a profile may write its dates.
DATE_FORMATS = {
    "JJ/MM/AAAA": "%d/%m/%Y",
    "JJ-MM-AAAA": "%d-%m-%Y",
    "JJ.MM.AAAA": "%d.%m.%Y",
    "AAAA-MM-JJ": "%Y-%m-%d",
    "MM/JJ/AAAA": "%m/%d/%Y",
    "AAAAMMJJ": "%Y%m%d",
    "JJ/MM/AA": "%d/%m/%y",
}
#: A profile's columns: the statement's fields and the header each is read from.
PROFILE_COLUMNS = (
    "date",
    "date_valeur",
    "libelle",
    "reference",
    "montant",
    "debit",
    "credit",
    "solde",
    "contrepartie",
    "identifiant",
)


def check_profile(profile: dict[str, Any]) -> dict[str, Any]:
    """A column profile as a bank account keeps it, every fault said at once: the header of
    the date and label columns, of the amount (one signed column, or debit and credit), and
    optionally of the value date, reference, running balance, counterparty and the bank's id;
    the separator, the date format, the decimal mark, the rows to skip before the header."""
    from wisebook.ledger.errors import FieldError

    faults: list[FieldError] = []
    columns = profile.get("colonnes")
    if not isinstance(columns, dict):
        raise InvalidInput("Le profil nomme ses colonnes (« colonnes »).", field="profil.colonnes")
    unknown = sorted(set(columns) - set(PROFILE_COLUMNS))
    if unknown:
        faults.append(FieldError("profil.colonnes", f"Colonnes inconnues : {', '.join(unknown)}."))
    named = {k: str(v).strip() for k, v in columns.items() if k in PROFILE_COLUMNS and v}
    for needed in ("date", "libelle"):
        if needed not in named:
            faults.append(
                FieldError(f"profil.colonnes.{needed}", f"La colonne « {needed} » est obligatoire.")
            )
    if "montant" not in named and not ("debit" in named and "credit" in named):
        faults.append(
            FieldError(
                "profil.colonnes.montant", "Un montant signé (« montant ») ou « debit » et « credit »."
            )
        )
    fmt = profile.get("format_date", "JJ/MM/AAAA")
    if fmt not in DATE_FORMATS:
        faults.append(
            FieldError("profil.format_date", f"Format de date attendu : {', '.join(DATE_FORMATS)}.")
        )
    decimal = profile.get("decimale", ",")
    if decimal not in (",", "."):
        faults.append(FieldError("profil.decimale", "Séparateur décimal : « , » ou « . »."))
    separator = profile.get("separateur", ";")
    if separator not in (";", ",", "\t", "|"):
        faults.append(FieldError("profil.separateur", "Séparateur : « ; », « , », « | » ou tabulation."))
    skip = profile.get("lignes_ignorees", 0)
    if not isinstance(skip, int) or not 0 <= skip <= 50:
        faults.append(FieldError("profil.lignes_ignorees", "Lignes à ignorer avant l'en-tête : de 0 à 50."))
    if faults:
        raise InvalidInput("Le profil de colonnes n'est pas valide.", errors=faults)
    return {
        "colonnes": named,
        "format_date": fmt,
        "decimale": decimal,
        "separateur": separator,
        "lignes_ignorees": skip,
    }


def _norm(text: object) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return " ".join(folded.replace("_", " ").split())


def _rows(data: bytes, separator: str) -> list[tuple[int, list[str]]]:
    """The rows of a CSV or of an XLSX's first sheet, with their line numbers."""
    import csv
    import io
    import zipfile

    if data[:4] == b"PK\x03\x04":
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise refused(None, "classeur XLSX illisible") from exc
        sheet = book.worksheets[0]
        found = []
        for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            found.append(
                (n, ["" if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v)) for v in row])
            )
        book.close()
        return found
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=separator), start=1)]


def _tabular_amount(text: str, decimal: str, currency: str, line: int) -> int:
    cleaned = "".join(text.replace("\u00a0", "").replace("\u202f", "").split())
    if not cleaned:
        return 0
    cleaned = cleaned.replace(".", "").replace(",", ".") if decimal == "," else cleaned.replace(",", "")
    return _minor(cleaned, currency, line)


def _tabular_day(text: str, fmt: str, line: int, what: str) -> dt.date:
    value = text.strip()
    if "T" in value[:19] and fmt.startswith("%Y"):
        value = value.split("T")[0]
    value = value.split(" ")[0]
    try:
        return dt.datetime.strptime(value, fmt).date()
    except ValueError as exc:
        raise refused(line, f"{what} « {text} » illisible (attendu {_shown_format(fmt)})") from exc


def _shown_format(fmt: str) -> str:
    return next(k for k, v in DATE_FORMATS.items() if v == fmt)


def read_tabular(data: bytes, currency: str, profile: dict[str, Any]) -> Statement:
    """A CSV or XLSX export through the bank account's column profile: one row per movement;
    with a running balance column, each row's balance must follow from the one before (the
    opening is the first row's balance before it, the closing the last one's). Rows newest
    first are read oldest first."""
    profile = check_profile(profile)
    columns, fmt = profile["colonnes"], DATE_FORMATS[profile["format_date"]]
    rows = _rows(data, profile["separateur"])[profile["lignes_ignorees"] :]
    if not rows:
        raise refused(None, "fichier vide")
    header_line, header = rows[0]
    position = {_norm(name): i for i, name in enumerate(header)}
    where: dict[str, int] = {}
    for field_name, name in columns.items():
        if _norm(name) not in position:
            raise refused(header_line, f"colonne « {name} » ({field_name}) absente de l'en-tête")
        where[field_name] = position[_norm(name)]

    def cell(row: list[str], name: str) -> str:
        i = where.get(name)
        return row[i].strip() if i is not None and i < len(row) and row[i] is not None else ""

    statement = Statement("tableur", currency=None)
    balances: list[int | None] = []
    for line, row in rows[1:]:
        if not any(v.strip() for v in row if v):
            continue
        day = _tabular_day(cell(row, "date"), fmt, line, "date")
        if "montant" in where:
            amount = _tabular_amount(cell(row, "montant"), profile["decimale"], currency, line)
        else:
            debit = _tabular_amount(cell(row, "debit"), profile["decimale"], currency, line)
            credit = _tabular_amount(cell(row, "credit"), profile["decimale"], currency, line)
            amount = credit - abs(debit)
        value = cell(row, "date_valeur")
        statement.lines.append(
            StatementLine(
                line=line,
                date=day,
                amount=amount,
                label=_cut(cell(row, "libelle"), LABEL_LENGTH) or "",
                value_date=_tabular_day(value, fmt, line, "date de valeur") if value else None,
                reference=_cut(cell(row, "reference"), REFERENCE_LENGTH),
                counterparty=_cut(cell(row, "contrepartie"), 200),
                bank_id=_cut(cell(row, "identifiant"), 100),
            )
        )
        balance = cell(row, "solde")
        balances.append(_tabular_amount(balance, profile["decimale"], currency, line) if balance else None)
    if not statement.lines:
        raise refused(header_line, "aucun mouvement sous l'en-tête")
    if len(statement.lines) > 1 and statement.lines[0].date > statement.lines[-1].date:
        statement.lines.reverse()  # newest first, as many exports list them
        balances.reverse()
    if "solde" in where and all(b is not None for b in balances):
        known = [b for b in balances if b is not None]
        running = known[0] - statement.lines[0].amount
        statement.opening, statement.opening_date = running, statement.lines[0].date
        for ln, stated in zip(statement.lines, known, strict=True):
            running += ln.amount
            if running != stated:
                raise refused(ln.line, "le solde de cette ligne ne suit pas des mouvements qui la précèdent")
        statement.closing, statement.closing_date = known[-1], statement.lines[-1].date
    return statement
