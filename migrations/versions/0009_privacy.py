"""data-protection duties: retention policy, legal holds, restrictions, case statistics,
data-subject requests, rectification history and the privacy notice (first version from the
seed privacy notice)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

RIGHTS = ('access', 'rectification', 'erasure', 'restriction', 'portability', 'objection')
STATUSES = ('open', 'in_progress', 'completed', 'refused')


def upgrade():
    op.create_table('retention_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_policy')),
    sa.UniqueConstraint('record_type', name=op.f('uq_retention_policy_record_type'))
    )
    op.create_table('case_statistic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('is_repeat', sa.Boolean(), nullable=False),
    sa.Column('children_count', sa.Integer(), nullable=True),
    sa.Column('referring_agency_id', sa.Integer(), nullable=True),
    sa.Column('referring_agency_kind', sa.String(length=40), nullable=True),
    sa.Column('victim_racially_minoritised', sa.Boolean(), nullable=True),
    sa.Column('victim_lgbt', sa.Boolean(), nullable=True),
    sa.Column('victim_disabled', sa.Boolean(), nullable=True),
    sa.Column('victim_male', sa.Boolean(), nullable=True),
    sa.Column('victim_aged_16_17', sa.Boolean(), nullable=True),
    sa.Column('victim_aged_65_plus', sa.Boolean(), nullable=True),
    sa.Column('perpetrator_under_18', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_statistic')),
    sa.UniqueConstraint('case_id', 'meeting_id', name=op.f('uq_case_statistic_case_id'))
    )
    with op.batch_alter_table('case_statistic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_statistic_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_statistic_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_statistic_meeting_date'), ['meeting_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_statistic_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('subject_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_name', sa.String(length=120), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('right', sa.Enum(*RIGHTS, name='subjectright', native_enum=False, length=20), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='requeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('decision', sa.String(length=500), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user_account.id'], name=op.f('fk_subject_request_handled_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_request'))
    )
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_request_status'), ['status'], unique=False)

    op.create_table('subject_request_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('case_reference', sa.String(length=20), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_subject_request_case_request_id_subject_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_request_case')),
    sa.UniqueConstraint('request_id', 'case_id', name=op.f('uq_subject_request_case_request_id'))
    )
    with op.batch_alter_table('subject_request_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_request_case_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_request_case_request_id'), ['request_id'], unique=False)

    op.create_table('case_legal_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_case_legal_hold_case_id_marac_case')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_case_legal_hold_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_legal_hold')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_legal_hold_case_id'))
    )
    op.create_table('case_restriction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_case_restriction_case_id_marac_case')),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_case_restriction_request_id_subject_request'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_case_restriction_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_restriction')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_restriction_case_id'))
    )
    op.create_table('rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.String(length=500), nullable=True),
    sa.Column('new_value', sa.String(length=500), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_rectification_by_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['referral_person.id'], name=op.f('fk_rectification_person_id_referral_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_rectification_request_id_subject_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification'))
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_person_id'), ['person_id'], unique=False)

    notice = op.create_table('privacy_notice_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_privacy_notice_version_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_notice_version')),
    sa.UniqueConstraint('version', name=op.f('uq_privacy_notice_version_version'))
    )

    from datetime import UTC, datetime

    now = datetime.now(UTC)
    policy = sa.table('retention_policy', sa.column('record_type', sa.String),
                      sa.column('years', sa.Integer), sa.column('basis', sa.String),
                      sa.column('updated_at', sa.DateTime(timezone=True)))
    op.bulk_insert(policy, [{
        'record_type': 'case', 'years': 7, 'updated_at': now,
        'basis': 'After the case closed (the privacy notice: 7 years after we ceased to work '
                 'with the person)',
    }])
    op.bulk_insert(notice, [{'version': 1, 'body': SEED_PRIVACY_NOTICE, 'created_at': now}])


def downgrade():
    op.drop_table('privacy_notice_version')
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_person_id'))
    op.drop_table('rectification')
    op.drop_table('case_restriction')
    op.drop_table('case_legal_hold')
    with op.batch_alter_table('subject_request_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_request_case_request_id'))
        batch_op.drop_index(batch_op.f('ix_subject_request_case_case_id'))
    op.drop_table('subject_request_case')
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_request_status'))
        batch_op.drop_index(batch_op.f('ix_subject_request_due_on'))
    op.drop_table('subject_request')
    with op.batch_alter_table('case_statistic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_statistic_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_case_statistic_meeting_date'))
        batch_op.drop_index(batch_op.f('ix_case_statistic_case_id'))
        batch_op.drop_index(batch_op.f('ix_case_statistic_area_id'))
    op.drop_table('case_statistic')
    op.drop_table('retention_policy')


# The seed privacy notice (../shared/seed), as the simple text the notice page renders:
# blank lines between paragraphs, "## " headings, "- " and "1. " lists.
SEED_PRIVACY_NOTICE = """\
Everything we do with information about living people – such as how we collect it and who we share it with – must comply with the Data Protection Act.

A key part of this is being open about how we use information and what rights you have in respect of it.

This notice tells you what information we collect and process about you when you are asked and or agree for support from Cambridgeshire and Peterborough Independent Domestic Violence Advisory Service.

## The information we hold about you.

We collect and process information about people who have agreed to have support from our Independent Domestic Violence Advisory Service or who have been referred by a professional and deemed to be at high risk. The information we hold about you varies according to the support you are having but might include the following -

- Name.
- Address.
- Date of Birth.
- Ethnicity.
- Safe contact details.
- Gender and Sexuality.
- Language and any interpreter requirements.
- Disabilities.
- Relationships and details of people who are alleged perpetrators of abuse against you.
- Details of any children and other vulnerable adults linked to you or the alleged perpetrator.
- Information recorded as part of your referral to our services,
- Information recorded in an assessment of your support needs.
- Other relevant health information that we require to know in order to support you appropriately.
- Relevant case information including records of visits and contacts with you agreed safety plans, made as part of your support from the IDVA Service.
- Details about other services involved in supporting you.
- Risks to you and others in your household from the alleged perpetrator(s)

The information we collect is retained on a standalone secure electronic case management system that can only be accessed by the IDVA Service employees.

IDVA staff who contact you may keep paper notes about their conversation with you, but these will be destroyed and disposed of confidentially, once relevant information is transcribed to our electronic systems.

## Why do we have your information and what do we use it for.

Referrals to the IDVA Service for support around domestic abuse are accepted from professionals only. For Data Protection purposes, this means we collect and use your personal information under the 'public task' lawful basis.

We use the information we have about you and any children or adults with vulnerabilities in your household to assess the level of risk you are at in regard to domestic abuse from named perpetrator(s). We use this information to jointly create a plan of support with you, which will include safety planning.

We collect only the information that we need to carry out these functions and we ensure that it is used and stored safely and securely.

All staff who have access to information about you will have received training on data protection and information security and they work to a code of conduct which requires them to respect the confidentiality of the information about you that they have access to in order to do their jobs.

All the information retained about you will be deemed to be: lawful, proportionate and necessary, for us to support you in the best way possible.

## Who we share your information with and why do we share it.

We may share information about you with other organisations and people as part of providing support to you and ensuring a multi-agency response to maintaining your safety.

The types of organisations and people we may share information with includes:

- Hospitals and community health services.
- Your GP
- Children's Social Care
- Adult Social Care and Adult Safeguarding
- Housing providers.
- Criminal and Civil courts- with an audit trail of appropriate court orders.
- The Police- to assist with and aid ongoing criminal investigations.
- Relevant services if you may move into a different area.

We can share this information without your specific consent when it is lawful proportionate and necessary to do so to fulfil our public tasks, or in respect of special category data it is in the substantial public interest to do so. The law imposes safeguards to protect your privacy in these circumstances. We will inform you that we are sharing information in these circumstances and in all other circumstances will we ask your consent before sharing.

We will also share your information, subject to contractual and other legal safeguards, with organisations contracted by us to provide a service to us or directly to you. Specially, this would be the organisations commissioned to provide mobile advocacy for victims of domestic abuse across Cambridgeshire. Such service providers are known as data processors and have a legal obligation under GDPR and to us to look after your personal information and only use it for providing that service.

## Multi-Agency Risk Assessment Conference (MARAC)

MARAC is a formal meeting where high-risk cases of domestic abuse are discussed, with attendance from agencies involved with the victim and/or the perpetrator. MARAC is subject to a separate Information Sharing Agreement that has been signed by all partner agencies. Information can be shared at MARAC without consent if it is in the public interest. This can be defined as including:

- The prevention of crime and disorder
- The detection of crime
- The apprehension of offenders
- The protection of vulnerable members of the community
- Maintaining public safety
- The administration of justice.

In addition, a confidentiality statement is read out by the Chair at each MARAC meeting as follows:

INFORMATION DISCUSSED BY THE AGENCY REPRESENTATIVE, WITHIN THE AMBIT OF THIS MEETING IS STRICTLY CONFIDENTIAL AND MUST NOT BE DISCLOSED TO THIRD PARTIES WHO HAVE NOT SIGNED UP TO THE 'DOMESTIC ABUSE INFORMATION SHARING PROTOCOL', WITHOUT THE AGREEMENT OF THE PARTNERS OF THE MEETING. IT SHOULD FOCUS ON DOMESTIC VIOLENCE AND CHILD PROTECTION CONCERNS AND A CLEAR DISTINCTION SHOULD BE MADE BETWEEN FACT AND OPINION.

ALL AGENCIES SHOULD ENSURE THAT THE MINUTES ARE RETAINED IN A CONFIDENTIAL AND APPROPRIATELY RESTRICTED MANNER. THESE MINUTES WILL AIM TO REFLECT THAT ALL INDIVIDUALS WHO ARE DISCUSSED AT THESE MEETINGS SHOULD BE TREATED FAIRLY, WITH RESPECT AND WITHOUT IMPROPER DISCRIMINATION. ALL WORK UNDERTAKEN AT THE MEETINGS WILL BE INFORMED BY A COMMITMENT TO EQUAL OPPORTUNITIES AND EFFECTIVE PRACTICE ISSUES IN RELATION TO RACE, GENDER, SEXUALITY AND DISABILITY.

THE PURPOSE OF THE MEETING IS AS FOLLOWS:

1. To share information to increase the safety, health and wellbeing of victims – adults and their children.
2. To determine whether the perpetrator poses a significant risk to any particular individual or to the general community.
3. To construct jointly and implement a risk management plan that provides professional support to all those at risk and that reduces the risk of harm.
4. To reduce repeat victimisation.
5. To improve agency accountability; and improve support for staff involved in high risk DV cases.

The responsibility to take appropriate actions rests with individual agencies; it is not transferred to the MARAC. The role of the MARAC is to facilitate, monitor and evaluate effective information sharing to enable appropriate actions to be taken to increase public safety.

## How we look after your information.

All information sharing is done with reference to the principles set out in the Cambridgeshire and Peterborough Information Sharing Framework: https://www.cambridgeshire.gov.uk/council/data-protection-and-foi/information-and-data-sharing/information-sharing-framework. This requires anyone we share information with, or who uses it on our behalf, to adhere to Data Protection legislation and to handle information securely.

The sharing of information in health and social care is guided by the Caldicott principles and include the following:

Principle 1 - Justify the purpose(s) for using confidential information.

Principle 2 - Don't use personal confidential data unless it is absolutely necessary.

Principle 3 - Use the minimum necessary personal confidential data.

Principle 4 - Access to personal confidential data should be on a strict need-to-know basis.

Principle 5 - Everyone with access to personal confidential data should be aware of their responsibilities.

Principle 6 - Comply with the law.

Principle 7 - The duty to share information can be as important as the duty to protect patient confidentiality.

## How long do we keep your information for.

We only keep information for as long as it is needed. This will be based on either a legal requirement (where a law says we must keep information for a specific period of time) or accepted business practice. For most records we make about your support from the IDVA Service this will be for 7 years after we have ceased to work with you.

## Your Rights about information held about you.

Under Data Protection Legislation you have the following rights:

- Right of access (to receive a copy of your personal data),
- Right to rectification (to request data is corrected inaccurate),
- Right to erasure (to request that data is deleted),
- Right to restrict processing (to request we don't use your data in a certain way),
- Right to data portability (in some cases, you can ask to receive a copy of your data in a commonly used electronic format so that it can be given to someone else),
- Right to object (generally to make a complaint about any aspect of our use of your data),
- Right to have explained if there will be any automated decision-making, including profiling, based on your data and for the logic behind this to be explained to you.

Any such request can be submitted to the Cambridgeshire and Peterborough Data Protection Officer. Whether we can agree to your request will depend on the specific circumstances and if we cannot then we will explain the reasons why.

If you are unhappy with any aspect of how your information has been collected and/or used, you can make a complaint to the Data Protection Officer.

You can also report your concerns to the Information Commissioner's Office at https://ico.org.uk/.

To contact our Data Protection Officer

Email: Data.protection@cambridgeshire.gov.uk

Phone: 01223 699137.

Write to:

Data Protection Officer

Cambridgeshire County Council, Box No. SCO2306, Scott House, 5 George Street,
Huntingdon, PE29 3AD.
"""
