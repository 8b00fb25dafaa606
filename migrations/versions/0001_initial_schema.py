"""Initial schema: books, users, balances, and PostgreSQL's guards of the ledger rules.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 07:50:09.106996
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

#: DESIGN §4: the database refuses what the service layer never tries, whatever the client.
PG_GUARDS = [
    """
    CREATE FUNCTION wisebook_refuse_posted_entry_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status = 'validee' THEN
            RAISE EXCEPTION 'écriture validée % : ni modification ni suppression (extourne seulement)',
                OLD.number USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER entries_posted_immutable BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION wisebook_refuse_posted_entry_change()
    """,
    """
    CREATE FUNCTION wisebook_refuse_posted_line_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
            SELECT 1 FROM entries WHERE id = OLD.entry_id AND status = 'validee'
        ) THEN
            RAISE EXCEPTION 'ligne d''une écriture validée : ni modification ni suppression'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
            SELECT 1 FROM entries WHERE id = NEW.entry_id AND status = 'validee'
        ) THEN
            RAISE EXCEPTION 'écriture validée : aucune ligne ne peut y être ajoutée'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER lines_posted_immutable BEFORE INSERT OR UPDATE OR DELETE ON lines
    FOR EACH ROW EXECUTE FUNCTION wisebook_refuse_posted_line_change()
    """,
    """
    CREATE FUNCTION wisebook_check_entry_balanced() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        total_debit bigint;
        total_credit bigint;
        line_count integer;
    BEGIN
        IF NEW.status = 'validee' THEN
            SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0), count(*)
              INTO total_debit, total_credit, line_count
              FROM lines WHERE entry_id = NEW.id;
            IF line_count < 2 OR total_debit <> total_credit THEN
                RAISE EXCEPTION 'écriture % déséquilibrée : débit %, crédit %, % ligne(s)',
                    NEW.number, total_debit, total_credit, line_count
                    USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER entries_balanced_at_commit AFTER INSERT OR UPDATE ON entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wisebook_check_entry_balanced()
    """,
]

PG_GUARDS_DROP = [
    "DROP TRIGGER IF EXISTS entries_balanced_at_commit ON entries",
    "DROP TRIGGER IF EXISTS lines_posted_immutable ON lines",
    "DROP TRIGGER IF EXISTS entries_posted_immutable ON entries",
    "DROP FUNCTION IF EXISTS wisebook_check_entry_balanced()",
    "DROP FUNCTION IF EXISTS wisebook_refuse_posted_line_change()",
    "DROP FUNCTION IF EXISTS wisebook_refuse_posted_entry_change()",
]


def upgrade() -> None:
    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('name', name=op.f('uq_companies_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_superuser', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('account_class', sa.Integer(), nullable=False),
    sa.Column('nature', sa.String(length=20), nullable=False),
    sa.Column('lettrable', sa.Boolean(), nullable=False),
    sa.Column('postable', sa.Boolean(), nullable=False),
    sa.CheckConstraint('account_class BETWEEN 1 AND 9', name=op.f('ck_accounts_account_class')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_accounts_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_accounts_company_id_code'))
    )
    op.create_table('auth_tokens',
    sa.Column('jti', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_auth_tokens'))
    )
    op.create_index(op.f('ix_auth_tokens_user_id'), 'auth_tokens', ['user_id'], unique=False)
    op.create_table('fiscal_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.CheckConstraint("status IN ('ouvert', 'cloture')", name=op.f('ck_fiscal_years_status')),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_fiscal_years_dates')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_fiscal_years_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiscal_years')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_fiscal_years_company_id_code'))
    )
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_keys_user_id_key'))
    )
    op.create_table('journals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_journals_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journals')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_journals_company_id_code'))
    )
    op.create_table('memberships',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'comptable', 'assistant', 'lecteur', 'auditeur')", name=op.f('ck_memberships_role')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_memberships_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'company_id', name=op.f('pk_memberships'))
    )
    op.create_index('ix_memberships_company_id', 'memberships', ['company_id'], unique=False)
    op.create_table('journal_counters',
    sa.Column('journal_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year_id', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['fiscal_year_id'], ['fiscal_years.id'], name=op.f('fk_journal_counters_fiscal_year_id_fiscal_years'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_journal_counters_journal_id_journals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('journal_id', 'fiscal_year_id', name=op.f('pk_journal_counters'))
    )
    op.create_table('periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['fiscal_year_id'], ['fiscal_years.id'], name=op.f('fk_periods_fiscal_year_id_fiscal_years'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periods')),
    sa.UniqueConstraint('fiscal_year_id', 'number', name=op.f('uq_periods_fiscal_year_id_number'))
    )
    op.create_index('ix_periods_fiscal_year_id_start_date', 'periods', ['fiscal_year_id', 'start_date'], unique=False)
    op.create_table('account_balances',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('journal_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year_id', sa.Integer(), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_balances_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_account_balances_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['fiscal_year_id'], ['fiscal_years.id'], name=op.f('fk_account_balances_fiscal_year_id_fiscal_years'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_account_balances_journal_id_journals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_account_balances_period_id_periods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'period_id', 'journal_id', name=op.f('pk_account_balances'))
    )
    op.create_index('ix_account_balances_company_id_fiscal_year_id', 'account_balances', ['company_id', 'fiscal_year_id'], unique=False)
    op.create_table('entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('journal_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=True),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('reversal_of_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status = 'brouillon' OR (number IS NOT NULL AND hash IS NOT NULL AND sequence IS NOT NULL)", name=op.f('ck_entries_posted_is_numbered')),
    sa.CheckConstraint("status IN ('brouillon', 'validee')", name=op.f('ck_entries_status')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_entries_company_id_companies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['fiscal_year_id'], ['fiscal_years.id'], name=op.f('fk_entries_fiscal_year_id_fiscal_years')),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_entries_journal_id_journals')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_entries_period_id_periods')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_entries_posted_by_id_users')),
    sa.ForeignKeyConstraint(['reversal_of_id'], ['entries.id'], name=op.f('fk_entries_reversal_of_id_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entries')),
    sa.UniqueConstraint('journal_id', 'fiscal_year_id', 'sequence', name='uq_entries_sequence'),
    sa.UniqueConstraint('reversal_of_id', name='uq_entries_reversal_of_id')
    )
    op.create_index('ix_entries_company_id_entry_date_id', 'entries', ['company_id', 'entry_date', 'id'], unique=False)
    op.create_index('ix_entries_journal_id_entry_date', 'entries', ['journal_id', 'entry_date'], unique=False)
    op.create_table('lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('partner', sa.String(length=100), nullable=True),
    sa.CheckConstraint('(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)', name=op.f('ck_lines_debit_xor_credit')),
    sa.CheckConstraint('debit >= 0 AND credit >= 0', name=op.f('ck_lines_amounts_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_lines_account_id_accounts')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_lines_entry_id_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lines')),
    sa.UniqueConstraint('entry_id', 'line_no', name=op.f('uq_lines_entry_id_line_no'))
    )
    op.create_index('ix_lines_account_id_entry_id', 'lines', ['account_id', 'entry_id'], unique=False)


    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_GUARDS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_GUARDS_DROP:
            op.execute(statement)
    op.drop_index('ix_lines_account_id_entry_id', table_name='lines')
    op.drop_table('lines')
    op.drop_index('ix_entries_journal_id_entry_date', table_name='entries')
    op.drop_index('ix_entries_company_id_entry_date_id', table_name='entries')
    op.drop_table('entries')
    op.drop_index('ix_account_balances_company_id_fiscal_year_id', table_name='account_balances')
    op.drop_table('account_balances')
    op.drop_index('ix_periods_fiscal_year_id_start_date', table_name='periods')
    op.drop_table('periods')
    op.drop_table('journal_counters')
    op.drop_index('ix_memberships_company_id', table_name='memberships')
    op.drop_table('memberships')
    op.drop_table('journals')
    op.drop_table('idempotency_keys')
    op.drop_table('fiscal_years')
    op.drop_index(op.f('ix_auth_tokens_user_id'), table_name='auth_tokens')
    op.drop_table('auth_tokens')
    op.drop_table('accounts')
    op.drop_table('users')
    op.drop_table('companies')
