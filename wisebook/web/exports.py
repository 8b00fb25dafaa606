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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

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
    """A column of an export: its header and what it holds (text, date, amount, or in a PDF a
    balance shown with its side, D or C);
    ``width`` is its share of a PDF page's width (0: the text column that takes what is left)."""

    header: str
    kind: str = "text"
    width: float = 18  # float-ok: millimetres on a PDF page, never money


@dataclass(frozen=True)
class TitleBlock:
    """What heads a report's XLSX and PDF: the company and its numbers, the report, its period."""

    company: str
    identifiers: str  # "RCCM … · NCC …", or empty
    title: str
    period: str  # "Exercice 2026, du 01/01/2026 au 31/12/2026 · montants en FCFA"

    def lines(self) -> list[str]:
        return [t for t in (self.company, self.identifiers, self.title, self.period) if t]


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
    block: TitleBlock,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    currency: str,
) -> Response:
    """A CSV or XLSX file of ``rows``; amounts in the rows are integer minor units.

    The XLSX opens on the title block, its header row frozen and repeated on every printed
    page; the CSV holds the data alone (header row, then rows), as other software reads it.
    """
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileIter once sent
    kinds = [c.kind for c in columns]
    if fmt == "csv":
        _write_csv(handle, columns, rows, kinds, currency)
    else:
        _write_xlsx(handle, block, columns, rows, kinds, currency)
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
    block: TitleBlock,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    kinds: list[str],
    currency: str,
) -> None:
    from openpyxl import Workbook  # here: openpyxl weighs ~7 MB in every web process
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(block.title))
    heading = block.lines()
    header_row = len(heading) + 2  # the title block, a blank row, then the columns' header
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    places = CURRENCIES.get(currency, 2)
    number_format = "#,##0" if places == 0 else "#,##0." + "0" * places
    for i, column in enumerate(columns):
        if column.kind in ("amount", "date"):
            sheet.column_dimensions[chr(ord("A") + i)].width = 16
        elif column.header.lower().startswith("libell"):
            sheet.column_dimensions[chr(ord("A") + i)].width = 40
    bold = Font(bold=True)
    for i, text in enumerate(heading):
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # the text itself, never a formula
        if i == 0 or text == block.title:
            cell.font = Font(bold=True, size=12)
        sheet.append([cell])
    sheet.append([])
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


def _sheet_title(title: str) -> str:
    """A sheet's name: 31 characters at most, none of ``[]:*?/\\``."""
    return "".join(" " if c in "[]:*?/\\" else c for c in title)[:31] or "Rapport"


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


@dataclass(frozen=True)
class PdfTable:
    """A table of a statement: its title, column headers and rows (code, label, note, amounts,
    bold)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[tuple[str, str, str, Sequence[int], bool]]


class _Document:
    """An A4 PDF whose every page opens on the title block (and the table's headings, once a
    table has begun) and closes on the edition's date and the page's number."""

    def __new__(cls, block: TitleBlock, printed: str, landscape: bool = False) -> Any:
        from fpdf import FPDF  # here: fpdf2 is only loaded by a request for a PDF

        class Document(FPDF):  # type: ignore[misc]
            headings: Callable[[], None] | None = None

            def header(self) -> None:
                self.set_font("Helvetica", "B", 11)
                self.cell(0, 6, _latin1(block.company), new_x="LMARGIN", new_y="NEXT")
                if block.identifiers:
                    self.set_font("Helvetica", "", 8)
                    self.cell(0, 4, _latin1(block.identifiers), new_x="LMARGIN", new_y="NEXT")
                self.set_font("Helvetica", "B", 13)
                self.cell(0, 7, _latin1(block.title), new_x="LMARGIN", new_y="NEXT")
                self.set_font("Helvetica", "", 9)
                self.cell(0, 5, _latin1(block.period), new_x="LMARGIN", new_y="NEXT")
                self.ln(2)
                if self.headings is not None:
                    self.headings()

            def footer(self) -> None:
                self.set_y(-12)
                self.set_font("Helvetica", "", 8)
                self.cell(0, 5, _latin1(printed), align="L")
                self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="R")

        pdf = Document(orientation="landscape" if landscape else "portrait", unit="mm", format="A4")
        pdf.alias_nb_pages()
        pdf.set_auto_page_break(auto=True, margin=16)
        pdf.add_page()
        return pdf


def _pdf_response(pdf: Any, filename: str) -> Response:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileIter once sent
    handle.write(bytes(pdf.output()))
    return _file_response(handle, "pdf", filename)


@dataclass(frozen=True)
class PdfRow:
    """A row of a report's PDF: its values in the columns' order; ``bold`` for totals;
    ``span`` for a heading that runs across the row (an account in the grand livre)."""

    values: Sequence[Any]
    bold: bool = False
    span: bool = False


def report_pdf(
    filename: str,
    block: TitleBlock,
    printed: str,
    columns: Sequence[Column],
    rows: Iterable[PdfRow],
    amount: Callable[[int], str],
    landscape: bool = False,
) -> Response:
    """A report (balance, grand livre, journal) as an A4 PDF: the title block and the columns'
    headings on every page, amounts grouped as the reader reads them, zero amounts left blank
    outside totals, long labels shortened to their cell."""
    pdf = _Document(block, printed, landscape)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    fixed = sum(c.width for c in columns if c.width)
    widths = [c.width or max(width - fixed, 20) for c in columns]
    scale = min(1.0, width / sum(widths))
    widths = [w * scale for w in widths]
    aligns = ["R" if c.kind in ("amount", "balance") else "L" for c in columns]

    def headings() -> None:
        pdf.set_font("Helvetica", "B", 7.5)
        pdf.set_fill_color(230, 230, 230)
        for column, w, align in zip(columns, widths, aligns, strict=True):
            pdf.cell(w, 5.5, _latin1(_fit(pdf, str(column.header), w)), border=1, align=align, fill=True)
        pdf.ln()

    pdf.headings = headings
    headings()
    dates: dict[dt.date, str] = {}
    for row in rows:
        if row.span:
            pdf.set_font("Helvetica", "B", 8)
            pdf.cell(width, 5, _latin1(_fit(pdf, " ".join(str(v) for v in row.values if v), width)))
            pdf.ln()
            continue
        pdf.set_font("Helvetica", "B" if row.bold else "", 7.5)
        for value, column, w, align in zip(row.values, columns, widths, aligns, strict=True):
            if value is None or value == "" or (column.kind == "amount" and value == 0 and not row.bold):
                text = ""
            elif column.kind == "amount":
                text = amount(value)
            elif column.kind == "balance":  # a running balance: its size and its side
                text = f"{amount(abs(value))} {'D' if value > 0 else 'C'}" if value else amount(0)
            elif column.kind == "date":
                text = dates.get(value) or dates.setdefault(value, value.strftime("%d/%m/%Y"))
            else:
                text = _fit(pdf, str(value), w)
            pdf.cell(w, 4.5, _latin1(text), border="T" if row.bold else "B", align=align)
        pdf.ln()
    return _pdf_response(pdf, filename)


def _fit(pdf: Any, text: str, width: float) -> str:  # float-ok: millimetres
    """``text`` shortened with an ellipsis to fit a cell of ``width`` (mm) in the current font."""
    if pdf.get_string_width(_latin1(text)) <= width - 1.5:
        return text
    while len(text) > 2 and pdf.get_string_width(_latin1(text + "...")) > width - 1.5:
        text = text[:-1]
    return text + "..."


def statement_pdf(
    filename: str,
    block: TitleBlock,
    printed: str,
    tables: Sequence[PdfTable],
    controls: Sequence[tuple[str, bool]],
    amount: Callable[[int], str],
    controls_title: str = "Contrôles",
    gap: str = "ÉCART",
) -> Response:
    """A statement as an A4 PDF: title block, line codes, notes, amounts as the reader groups
    them, a table's headings again on each page it runs onto, page numbers."""
    pdf = _Document(block, printed)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for table in tables:
        amounts = len(table.headers) - 3
        amount_w = 26 if amounts > 2 else 32
        code_w, note_w = 11, 12
        label_w = width - code_w - note_w - amounts * amount_w
        widths = [code_w, label_w, note_w] + [amount_w] * amounts

        def headings(headers: Sequence[str] = table.headers, widths: list[float] = widths) -> None:
            pdf.set_font("Helvetica", "B", 8)
            pdf.set_fill_color(230, 230, 230)
            for i, (head, w) in enumerate(zip(headers, widths, strict=True)):
                pdf.cell(w, 6, _latin1(head), border=1, align="C" if i != 1 else "L", fill=True)
            pdf.ln()

        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 7, _latin1(table.title), new_x="LMARGIN", new_y="NEXT")
        headings()
        pdf.headings = headings
        for code, label, note, values, bold in table.rows:
            pdf.set_font("Helvetica", "B" if bold else "", 8)
            pdf.cell(code_w, 5, code, border=1, align="C")
            pdf.cell(label_w, 5, _latin1(_fit(pdf, label, label_w)), border=1)
            pdf.set_font("Helvetica", "", 7)
            pdf.cell(note_w, 5, _latin1(note), border=1, align="C")
            pdf.set_font("Helvetica", "B" if bold else "", 8)
            for value in values:
                pdf.cell(amount_w, 5, _latin1(amount(value)), border=1, align="R")
            pdf.ln()
        pdf.headings = None
        pdf.ln(4)
    if controls:
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(0, 6, _latin1(controls_title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        for name, ok in controls:
            pdf.cell(0, 5, _latin1(f"{'OK' if ok else gap} - {name}"), new_x="LMARGIN", new_y="NEXT")
    return _pdf_response(pdf, filename)
