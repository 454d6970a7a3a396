"""minutes keep their case on the list: minute_entry and risk_summary → agenda_item ON DELETE RESTRICT

Until now deleting an agenda item cascaded to its minutes, and only a Python check in
referrals stopped a discussed case being taken off a list. The database now refuses it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 12:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TABLES = ('minute_entry', 'risk_summary')


def _set(rule_from, rule_to):
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for table in TABLES:
            name = f'fk_{table}_agenda_item_id_agenda_item'
            op.drop_constraint(name, table, type_='foreignkey')
            op.create_foreign_key(name, table, 'agenda_item', ['agenda_item_id'], ['id'],
                                  ondelete=rule_to)
        return
    # SQLite cannot ALTER a constraint. A foreign key's action does not change how rows are
    # stored, so the documented way is to edit the schema text and bump schema_version
    # (https://www.sqlite.org/lang_altertable.html, "other kinds of table schema changes");
    # rebuilding the tables would need foreign keys off, which a transaction cannot do.
    version = bind.exec_driver_sql('PRAGMA schema_version').scalar()
    bind.exec_driver_sql('PRAGMA writable_schema=ON')
    for table in TABLES:
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)).scalar()
        clause_from = f'REFERENCES agenda_item (id) ON DELETE {rule_from}'
        if clause_from not in sql:
            raise RuntimeError(f'{table}: expected "{clause_from}" in its schema')
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql=? WHERE type='table' AND name=?",
            (sql.replace(clause_from, f'REFERENCES agenda_item (id) ON DELETE {rule_to}'), table))
    bind.exec_driver_sql(f'PRAGMA schema_version={int(version) + 1}')
    bind.exec_driver_sql('PRAGMA writable_schema=OFF')


def upgrade():
    _set('CASCADE', 'RESTRICT')


def downgrade():
    _set('RESTRICT', 'CASCADE')
