"""Report exports: CSV and XLSX for every report, PDF for the financial statements.

Rows are written to a temporary file as they come from the database (``yield_per``), then the
file is streamed back: memory stays flat however many lines the report has. Amounts are
exact numbers of the currency's precision (``Decimal``), never floats: ``1234,50`` in the CSV
(the decimal comma French spreadsheets read), numeric cells with a ``# ##0`` format in XLSX.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from babel.numbers import format_decimal
from pyramid.httpexceptions import HTTPForbidden
from pyramid.request import Request
from pyramid.response import FileIter, Response
from sqlalchemy import Select
from sqlalchemy.orm import Session

from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import CURRENCIES, comma_decimal, from_minor
from wisebook.services.access.permissions import Permission
from wisebook.services.reports import exports as report_files
from wisebook.services.reports.exports import FORMULA_STARTS, defused

FORMATS = ("json", "csv", "xlsx", "pdf")
TABULAR = ("csv", "xlsx")
CHUNK = 64 * 1024
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Column:
    """A column of an export: its header and what it holds (text, date, amount or number)."""

    header: str
    kind: str = "text"


def requested_format(request: Request, allowed: Sequence[str] = ("json", "csv", "xlsx")) -> str:
    """The ``format`` parameter, checked against what this report offers."""
    fmt = request.params.get("format", "json").lower()
    if fmt not in allowed:
        raise InvalidInput(
            f"Format inconnu ou indisponible pour ce rapport : {fmt!r}. Formats possibles : {', '.join(allowed)}.",
            field="format",
        )
    if fmt != "json" and not request.has_permission(Permission.EXPORT):
        raise HTTPForbidden("export")  # a reader reads on screen; files leave with the right role
    return fmt


def file_response(
    handle: IO[bytes], content_type: str, filename: str, charset: str | None = None
) -> Response:
    """Stream an open file back as a download named ``filename`` (ASCII: it is a header)."""
    response = Response(content_type=content_type)
    if charset:
        response.charset = charset
    handle.seek(0, 2)
    response.content_length = handle.tell()
    handle.seek(0)
    response.app_iter = FileIter(handle, CHUNK)
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    response.content_disposition = f'attachment; filename="{ascii_name}"'
    return response


def _file_response(handle: IO[bytes], fmt: str, filename: str) -> Response:
    charset = "utf-8" if fmt == "csv" else None
    return file_response(handle, CONTENT_TYPES[fmt].split(";")[0], f"{filename}.{fmt}", charset)


def tabular(
    fmt: str,
    filename: str,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    currency: str,
) -> Response:
    """A CSV or XLSX file of ``rows``; amounts in the rows are integer minor units."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileIter once sent
    kinds = [c.kind for c in columns]
    if fmt == "csv":
        _write_csv(handle, columns, rows, kinds, currency)
    else:
        _write_xlsx(handle, title, columns, rows, kinds, currency)
    return _file_response(handle, fmt, filename)


def copy_csv(
    session: Session, filename: str, columns: Sequence[Column], query: Select[Any], currency: str
) -> Response:
    """A CSV file written by PostgreSQL's COPY from ``query`` (its columns in ``columns``' order).

    PostgreSQL formats dates and amounts itself, as the Python writer does, at several times
    its speed; the file streams into a temporary file in chunks, so memory stays flat.
    """
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileIter once sent
    handle.write(codecs.BOM_UTF8)
    handle.write((";".join(c.header for c in columns) + "\n").encode())
    report_files.copy_csv(session, query, [c.kind for c in columns], currency, handle)
    return _file_response(handle, "csv", filename)


def _write_csv(
    handle: IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    kinds: list[str],
    currency: str,
) -> None:
    handle.write(codecs.BOM_UTF8)  # Excel reads the accents right only with it
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
    writer = csv.writer(text, delimiter=";", lineterminator="\n")  # as PostgreSQL's COPY writes
    writer.writerow([c.header for c in columns])
    places = CURRENCIES.get(currency, 2)
    amount_columns = [i for i, k in enumerate(kinds) if k == "amount"]
    date_columns = [i for i, k in enumerate(kinds) if k == "date"]
    text_columns = [i for i, k in enumerate(kinds) if k == "text"]
    dates: dict[dt.date, str] = {}  # a year has 366 dates, a ledger millions of lines
    for row in rows:
        out = list(row)
        for i in text_columns:
            out[i] = defused(out[i])
        for i in amount_columns:
            value = out[i]
            if value is not None:
                out[i] = comma_decimal(value, places)
        for i in date_columns:
            day = out[i]
            if day is not None:
                shown = dates.get(day)
                if shown is None:
                    shown = dates[day] = day.strftime("%d/%m/%Y")
                out[i] = shown
        writer.writerow(out)
    text.flush()
    text.detach()


def _write_xlsx(
    handle: IO[bytes],
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    kinds: list[str],
    currency: str,
) -> None:
    from openpyxl import Workbook  # here: openpyxl weighs ~7 MB in every web process
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    places = CURRENCIES.get(currency, 2)
    number_format = "#,##0" if places == 0 else "#,##0." + "0" * places
    for i, column in enumerate(columns):
        if column.kind in ("amount", "date"):
            sheet.column_dimensions[chr(ord("A") + i)].width = 16
        elif column.header.lower().startswith("libell"):
            sheet.column_dimensions[chr(ord("A") + i)].width = 40
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    amount_columns = [i for i, k in enumerate(kinds) if k == "amount"]
    date_columns = [i for i, k in enumerate(kinds) if k == "date"]
    text_columns = [i for i, k in enumerate(kinds) if k == "text"]
    for row in rows:
        out: list[Any] = list(row)
        for i in text_columns:
            if isinstance(out[i], str) and out[i].startswith(FORMULA_STARTS):
                cell = WriteOnlyCell(sheet, value=out[i])
                cell.data_type = "s"  # the text itself, never a formula
                out[i] = cell
        for i in amount_columns:
            if out[i] is not None:
                cell = WriteOnlyCell(sheet, value=from_minor(out[i], currency))
                cell.number_format = number_format
                out[i] = cell
        for i in date_columns:
            if out[i] is not None:
                cell = WriteOnlyCell(sheet, value=out[i])
                cell.number_format = "DD/MM/YYYY"
                out[i] = cell
        sheet.append(out)
    book.save(handle)


# --- PDF ------------------------------------------------------------------------------------

_LATIN1 = str.maketrans(
    {
        "\u202f": "\u00a0",
        "\u2013": "-",
        "\u2014": "-",
        "\u2019": "'",
        "\u2026": "...",
        "\u0153": "oe",
        "\u2212": "-",
    }
)


def _latin1(text: str) -> str:
    """The PDF's core fonts speak Latin-1: map the few typographic characters outside it."""
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def french_amount(minor: int, currency: str) -> str:
    """``1234567`` → ``1 234 567`` (French grouping from CLDR), with the currency's decimals."""
    places = CURRENCIES.get(currency, 2)
    value: Decimal = from_minor(minor, currency)
    pattern = "#,##0" if places == 0 else "#,##0." + "0" * places
    return format_decimal(value, format=pattern, locale="fr_FR")


@dataclass(frozen=True)
class PdfTable:
    """A table of a statement: its title, column headers and rows (code, label, note, amounts,
    bold)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[tuple[str, str, str, Sequence[int], bool]]


def statement_pdf(
    filename: str,
    company: str,
    title: str,
    subtitle: str,
    currency: str,
    tables: Sequence[PdfTable],
    controls: Sequence[tuple[str, bool]],
) -> Response:
    """A statement as an A4 PDF: company header, line codes, French amounts, page numbers."""
    from fpdf import FPDF

    generated = dt.datetime.now().strftime("%d/%m/%Y %H:%M")

    class Document(FPDF):  # type: ignore[misc]
        def header(self) -> None:
            self.set_font("Helvetica", "B", 11)
            self.cell(0, 6, _latin1(company), new_x="LMARGIN", new_y="NEXT")
            self.set_font("Helvetica", "B", 13)
            self.cell(0, 7, _latin1(title), new_x="LMARGIN", new_y="NEXT")
            self.set_font("Helvetica", "", 9)
            self.cell(0, 5, _latin1(f"{subtitle} - montants en {currency}"), new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 5, _latin1(f"WiseBook - édité le {generated}"), align="L")
            self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="R")

    pdf = Document(orientation="portrait", unit="mm", format="A4")
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for table in tables:
        amounts = len(table.headers) - 3
        amount_w = 26 if amounts > 2 else 32
        code_w, note_w = 11, 12
        label_w = width - code_w - note_w - amounts * amount_w
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 7, _latin1(table.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 8)
        pdf.set_fill_color(230, 230, 230)
        for i, head in enumerate(table.headers):
            w = (code_w, label_w, note_w)[i] if i < 3 else amount_w
            pdf.cell(w, 6, _latin1(head), border=1, align="C" if i != 1 else "L", fill=True)
        pdf.ln()
        for code, label, note, values, bold in table.rows:
            pdf.set_font("Helvetica", "B" if bold else "", 8)
            pdf.cell(code_w, 5, code, border=1, align="C")
            text = _latin1(label)
            while pdf.get_string_width(text) > label_w - 2 and len(text) > 4:
                text = text[:-4] + "..."
            pdf.cell(label_w, 5, text, border=1)
            pdf.set_font("Helvetica", "", 7)
            pdf.cell(note_w, 5, _latin1(note), border=1, align="C")
            pdf.set_font("Helvetica", "B" if bold else "", 8)
            for value in values:
                pdf.cell(amount_w, 5, _latin1(french_amount(value, currency)), border=1, align="R")
            pdf.ln()
        pdf.ln(4)
    if controls:
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(0, 6, "Contrôles", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        for name, ok in controls:
            pdf.cell(0, 5, _latin1(f"{'OK' if ok else 'ÉCART'} - {name}"), new_x="LMARGIN", new_y="NEXT")
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileIter once sent
    handle.write(bytes(pdf.output()))
    return _file_response(handle, "pdf", filename)
