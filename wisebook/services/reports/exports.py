"""What report files need from the database: PostgreSQL's COPY writing a report's rows as
CSV, formatted in SQL exactly as the portable writer formats them in Python, and the one rule
that keeps a text cell from being read as a formula."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from sqlalchemy import Numeric, Select, Text, case, cast, func, literal, text
from sqlalchemy.orm import Session

from wisebook.ledger.money import CURRENCIES

#: What makes a spreadsheet read a CSV cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(value: Any) -> Any:
    """A text cell a spreadsheet shows as text: one starting like a formula gets a leading
    apostrophe (OWASP's advice for CSV injection); other values are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def copy_csv(
    session: Session, query: Select[Any], kinds: Sequence[str], currency: str, handle: IO[bytes]
) -> None:
    """Append ``query``'s rows to ``handle`` as CSV, written by PostgreSQL's COPY; ``kinds``
    says what each column holds (text, date, amount: integer minor units).

    PostgreSQL formats dates and amounts itself, as the Python writer does, at several times
    its speed; the rows stream into ``handle`` in chunks, so memory stays flat.
    """
    places = CURRENCIES.get(currency, 2)

    def shown(expression: Any, kind: str) -> Any:
        if kind == "date":
            return func.to_char(expression, "DD/MM/YYYY")
        if kind == "amount":
            if places == 0:
                return cast(expression, Text)
            exact = func.round(cast(expression, Numeric) / 10**places, places)
            return func.replace(cast(exact, Text), ".", ",")
        starts = func.left(expression, 1)  # the same defusing as ``defused``, in SQL
        text_value = case((starts.in_(FORMULA_STARTS), literal("'") + expression), else_=expression)
        return func.nullif(text_value, "")  # COPY quotes an empty string (""), Python writes nothing

    formatted = query.with_only_columns(
        *(shown(c, kind) for c, kind in zip(query.selected_columns, kinds, strict=True)),
        maintain_column_froms=True,
    )
    connection = session.connection()
    sql = str(formatted.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    connection.execute(text("SET LOCAL work_mem = '64MB'"))  # sort in memory, not on disk
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(
            f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER ';', ENCODING 'UTF8')", handle
        )
    finally:
        cursor.close()
