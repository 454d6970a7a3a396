"""ISP register and confidentiality statement: the default statement (version 1)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:00:00

The protocol tables were created by 0002. This revision inserts version 1 of the MARAC
confidentiality statement, word for word as the Cambridgeshire and Peterborough IDVA service's
privacy notice gives it (the text the chair reads out at every meeting, with the five purposes
of the meeting and the paragraph on agencies' responsibility). Only the notice's Markdown bold
markers around the five purposes are left out. The text is copied here, not imported, so this
revision never changes when application code does.
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


STATEMENT_V1 = (
    "INFORMATION DISCUSSED BY THE AGENCY REPRESENTATIVE, WITHIN THE AMBIT OF THIS MEETING IS STRICTLY CONFIDENTIAL AND MUST NOT BE DISCLOSED TO THIRD PARTIES WHO HAVE NOT SIGNED UP TO THE 'DOMESTIC ABUSE INFORMATION SHARING PROTOCOL', WITHOUT THE AGREEMENT OF THE PARTNERS OF THE MEETING. IT SHOULD FOCUS ON DOMESTIC VIOLENCE AND CHILD PROTECTION CONCERNS AND A CLEAR DISTINCTION SHOULD BE MADE BETWEEN FACT AND OPINION.\n"
    '\n'
    'ALL AGENCIES SHOULD ENSURE THAT THE MINUTES ARE RETAINED IN A CONFIDENTIAL AND APPROPRIATELY RESTRICTED MANNER. THESE MINUTES WILL AIM TO REFLECT THAT ALL INDIVIDUALS WHO ARE DISCUSSED AT THESE MEETINGS SHOULD BE TREATED FAIRLY, WITH RESPECT AND WITHOUT IMPROPER DISCRIMINATION. ALL WORK UNDERTAKEN AT THE MEETINGS WILL BE INFORMED BY A COMMITMENT TO EQUAL OPPORTUNITIES AND EFFECTIVE PRACTICE ISSUES IN RELATION TO RACE, GENDER, SEXUALITY AND DISABILITY.\n'
    '\n'
    'THE PURPOSE OF THE MEETING IS AS FOLLOWS:\n'
    '\n'
    '1. To share information to increase the safety, health and wellbeing of victims – adults and their children.\n'
    '2. To determine whether the perpetrator poses a significant risk to any particular individual or to the general community.\n'
    '3. To construct jointly and implement a risk management plan that provides professional support to all those at risk and that reduces the risk of harm.\n'
    '4. To reduce repeat victimisation.\n'
    '5. To improve agency accountability; and improve support for staff involved in high risk DV cases.\n'
    '\n'
    'The responsibility to take appropriate actions rests with individual agencies; it is not transferred to the MARAC. The role of the MARAC is to facilitate, monitor and evaluate effective information sharing to enable appropriate actions to be taken to increase public safety.'
)


statement = sa.table(
    "confidentiality_statement",
    sa.column("version_number", sa.Integer()),
    sa.column("text", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("effective_at", sa.DateTime(timezone=True)),
)


def upgrade():
    now = datetime.now(UTC)
    op.bulk_insert(statement, [
        {"version_number": 1, "text": STATEMENT_V1, "created_at": now, "effective_at": now},
    ])


def downgrade():
    # Later versions depend on nothing in this revision; only the default is removed.
    op.execute(statement.delete().where(statement.c.version_number == 1))
