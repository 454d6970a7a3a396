"""audit events name every case a read exposed (audit_event_case), append-only like the events

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 11:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "audit_event_case is append-only"


def upgrade():
    # No foreign key to audit_event: TRUNCATE audit_event must meet audit_event's own
    # append-only trigger, not a foreign-key error; the event's hash covers its case ids.
    op.create_table(
        'audit_event_case',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('event_id', 'case_id', name=op.f('pk_audit_event_case')),
    )
    with op.batch_alter_table('audit_event_case', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_case_case', ['case_id', 'event_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # audit_event_refuse_change() is 0001's function: it refuses whatever it guards.
        op.execute("""
            CREATE TRIGGER audit_event_case_no_update_delete
            BEFORE UPDATE OR DELETE ON audit_event_case
            FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()
        """)
        op.execute("""
            CREATE TRIGGER audit_event_case_no_truncate
            BEFORE TRUNCATE ON audit_event_case
            FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()
        """)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_event_case_no_{verb.lower()}
                BEFORE {verb} ON audit_event_case
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_case_no_truncate ON audit_event_case")
        op.execute("DROP TRIGGER IF EXISTS audit_event_case_no_update_delete ON audit_event_case")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_case_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_case_no_delete")
    with op.batch_alter_table('audit_event_case', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_case_case')
    op.drop_table('audit_event_case')
