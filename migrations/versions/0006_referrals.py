"""referrals, cases and case lists: referral, people, versioned risk checklist (DASH 2009)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Frozen copy of the first checklist version (a migration never imports app code that may
# change later). Paraphrased plainly from the 2009 DASH risk identification checklist.
DASH_2009_QUESTIONS = (
    'Has the current incident resulted in an injury?',
    'Is the victim very frightened?',
    'Is the victim afraid of further injury or violence?',
    'Does the victim feel isolated from family or friends?',
    'Is the victim feeling depressed or having suicidal thoughts?',
    'Has the victim separated, or tried to separate, from the abuser in the past year?',
    'Is there conflict over contact with the children?',
    'Does the abuser constantly text, call, contact, follow, stalk or harass the victim?',
    'Is the victim pregnant, or have they had a baby in the last 18 months?',
    'Is the abuse happening more often?',
    'Is the abuse getting worse?',
    'Does the abuser try to control everything the victim does, or are they excessively jealous?',
    'Has the abuser ever used weapons or objects to hurt the victim?',
    'Has the abuser ever threatened to kill the victim or someone else, and the victim believed them?',
    'Has the abuser ever tried to strangle, choke, suffocate or drown the victim?',
    'Does the abuser do or say sexual things that make the victim feel bad or that hurt them or someone else?',
    'Is there anyone else who has threatened the victim or whom the victim is afraid of?',
    'Does the victim know whether the abuser has hurt anyone else?',
    'Has the abuser ever mistreated an animal or the family pet?',
    'Are there any financial issues, such as dependence on the abuser or recent job loss?',
    'Has the abuser had problems in the past year with drugs, alcohol or mental health that affect daily life?',
    'Has the abuser ever threatened or attempted suicide?',
    'Has the abuser ever broken bail, an injunction or an agreement about seeing the victim or the children?',
    'Does the victim know whether the abuser has ever been in trouble with the police or has a criminal history?',
)


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade():
    version_table = op.create_table('risk_checklist_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_checklist_version')),
    sa.UniqueConstraint('label', name=op.f('uq_risk_checklist_version_label'))
    )
    question_table = op.create_table('risk_checklist_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['risk_checklist_version.id'], name=op.f('fk_risk_checklist_question_version_id_risk_checklist_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_checklist_question')),
    sa.UniqueConstraint('version_id', 'number', name=op.f('uq_risk_checklist_question_version_id'))
    )
    with op.batch_alter_table('risk_checklist_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_checklist_question_version_id'), ['version_id'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('referring_agency_id', sa.Integer(), nullable=False),
    sa.Column('referrer_name', sa.String(length=120), nullable=False),
    sa.Column('referrer_role', sa.String(length=120), nullable=True),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('criterion', _enum('criterion', 'visible_high_risk', 'professional_judgement', 'potential_escalation', 'repeat'), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('escalation_incidents', sa.Integer(), nullable=True),
    sa.Column('escalation_window_months', sa.Integer(), nullable=True),
    sa.Column('checklist_version_id', sa.Integer(), nullable=True),
    sa.Column('dash_answers', sa.JSON(), nullable=True),
    sa.Column('dash_score', sa.Integer(), nullable=True),
    sa.Column('is_repeat', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('repeat_status', _enum('repeatstatus', 'pending', 'confirmed', 'rejected'), nullable=True),
    sa.Column('linked_case_id', sa.Integer(), nullable=True),
    sa.Column('repeat_confirmed_by_coordinator', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('repeat_decided_by_id', sa.Integer(), nullable=True),
    sa.Column('repeat_decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['marac_area.id'], name=op.f('fk_referral_area_id_marac_area')),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_referral_case_id_marac_case')),
    sa.ForeignKeyConstraint(['checklist_version_id'], ['risk_checklist_version.id'], name=op.f('fk_referral_checklist_version_id_risk_checklist_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_referral_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['linked_case_id'], ['marac_case.id'], name=op.f('fk_referral_linked_case_id_marac_case')),
    sa.ForeignKeyConstraint(['referring_agency_id'], ['agency.id'], name=op.f('fk_referral_referring_agency_id_agency')),
    sa.ForeignKeyConstraint(['repeat_decided_by_id'], ['user_account.id'], name=op.f('fk_referral_repeat_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_checklist_version_id'), ['checklist_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_linked_case_id'), ['linked_case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_referred_on'), ['referred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_referring_agency_id'), ['referring_agency_id'], unique=False)

    op.create_table('referral_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('role', _enum('personrole', 'victim', 'perpetrator', 'child', 'vulnerable_adult'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('normalised_name', sa.String(length=120), nullable=False),
    sa.Column('aliases', sa.String(length=255), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('gender', _enum('gender', 'female', 'male', 'non_binary', 'self_described', 'not_known', 'prefer_not_to_say'), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('safe_phone', sa.String(length=40), nullable=True),
    sa.Column('safe_email', sa.String(length=255), nullable=True),
    sa.Column('safe_to_call', sa.Boolean(), nullable=True),
    sa.Column('safe_to_text', sa.Boolean(), nullable=True),
    sa.Column('safe_to_email', sa.Boolean(), nullable=True),
    sa.Column('sexuality', _enum('sexuality', 'heterosexual', 'gay_or_lesbian', 'bisexual', 'other', 'not_known', 'prefer_not_to_say'), nullable=True),
    sa.Column('ethnicity', _enum('ethnicity', 'white_british', 'white_irish', 'gypsy_roma_traveller', 'white_other', 'mixed', 'asian', 'black', 'arab', 'other', 'not_known', 'prefer_not_to_say'), nullable=True),
    sa.Column('disability', _enum('disability', 'yes', 'no', 'not_known', 'prefer_not_to_say'), nullable=True),
    sa.Column('language', sa.String(length=60), nullable=True),
    sa.Column('interpreter_needed', sa.Boolean(), nullable=True),
    sa.Column('relationship_to_victim', sa.String(length=60), nullable=True),
    sa.Column('lives_in_household', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_person_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_person'))
    )
    with op.batch_alter_table('referral_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_person_normalised_name'), ['normalised_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_person_referral_id'), ['referral_id'], unique=False)

    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_agenda_item_referral_id_referral'), 'referral', ['referral_id'], ['id'])

    # Data: the first checklist version, active for new referrals.
    from datetime import UTC, datetime

    op.bulk_insert(version_table, [
        {'id': 1, 'label': 'DASH 2009', 'threshold': 14, 'active': True,
         'created_at': datetime(2026, 11, 25, tzinfo=UTC)},
    ])
    op.bulk_insert(question_table, [
        {'version_id': 1, 'number': number, 'text': text}
        for number, text in enumerate(DASH_2009_QUESTIONS, start=1)
    ])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('risk_checklist_version', 'id'), "
                   "(SELECT MAX(id) FROM risk_checklist_version))")


def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agenda_item_referral_id_referral'), type_='foreignkey')

    with op.batch_alter_table('referral_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_person_referral_id'))
        batch_op.drop_index(batch_op.f('ix_referral_person_normalised_name'))
    op.drop_table('referral_person')

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_referring_agency_id'))
        batch_op.drop_index(batch_op.f('ix_referral_referred_on'))
        batch_op.drop_index(batch_op.f('ix_referral_linked_case_id'))
        batch_op.drop_index(batch_op.f('ix_referral_checklist_version_id'))
        batch_op.drop_index(batch_op.f('ix_referral_case_id'))
        batch_op.drop_index(batch_op.f('ix_referral_area_id'))
    op.drop_table('referral')

    with op.batch_alter_table('risk_checklist_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_checklist_question_version_id'))
    op.drop_table('risk_checklist_question')
    op.drop_table('risk_checklist_version')
