"""subject requests: matches by role and the passage-by-passage review

Who the requester is in each attached case (the person's record, or the referral they made,
and their role), and the DPO's decision on each passage of narrative text before release.
Links made before this revision have no role: they export nothing until the DPO says who
the requester is.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

SUBJECT_ROLES = ('victim', 'perpetrator', 'child', 'vulnerable_adult', 'referrer')
DECISIONS = ('disclose', 'redact', 'withhold')
EXEMPTIONS = ('third_party', 'crime', 'serious_harm', 'legal_privilege', 'other')


def _enum(values, name, length):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=False,
                   length=length)


def upgrade():
    with op.batch_alter_table('subject_request_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('referral_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject_role', _enum(SUBJECT_ROLES, 'subjectrole', 20),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_subject_request_case_person_id'), ['person_id'],
                              unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_subject_request_case_person_id_referral_person'), 'referral_person',
            ['person_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(
            batch_op.f('fk_subject_request_case_referral_id_referral'), 'referral',
            ['referral_id'], ['id'], ondelete='SET NULL')

    op.create_table(
        'subject_request_passage_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('passage_key', sa.String(length=60), nullable=False),
        sa.Column('text_hash', sa.String(length=64), nullable=False),
        sa.Column('decision', _enum(DECISIONS, 'passagedecision', 20), nullable=False),
        sa.Column('redactions', sa.JSON(), nullable=True),
        sa.Column('exemption', _enum(EXEMPTIONS, 'exemption', 20), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['request_id'], ['subject_request.id'],
            name=op.f('fk_subject_request_passage_review_request_id_subject_request'),
            ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['link_id'], ['subject_request_case.id'],
            name=op.f('fk_subject_request_passage_review_link_id_subject_request_case'),
            ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['case_id'], ['marac_case.id'],
            name=op.f('fk_subject_request_passage_review_case_id_marac_case'),
            ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['decided_by_id'], ['user_account.id'],
            name=op.f('fk_subject_request_passage_review_decided_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_request_passage_review')),
        sa.UniqueConstraint('link_id', 'passage_key',
                            name=op.f('uq_subject_request_passage_review_link_id')),
    )
    with op.batch_alter_table('subject_request_passage_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_request_passage_review_request_id'),
                              ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_request_passage_review_link_id'),
                              ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_request_passage_review_case_id'),
                              ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('subject_request_passage_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_request_passage_review_case_id'))
        batch_op.drop_index(batch_op.f('ix_subject_request_passage_review_link_id'))
        batch_op.drop_index(batch_op.f('ix_subject_request_passage_review_request_id'))
    op.drop_table('subject_request_passage_review')

    with op.batch_alter_table('subject_request_case', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_subject_request_case_referral_id_referral'), type_='foreignkey')
        batch_op.drop_constraint(
            batch_op.f('fk_subject_request_case_person_id_referral_person'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_subject_request_case_person_id'))
        batch_op.drop_column('subject_role')
        batch_op.drop_column('referral_id')
        batch_op.drop_column('person_id')
