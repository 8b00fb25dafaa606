"""Hardening: invitations that must be accepted, API keys named in the audit log, a signing
secret per webhook, and the company's first administrator no longer the operator.

Revision ID: 0013
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'comptable', 'assistant', 'lecteur', 'auditeur')", name=op.f('ck_invitations_role')),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_invitations_company_id_companies'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
        sa.UniqueConstraint('company_id', 'email', name=op.f('uq_invitations_company_id_email')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash')),
    )
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('api_key_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('api_key_name', sa.String(length=100), nullable=True))
        batch.create_foreign_key(
            op.f('fk_audit_log_api_key_id_api_keys'), 'api_keys', ['api_key_id'], ['id'], ondelete='SET NULL'
        )
    with op.batch_alter_table('webhooks') as batch:
        batch.add_column(sa.Column('secret', sa.String(length=64), nullable=True))
    # Setup used to make each company's first administrator an installation-wide superuser.
    # A company's administrator administers that company only; the operator is made by
    # createsuperuser (and belongs to no company).
    op.execute(
        "UPDATE users SET is_superuser = false WHERE is_superuser "
        "AND id IN (SELECT user_id FROM memberships)"
    )


def downgrade() -> None:
    with op.batch_alter_table('webhooks') as batch:
        batch.drop_column('secret')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_constraint(op.f('fk_audit_log_api_key_id_api_keys'), type_='foreignkey')
        batch.drop_column('api_key_name')
        batch.drop_column('api_key_id')
    op.drop_table('invitations')
