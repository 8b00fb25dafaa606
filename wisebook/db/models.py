"""The tables. Money columns hold integer minor units of the company's currency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import expression

from wisebook.db.meta import Base, BigId, CompanyOwned
from wisebook.ledger.chain import GENESIS

DRAFT = "brouillon"
POSTED = "validee"
ROLES = ("admin", "comptable", "assistant", "lecteur", "auditeur")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class User(Base):
    """A person who logs in."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Company(Base):
    """A société whose books are kept."""

    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # Bumped by every change of the chart: the entry form's account list's ETag.
    chart_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The company's setting: a line on a lettrable 40/41 account must name its tiers.
    partners_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=expression.false())


class Membership(Base):
    """A user's role in a company."""

    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'comptable', 'assistant', 'lecteur', 'auditeur')", name="role"),
        Index("ix_memberships_company_id", "company_id"),
    )


class AuthToken(Base):
    """An issued API token (JWT ``jti``), so it can be revoked before it expires."""

    __tablename__ = "auth_tokens"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(CompanyOwned, Base):
    """A key for an integration: one company, one role; only its SHA-256 is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("role IN ('comptable', 'assistant', 'lecteur', 'auditeur')", name="role"),
    )


class Invitation(CompanyOwned, Base):
    """An invitation to a company, mailed to an address: nothing is granted until the owner
    of the address accepts it (choosing a password, or proving theirs). Only the SHA-256 of
    the mailed token is kept; a new invitation of the same address replaces the old one."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("company_id", "email"),
        CheckConstraint("role IN ('admin', 'comptable', 'assistant', 'lecteur', 'auditeur')", name="role"),
    )


class BrowserSession(Base):
    """A browser's server-side session: revocable, with idle and absolute timeouts and a CSRF
    token. Only the SHA-256 of the cookie's value is stored."""

    __tablename__ = "browser_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    client_addr: Mapped[str | None] = mapped_column(String(64))


class FiscalYear(CompanyOwned, Base):
    """An exercice: open, then closed."""

    __tablename__ = "fiscal_years"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="ouvert")
    periods: Mapped[list[Period]] = relationship(order_by="Period.number", back_populates="fiscal_year")
    __table_args__ = (
        UniqueConstraint("company_id", "code"),
        CheckConstraint("status IN ('ouvert', 'cloture')", name="status"),
        CheckConstraint("start_date <= end_date", name="dates"),
    )


class Period(Base):
    """A month of a fiscal year; locked months take no entry."""

    __tablename__ = "periods"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_years.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    fiscal_year: Mapped[FiscalYear] = relationship(back_populates="periods")
    __table_args__ = (
        UniqueConstraint("fiscal_year_id", "number"),
        Index("ix_periods_fiscal_year_id_start_date", "fiscal_year_id", "start_date"),
    )


class Account(CompanyOwned, Base):
    """An account of a company's chart; only leaves (``postable``) take entries."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(200))
    account_class: Mapped[int] = mapped_column(Integer)
    nature: Mapped[str] = mapped_column(String(20))
    lettrable: Mapped[bool] = mapped_column(Boolean, default=False)
    postable: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (
        UniqueConstraint("company_id", "code"),
        CheckConstraint("account_class BETWEEN 1 AND 9", name="account_class"),
    )


class Journal(CompanyOwned, Base):
    """A journal: ACH, VTE, BQ, CAI, OD, AN…"""

    __tablename__ = "journals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    __table_args__ = (UniqueConstraint("company_id", "code"),)


class JournalCounter(Base):
    """Last number given in a journal for a fiscal year, and the head of that journal's hash
    chain; row-locked while posting, so numbers stay gapless and the chain linear."""

    __tablename__ = "journal_counters"
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id", ondelete="CASCADE"), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(
        ForeignKey("fiscal_years.id", ondelete="CASCADE"), primary_key=True
    )
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class Entry(CompanyOwned, Base):
    """An écriture: a draft, then posted (numbered, chained, never changed again)."""

    __tablename__ = "entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"))
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_years.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(255))
    reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="brouillon")
    sequence: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(40))
    hash: Mapped[str | None] = mapped_column(String(64))
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    reversal_of_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    lines: Mapped[list[Line]] = relationship(
        order_by="Line.line_no", back_populates="entry", cascade="all, delete-orphan", passive_deletes=True
    )
    journal: Mapped[Journal] = relationship()
    fiscal_year: Mapped[FiscalYear] = relationship()
    __table_args__ = (
        CheckConstraint("status IN ('brouillon', 'validee')", name="status"),
        CheckConstraint(
            "status = 'brouillon' OR (number IS NOT NULL AND hash IS NOT NULL AND sequence IS NOT NULL)",
            name="posted_is_numbered",
        ),
        UniqueConstraint("journal_id", "fiscal_year_id", "sequence", name="uq_entries_sequence"),
        UniqueConstraint("reversal_of_id", name="uq_entries_reversal_of_id"),
        Index("ix_entries_company_id_entry_date_id", "company_id", "entry_date", "id"),
        Index("ix_entries_journal_id_entry_date", "journal_id", "entry_date"),
        Index("ix_entries_company_id_total", "company_id", "total"),
    )


class Line(Base):
    """A ligne: one account, a debit or a credit (exactly one is positive)."""

    __tablename__ = "lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    label: Mapped[str] = mapped_column(String(255), default="")
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
    partner: Mapped[str | None] = mapped_column(String(100))
    entry_date: Mapped[dt.date] = mapped_column(Date)  # the entry's, for the grand livre's index
    tax_code: Mapped[str | None] = mapped_column(String(12))  # TVA18, EXO… of the company's country
    tax_base: Mapped[int | None] = mapped_column(BigInteger)  # the taxable base, minor units
    entry: Mapped[Entry] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship()
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0", name="amounts_positive"),
        CheckConstraint("(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="debit_xor_credit"),
        UniqueConstraint("entry_id", "line_no"),
        Index("ix_lines_account_id_entry_date_entry_id", "account_id", "entry_date", "entry_id", "id"),
        Index("ix_lines_entry_date", "entry_date"),
        Index("ix_lines_account_id_partner_entry_date", "account_id", "partner", "entry_date"),
        Index("ix_lines_amount", text("(debit + credit)")),  # one side is 0: the line's amount
        # the month's taxed lines, read by the VAT return
        Index(
            "ix_lines_taxed",
            "entry_date",
            "account_id",
            postgresql_where=text("tax_code IS NOT NULL"),
            sqlite_where=text("tax_code IS NOT NULL"),
        ),
    )


class AccountBalance(CompanyOwned, Base):
    """Posted movements per account, period and journal, kept in the posting transaction."""

    __tablename__ = "account_balances"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"), primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_years.id", ondelete="CASCADE"))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (Index("ix_account_balances_company_id_fiscal_year_id", "company_id", "fiscal_year_id"),)


class PartnerBalance(CompanyOwned, Base):
    """The sub-ledger's balances: posted movements per account, tiers and month of the lines
    that name a tiers or sit on a lettrable account (``partner`` is "" for none), with the
    count and net (debit − credit) of those still unlettered. Kept in the transactions that
    post, import, letter and délettre, so that the balance by tiers, the lettrage by tiers,
    the aged balance and the closing read months, not millions of lines."""

    __tablename__ = "partner_balances"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    partner: Mapped[str] = mapped_column(String(100), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_years.id", ondelete="CASCADE"))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
    open_lines: Mapped[int] = mapped_column(Integer, default=0)
    open_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (Index("ix_partner_balances_company_id_fiscal_year_id", "company_id", "fiscal_year_id"),)


class AuditEntry(CompanyOwned, Base):
    """One write that happened: who, when, in which company, what, from where. Append-only."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    action: Mapped[str] = mapped_column(String(100))  # the route's name
    target: Mapped[str | None] = mapped_column(String(100))  # the id in the path, if any
    status: Mapped[int] = mapped_column(Integer)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    # An integration's key is its own principal: which key, by id and by its name then.
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    api_key_name: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (Index("ix_audit_log_company_id_id", "company_id", "id"),)


class Webhook(CompanyOwned, Base):
    """An address told of the company's events (entry posted, fiscal year closed)."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[str] = mapped_column(String(200))  # comma-separated
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The webhook's own signing secret, shown once at creation and at each rotation; None for
    # a webhook made before there were secrets per webhook (signed with WEBHOOK_SECRET until
    # its secret is rotated).
    secret: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class WebhookDelivery(Base):
    """One event to deliver to one webhook (the outbox), with its attempts."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(50))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="en_attente")  # en_attente, livre, echec
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),)


class RateCounter(Base):
    """Failures of one key (a client address, an account) in the current one-minute window."""

    __tablename__ = "rate_counters"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyKey(Base):
    """The first answer to a POST made with an ``Idempotency-Key``, replayed on retry."""

    __tablename__ = "idempotency_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (UniqueConstraint("user_id", "key"),)


QUEUED = "en_attente"
RUNNING = "en_cours"
SUCCEEDED = "reussie"
FAILED = "echec"
REVOKED = "annulee"
TASK_STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, REVOKED)


class TaskRun(Base):
    """One piece of background work and its lasting state (the queue holds only its message).

    The row is written in the transaction that asks for the work, and the message is queued
    only once that transaction commits; a job's writes and its ``reussie`` state commit
    together, so a worker killed mid-way leaves the row ``en_cours`` and nothing else, and
    the run is queued again. Live progress is kept in the queue's store, not here.
    """

    __tablename__ = "task_runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # also the queue message's id
    name: Mapped[str] = mapped_column(String(100))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    state: Mapped[str] = mapped_column(String(12), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the running attempt
    message: Mapped[str | None] = mapped_column(String(300))
    result: Mapped[str | None] = mapped_column(Text)  # JSON
    error: Mapped[str | None] = mapped_column(String(500))
    traceback: Mapped[str | None] = mapped_column(Text)  # shown to administrators only
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint(f"state IN {TASK_STATES!r}", name="state"),
        Index("ix_task_runs_state_created_at", "state", "created_at"),
        Index("ix_task_runs_company_id_created_at", "company_id", "created_at"),
    )


class Reconciliation(CompanyOwned, Base):
    """A lettrage: posted lines of one account and one tiers whose sum is zero, under a code
    (A, B, … Z, AA, AB…) given in order per account. Lines themselves are never changed: the
    link lives in ``reconciliation_lines``; délettrage deletes the lettrage."""

    __tablename__ = "reconciliations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    partner: Mapped[str | None] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(8))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (UniqueConstraint("account_id", "code"),)


class ReconciliationLine(Base):
    """One line in one lettrage (a line is lettered once at most)."""

    __tablename__ = "reconciliation_lines"
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"), primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(
        ForeignKey("reconciliations.id", ondelete="CASCADE"), index=True
    )


class Attachment(CompanyOwned, Base):
    """A pièce justificative (PDF or image) attached to an entry; the file itself is kept under
    the data dir or in S3, named by its SHA-256 (the same file twice is stored once)."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Import(CompanyOwned, Base):
    """A file of entries imported into a company's books, once: its SHA-256 is the import's
    idempotency key (the same file sent again is refused, never written twice). A row exists
    only for an import that wrote something, in the transaction that wrote it."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    layout: Mapped[str] = mapped_column(String(10))  # wisebook | fec
    mode: Mapped[str] = mapped_column(String(10))  # tout | valides
    entries: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)  # rows refused (mode valides)
    task_run_id: Mapped[str | None] = mapped_column(ForeignKey("task_runs.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (
        UniqueConstraint("company_id", "sha256"),
        CheckConstraint("layout IN ('wisebook', 'fec')", name="layout"),
        CheckConstraint("mode IN ('tout', 'valides')", name="mode"),
    )


class CompanyIdentifiers(Base):
    """A company's registration numbers, as its documents print them: RCCM and the tax number
    (NCC in Côte d'Ivoire, NINEA in Sénégal, NIU in Cameroun…)."""

    __tablename__ = "company_identifiers"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    rccm: Mapped[str | None] = mapped_column(String(50))
    tax_number: Mapped[str | None] = mapped_column(String(50))


PARTNER_KINDS = ("client", "fournisseur", "salarie", "autre")


class Partner(CompanyOwned, Base):
    """A tiers: a customer, supplier, employee or other counterparty, under the code its lines
    carry, kept on a collective account (4111, 4011, 422…). ``search`` holds its code, name and
    identifiers without accents or capitals, for the search as one types."""

    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    country: Mapped[str] = mapped_column(String(2))
    tax_number: Mapped[str | None] = mapped_column(String(30))
    rccm: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    bank_accounts: Mapped[list[str]] = mapped_column(JSON, default=list)
    payment_days: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    search: Mapped[str] = mapped_column(String(800), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (
        UniqueConstraint("company_id", "code"),
        CheckConstraint("kind IN ('client', 'fournisseur', 'salarie', 'autre')", name="kind_known"),
        CheckConstraint("payment_days >= 0 AND payment_days <= 365", name="payment_days_range"),
    )


BANK_KINDS = ("banque", "mobile_money")


class BankAccount(CompanyOwned, Base):
    """A bank or mobile-money account of the company, kept on its ledger account (521x, 55x)
    with its journal; ``profile`` is the column profile its CSV/XLSX exports are read with."""

    __tablename__ = "bank_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    bank: Mapped[str | None] = mapped_column(String(100))
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(12))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"))
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Its bank's account-information API: the consent, the account's id there, the last day read.
    psd2_consent_id: Mapped[str | None] = mapped_column(String(100))
    psd2_resource_id: Mapped[str | None] = mapped_column(String(100))
    psd2_synced_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (
        UniqueConstraint("company_id", "name"),
        UniqueConstraint("company_id", "account_id"),
        CheckConstraint("kind IN ('banque', 'mobile_money')", name="kind_known"),
    )


class BankStatement(CompanyOwned, Base):
    """A statement file read into a bank account: its format, its period and balances, what it
    added and what it already had; the same file (its SHA-256) is read once."""

    __tablename__ = "bank_statements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    opening: Mapped[int | None] = mapped_column(BigInteger)
    closing: Mapped[int | None] = mapped_column(BigInteger)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    continuous: Mapped[bool | None] = mapped_column(Boolean)
    task_run_id: Mapped[str | None] = mapped_column(ForeignKey("task_runs.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (UniqueConstraint("bank_account_id", "sha256"),)


class BankLine(Base):
    """A movement of a bank account's statements, in its currency's minor units, money in
    positive; ``fingerprint`` keeps a line that two overlapping files both carry once."""

    __tablename__ = "bank_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id", ondelete="CASCADE"))
    line_date: Mapped[dt.date] = mapped_column(Date)
    value_date: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    label: Mapped[str] = mapped_column(String(300))
    reference: Mapped[str | None] = mapped_column(String(100))
    counterparty: Mapped[str | None] = mapped_column(String(200))
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))
    bank_id: Mapped[str | None] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(40))
    __table_args__ = (
        UniqueConstraint("bank_account_id", "fingerprint"),
        Index("ix_bank_lines_bank_account_id_line_date", "bank_account_id", "line_date"),
    )


class BankMatch(CompanyOwned, Base):
    """A rapprochement: statement lines of a bank account and posted lines of its ledger
    account whose sums agree (one to one, one to many, many to one). Neither side is changed:
    the links live in ``bank_match_statement_lines`` and ``bank_match_ledger_lines``; undoing
    deletes the match."""

    __tablename__ = "bank_matches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    bank_account_id: Mapped[int] = mapped_column(
        ForeignKey("bank_accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))  # manuel | automatique | regle
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (CheckConstraint("kind IN ('manuel', 'automatique', 'regle')", name="kind_known"),)


class BankMatchStatementLine(Base):
    """A statement line in its match (matched once at most)."""

    __tablename__ = "bank_match_statement_lines"
    bank_line_id: Mapped[int] = mapped_column(
        ForeignKey("bank_lines.id", ondelete="CASCADE"), primary_key=True
    )
    match_id: Mapped[int] = mapped_column(ForeignKey("bank_matches.id", ondelete="CASCADE"), index=True)


class BankMatchLedgerLine(Base):
    """A ledger line in its match (matched once at most)."""

    __tablename__ = "bank_match_ledger_lines"
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"), primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("bank_matches.id", ondelete="CASCADE"), index=True)


class BankRule(CompanyOwned, Base):
    """A rule that turns an unmatched statement line into a posted entry (bank fees, agios,
    mobile-money commissions): the words its text contains, its amount range and direction;
    the counterpart account, tiers, journal and label of the entry. ``bank_account_id`` None:
    every account of the company."""

    __tablename__ = "bank_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("bank_accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    contains: Mapped[str] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(8))  # entree | sortie | tous
    amount_min: Mapped[int | None] = mapped_column(BigInteger)
    amount_max: Mapped[int | None] = mapped_column(BigInteger)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    partner: Mapped[str | None] = mapped_column(String(100))
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journals.id"))
    label: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (
        UniqueConstraint("company_id", "name"),
        CheckConstraint("direction IN ('entree', 'sortie', 'tous')", name="direction_known"),
    )


class VatSettlement(CompanyOwned, Base):
    """The settlement of a month's VAT: the posted entry that cleared 443x and 445x into 4441
    (due) or 4449 (credit carried). One per month while its entry is not reversed."""

    __tablename__ = "vat_settlements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))  # AAAA-MM
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("entries.id"), unique=True)
    due: Mapped[int] = mapped_column(BigInteger)
    credit: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (Index("ix_vat_settlements_company_id_period", "company_id", "period"),)


class FixedAsset(CompanyOwned, Base):
    """A fixed asset of the register (or a component of one, ``parent_id``): its accounts, its
    acquisition and service dates, its gross value and plan, its state (en_service, cedee,
    rebut). ``opening_depreciation``: what was depreciated before the books (an imported
    register) at ``opening_on``."""

    __tablename__ = "fixed_assets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    asset_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    depreciation_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    expense_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    acquired_on: Mapped[dt.date] = mapped_column(Date)
    in_service_on: Mapped[dt.date] = mapped_column(Date)
    gross: Mapped[int] = mapped_column(BigInteger)
    residual: Mapped[int] = mapped_column(BigInteger, default=0)
    method: Mapped[str] = mapped_column(String(12))
    life: Mapped[int] = mapped_column(Integer, default=0)
    coefficient: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    units_total: Mapped[int | None] = mapped_column(BigInteger)
    units_by_year: Mapped[dict[str, int] | None] = mapped_column(JSON)
    supplier: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    location: Mapped[str | None] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("fixed_assets.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(12), default="en_service")
    acquisition_line_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("lines.id"))
    opening_depreciation: Mapped[int] = mapped_column(BigInteger, default=0)
    opening_on: Mapped[dt.date | None] = mapped_column(Date)
    disposed_on: Mapped[dt.date | None] = mapped_column(Date)
    disposal_price: Mapped[int | None] = mapped_column(BigInteger)
    disposal_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (
        UniqueConstraint("company_id", "code"),
        Index("ix_fixed_assets_company_id_category", "company_id", "category"),
        Index("ix_fixed_assets_parent_id", "parent_id"),  # an asset's components; "has none"
        CheckConstraint("state IN ('en_service', 'cedee', 'rebut')", name="state_known"),
    )


class DepreciationRun(CompanyOwned, Base):
    """A run of the depreciation up to a date (a month's or a year's end): its entries (one OD
    per category), and each asset's part. Reversed: its entries reversed, its parts no longer
    count."""

    __tablename__ = "depreciation_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    through: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    reversed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_depreciation_runs_company_id_through", "company_id", "through"),)


class DepreciationRunEntry(Base):
    """An entry a run posted."""

    __tablename__ = "depreciation_run_entries"
    run_id: Mapped[int] = mapped_column(
        ForeignKey("depreciation_runs.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("entries.id"), primary_key=True)


class AssetDepreciation(Base):
    """An asset's depreciation posted by a run (or by its disposal's catch-up: ``run_id`` None
    and ``entry_id`` the disposal's), up to ``through``."""

    __tablename__ = "asset_depreciations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("fixed_assets.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("depreciation_runs.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("entries.id"))
    through: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (
        Index("ix_asset_depreciations_asset_id", "asset_id"),
        Index("ix_asset_depreciations_run_id", "run_id"),
    )


class AssetRevision(Base):
    """A change of an asset's plan from a date (its remaining life, its residual value), with
    the exceptional write-down booked that day (29x/691x) and its entry."""

    __tablename__ = "asset_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("fixed_assets.id", ondelete="CASCADE"))
    on: Mapped[dt.date] = mapped_column(Date)
    life: Mapped[int] = mapped_column(Integer)
    residual: Mapped[int] = mapped_column(BigInteger, default=0)
    write_down: Mapped[int] = mapped_column(BigInteger, default=0)
    entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("entries.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (UniqueConstraint("asset_id", "on"),)
