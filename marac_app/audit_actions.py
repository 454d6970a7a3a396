"""The audit trail's vocabulary: every action an event can record, and which are reads.

``record()`` takes an ``AuditAction``, never a free string, so a new event is named once here.
``READS`` says which actions read personal data and what they read; "who has viewed case X"
lists every read event that exposed the case (its object or one of its ``case_ids``).
Values are stored as they are: renaming a member's value would split the trail's history.
"""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    ACCESS_DENIED = "access_denied"
    ACCOUNT_INVITED = "account_invited"  # a coordinator made an account to invite someone
    ACCOUNT_VIEWED = "account_viewed"
    ACTION_CREATED = "action_created"
    ACTION_FORM_VIEWED = "action_form_viewed"
    ACTION_LIST_VIEWED = "action_list_viewed"
    ACTION_STATUS_UPDATED = "action_status_updated"
    ACTION_VIEWED = "action_viewed"
    AGENCY_CREATED = "agency_created"
    AGENCY_UPDATED = "agency_updated"
    AREA_CREATED = "area_created"
    AREA_POPULATION_SET = "area_population_set"
    AREA_UPDATED = "area_updated"
    ATTENDANCE_RECORDED = "attendance_recorded"
    AUDIT_EXPORTED = "audit_exported"
    AUDIT_SEARCHED = "audit_searched"
    AUDIT_VERIFIED = "audit_verified"
    CALENDAR_FEED_ISSUED = "calendar_feed_issued"
    CALENDAR_REMINDER_CHANGED = "calendar_reminder_changed"
    CALENDAR_FEED_READ = "calendar_feed_read"
    CALENDAR_FEED_REVOKED = "calendar_feed_revoked"
    CASE_ACCESS_REVIEWED = "case_access_reviewed"
    CASE_ALLOCATED = "case_allocated"
    CASE_CLOSED = "case_closed"
    CASE_DEFERRAL_FORM_VIEWED = "case_deferral_form_viewed"
    CASE_DEFERRED = "case_deferred"
    CASE_HEARING_ENDED = "case_hearing_ended"
    CASE_HEARING_STARTED = "case_hearing_started"
    CASE_LIST_OF_MEETING_VIEWED = "case_list_of_meeting_viewed"
    CASE_LIST_REORDERED = "case_list_reordered"
    CASE_LIST_VIEWED = "case_list_viewed"
    CASE_PEOPLE_VIEWED = "case_people_viewed"
    CASE_RESTRICTED = "case_restricted"
    CASE_RESTRICTION_LIFTED = "case_restriction_lifted"
    CASE_TRIAGED = "case_triaged"  # heard or co-ordinated (issue 14)
    CASE_UNALLOCATED = "case_unallocated"
    CASE_VIEWED = "case_viewed"
    CONFIDENTIALITY_ACKNOWLEDGED = "confidentiality_acknowledged"
    CONFIDENTIALITY_ACKNOWLEDGEMENT_VIEWED = "confidentiality_acknowledgement_viewed"
    CONFIDENTIALITY_STATEMENT_MARKED_READ = "confidentiality_statement_marked_read"
    CONFIDENTIALITY_STATEMENT_PUBLISHED = "confidentiality_statement_published"
    COORDINATED_CASE_SIGNED_OFF = "coordinated_case_signed_off"
    COORDINATED_CASE_VIEWED = "coordinated_case_viewed"
    COORDINATION_TRIAGE_VIEWED = "coordination_triage_viewed"
    DATA_RETURN_DOWNLOADED = "data_return_downloaded"
    DATA_RETURN_VIEWED = "data_return_viewed"
    DATABASE_BACKED_UP = "database_backed_up"
    DATABASE_RESTORED = "database_restored"
    ERASURE_CARRIED_OUT = "erasure_carried_out"
    ERASURE_CONSEQUENCES_VIEWED = "erasure_consequences_viewed"
    ERASURE_NOTICE_SENT = "erasure_notice_sent"
    LEGAL_HOLD_LIFTED = "legal_hold_lifted"
    LEGAL_HOLD_SET = "legal_hold_set"
    MEETING_ATTENDANCE_VIEWED = "meeting_attendance_viewed"
    MEETING_CALENDAR_DOWNLOADED = "meeting_calendar_downloaded"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_CASE_LIST_VIEWED = "meeting_case_list_viewed"
    MEETING_CREATED = "meeting_created"
    MEETING_EMAIL_SENT = "meeting_email_sent"
    MEETING_INVITATION_CREATED = "meeting_invitation_created"
    MEETING_INVITATION_REVOKED = "meeting_invitation_revoked"
    MEETING_LIST_VIEWED = "meeting_list_viewed"
    MEETING_OPENING_VIEWED = "meeting_opening_viewed"
    MEETING_SERIES_CREATED = "meeting_series_created"
    MEETING_SERIES_INVITATIONS_CREATED = "meeting_series_invitations_created"  # counts only
    MEETING_SERIES_VIEWED = "meeting_series_viewed"
    MEETING_UPDATED = "meeting_updated"
    MEETING_VIEWED = "meeting_viewed"
    MFA_ENROLLED = "mfa_enrolled"
    MFA_ENROLMENT_FAILED = "mfa_enrolment_failed"
    MFA_FAILED = "mfa_failed"
    MFA_REENROL_PASSWORD_WRONG = "mfa_reenrol_password_wrong"
    MFA_REENROLLED = "mfa_reenrolled"
    MFA_RESET = "mfa_reset"
    MFA_THROTTLED = "mfa_throttled"
    MFA_VERIFIED = "mfa_verified"
    MINUTE_DRAFT_DISCARDED = "minute_draft_discarded"
    MINUTE_DRAFT_KEPT_AFTER_SIGN_OUT = "minute_draft_kept_after_sign_out"
    MINUTE_DRAFT_MOVED = "minute_draft_moved"  # its case was deferred to a later meeting
    MINUTE_DRAFT_SAVED = "minute_draft_saved"
    MINUTE_DRAFTS_EXPIRED = "minute_drafts_expired"  # the retention run: a count only
    MINUTE_ENTRY_CREATED = "minute_entry_created"
    MINUTE_ENTRY_HISTORY_VIEWED = "minute_entry_history_viewed"
    MINUTE_ENTRY_UPDATED = "minute_entry_updated"
    MINUTE_ENTRY_VIEWED = "minute_entry_viewed"
    MINUTES_AMENDED = "minutes_amended"
    MINUTES_APPROVAL_CHECK_VIEWED = "minutes_approval_check_viewed"
    MINUTES_APPROVED = "minutes_approved"
    MINUTES_CASE_VIEWED = "minutes_case_viewed"
    MINUTES_COPIES_VIEWED = "minutes_copies_viewed"
    MINUTES_COPY_ISSUED = "minutes_copy_issued"
    MINUTES_COPY_REVOKED = "minutes_copy_revoked"
    MINUTES_DRAFT_CIRCULATED = "minutes_draft_circulated"
    MINUTES_DRAFT_COMMENT_ADDED = "minutes_draft_comment_added"
    MINUTES_DRAFT_COMMENTS_VIEWED = "minutes_draft_comments_viewed"
    MINUTES_DRAFT_REVIEWED = "minutes_draft_reviewed"
    MINUTES_LATE_ENTRY_ADDED = "minutes_late_entry_added"
    MINUTES_MEETING_VIEWED = "minutes_meeting_viewed"
    MINUTES_RECIPIENT_ADDED = "minutes_recipient_added"
    MINUTES_RECIPIENT_NOTIFIED = "minutes_recipient_notified"
    MINUTES_RECIPIENT_REMOVED = "minutes_recipient_removed"
    MINUTES_RECIPIENTS_VIEWED = "minutes_recipients_viewed"
    MINUTES_VIEWED = "minutes_viewed"
    OBSERVER_RECORDED = "observer_recorded"
    OTHER_SESSIONS_ENDED = "other_sessions_ended"
    OUTBOX_MESSAGE_VIEWED = "outbox_message_viewed"
    OUTBOX_VIEWED = "outbox_viewed"
    PASSWORD_CHANGE_FAILED = "password_change_failed"
    PASSWORD_CHANGE_THROTTLED = "password_change_throttled"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    PASSWORD_RESET_LINK_ISSUED = "password_reset_link_issued"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET_THROTTLED = "password_reset_throttled"
    PASSWORD_SET = "password_set"
    PRIVACY_NOTICE_PUBLISHED = "privacy_notice_published"
    PROTOCOL_AGENCY_VIEWED = "protocol_agency_viewed"
    PROTOCOL_REGISTER_EXPORTED = "protocol_register_exported"
    PROTOCOL_REGISTER_PRINTED = "protocol_register_printed"
    PROTOCOL_REGISTER_VIEWED = "protocol_register_viewed"
    PROTOCOL_SIGNATURE_RECORDED = "protocol_signature_recorded"
    PROTOCOL_SIGNATURE_UPDATED = "protocol_signature_updated"
    PROTOCOL_SIGNATURE_VIEWED = "protocol_signature_viewed"
    PROTOCOL_SIGNATURE_WITHDRAWN = "protocol_signature_withdrawn"
    PROTOCOL_VERSION_CREATED = "protocol_version_created"
    REFERRAL_CREATED = "referral_created"
    REFERRAL_REPEAT_DECIDED = "referral_repeat_decided"
    REFERRAL_UPDATED = "referral_updated"
    REFERRAL_VIEWED = "referral_viewed"
    RESEARCH_LIST_CIRCULATED = "research_list_circulated"
    RESEARCH_LIST_DOWNLOADED = "research_list_downloaded"
    RESEARCH_LIST_VIEWED = "research_list_viewed"
    RESEARCH_REMINDER_SENT = "research_reminder_sent"
    RESEARCH_RETURN_ITEM_MADE_ENTRY = "research_return_item_made_entry"
    RESEARCH_RETURN_REOPENED = "research_return_reopened"
    RESEARCH_RETURN_SAVED = "research_return_saved"
    RESEARCH_RETURN_VIEWED = "research_return_viewed"
    RESEARCH_RETURNS_VIEWED = "research_returns_viewed"
    RETENTION_APPLY_STARTED = "retention_apply_started"
    RETENTION_DRY_RUN = "retention_dry_run"
    RETENTION_POLICY_CHANGED = "retention_policy_changed"
    RETENTION_PURGED = "retention_purged"
    RETENTION_VIEWED = "retention_viewed"
    RISK_SUMMARY_SAVED = "risk_summary_saved"
    RISK_SUMMARY_VIEWED = "risk_summary_viewed"
    SET_PASSWORD_LINK_ISSUED = "set_password_link_issued"
    SESSION_EXTENDED = "session_extended"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_PASSWORD_ACCEPTED = "sign_in_password_accepted"
    SIGN_IN_THROTTLED = "sign_in_throttled"
    SIGN_OUT = "sign_out"
    SUBJECT_EXPORT_DOWNLOADED = "subject_export_downloaded"
    SUBJECT_MATCHES_VIEWED = "subject_matches_viewed"
    SUBJECT_PASSAGE_REVIEWED = "subject_passage_reviewed"
    SUBJECT_RECORD_ATTACHED = "subject_record_attached"
    SUBJECT_REQUEST_LOGGED = "subject_request_logged"
    SUBJECT_REQUEST_UPDATED = "subject_request_updated"
    SUBJECT_REQUEST_VIEWED = "subject_request_viewed"
    SUBJECT_REQUESTS_VIEWED = "subject_requests_viewed"
    SUBJECT_REVIEW_VIEWED = "subject_review_viewed"
    TRANSFER_ACCEPTED = "transfer_accepted"
    TRANSFER_DECLINED = "transfer_declined"
    TRANSFER_HISTORY_VIEWED = "transfer_history_viewed"
    TRANSFER_PACK_PRODUCED = "transfer_pack_produced"
    TRANSFER_REQUESTED = "transfer_requested"
    TRANSFER_VIEWED = "transfer_viewed"
    TRANSFERS_WAITING_VIEWED = "transfers_waiting_viewed"
    USER_CREATED = "user_created"
    USER_DEACTIVATED = "user_deactivated"
    USER_LIST_VIEWED = "user_list_viewed"
    USER_REACTIVATED = "user_reactivated"
    USER_UPDATED = "user_updated"
    # Actions chased to completion (issue 15, migration 0025).
    ACTION_PROGRESS_POSTED = "action_progress_posted"
    ACTIONS_CHASE_RUN = "actions_chase_run"  # the daily job: counts only
    AGENCY_CHASED = "agency_chased"  # one agency's chasing email ("chase now" or the job)
    NONCOMPLETION_REPORT_VIEWED = "noncompletion_report_viewed"  # counts per agency only
    POINTS_OF_CONTACT_CHANGED = "points_of_contact_changed"
    POINTS_OF_CONTACT_VIEWED = "points_of_contact_viewed"
    # Safe addresses and flags (issue 15, migration 0026).
    ADDRESS_ALERT_CLEARED = "address_alert_cleared"
    ADDRESS_ALERT_SET = "address_alert_set"
    ADDRESS_CHANGE_NOTICE_DISMISSED = "address_change_notice_dismissed"
    ADDRESS_SHOWN = "address_shown"  # the victim's address shown to an action's owning agency
    FLAG_REGISTER_VIEWED = "flag_register_viewed"
    FLAGS_LAPSING_NOTICE_SENT = "flags_lapsing_notice_sent"
    VICTIM_ADDRESS_CHANGED = "victim_address_changed"
    USER_VIEWED = "user_viewed"
    # A person in several MARAC areas (issue 15, migration 0030).
    USER_AREAS_CHANGED = "user_areas_changed"  # an admin set the areas a person works in
    WORKING_AREA_CHANGED = "working_area_changed"  # a person changed the area they work in
    VICTIM_RECTIFIED = "victim_rectified"
    # Notifications (issue 15, migration 0027): a person's email choices, kinds only.
    NOTIFICATION_SETTINGS_CHANGED = "notification_settings_changed"

    @property
    def is_read(self) -> bool:
        return self in READS

    @property
    def reads(self) -> str | None:
        """What a read action reads ("case", "person", "meeting", …); None for a change."""
        return READS.get(self)


# The read actions and what they read ("case": the event names every case it exposed, as its
# object or in ``case_ids``). Everything not listed is a change, a sign-in or a refusal.
READS: dict[AuditAction, str] = {
    AuditAction.ACCOUNT_VIEWED: "user",
    AuditAction.CASE_ACCESS_REVIEWED: "audit",
    AuditAction.ACTION_FORM_VIEWED: "case",
    AuditAction.ACTION_LIST_VIEWED: "case",
    AuditAction.ACTION_VIEWED: "case",
    AuditAction.AUDIT_EXPORTED: "audit",
    AuditAction.AUDIT_SEARCHED: "audit",
    AuditAction.CALENDAR_FEED_READ: "meeting",
    AuditAction.CASE_LIST_OF_MEETING_VIEWED: "case",
    AuditAction.CASE_LIST_VIEWED: "case",
    AuditAction.CASE_PEOPLE_VIEWED: "case",
    AuditAction.CASE_VIEWED: "case",
    AuditAction.CASE_DEFERRAL_FORM_VIEWED: "case",
    AuditAction.CONFIDENTIALITY_ACKNOWLEDGEMENT_VIEWED: "meeting",
    AuditAction.COORDINATED_CASE_VIEWED: "case",
    AuditAction.COORDINATION_TRIAGE_VIEWED: "case",
    AuditAction.DATA_RETURN_DOWNLOADED: "statistics",
    AuditAction.DATA_RETURN_VIEWED: "statistics",
    AuditAction.ERASURE_CONSEQUENCES_VIEWED: "person",
    AuditAction.MEETING_ATTENDANCE_VIEWED: "meeting",
    AuditAction.MEETING_CALENDAR_DOWNLOADED: "meeting",
    AuditAction.MEETING_CASE_LIST_VIEWED: "case",
    AuditAction.MEETING_LIST_VIEWED: "meeting",
    AuditAction.MEETING_OPENING_VIEWED: "meeting",
    AuditAction.MEETING_SERIES_VIEWED: "meeting",
    AuditAction.MEETING_VIEWED: "meeting",
    AuditAction.MINUTE_ENTRY_HISTORY_VIEWED: "case",
    AuditAction.MINUTE_ENTRY_VIEWED: "case",
    AuditAction.MINUTES_APPROVAL_CHECK_VIEWED: "case",
    AuditAction.MINUTES_CASE_VIEWED: "case",
    AuditAction.MINUTES_COPIES_VIEWED: "case",
    AuditAction.MINUTES_COPY_ISSUED: "case",  # a stamped PDF copy downloaded
    AuditAction.MINUTES_DRAFT_COMMENTS_VIEWED: "case",
    AuditAction.MINUTES_DRAFT_REVIEWED: "case",  # a person present read the circulated draft
    AuditAction.MINUTES_MEETING_VIEWED: "case",
    AuditAction.MINUTES_RECIPIENTS_VIEWED: "case",
    AuditAction.MINUTES_VIEWED: "case",
    AuditAction.OUTBOX_MESSAGE_VIEWED: "email",
    AuditAction.OUTBOX_VIEWED: "email",
    AuditAction.PROTOCOL_AGENCY_VIEWED: "protocol",
    AuditAction.PROTOCOL_REGISTER_EXPORTED: "protocol",
    AuditAction.PROTOCOL_REGISTER_PRINTED: "protocol",
    AuditAction.PROTOCOL_REGISTER_VIEWED: "protocol",
    AuditAction.PROTOCOL_SIGNATURE_VIEWED: "protocol",
    AuditAction.REFERRAL_VIEWED: "case",
    AuditAction.RESEARCH_LIST_DOWNLOADED: "case",
    AuditAction.RESEARCH_LIST_VIEWED: "case",
    AuditAction.RESEARCH_RETURN_VIEWED: "case",
    AuditAction.RESEARCH_RETURNS_VIEWED: "case",
    AuditAction.RETENTION_DRY_RUN: "retention",
    AuditAction.RETENTION_VIEWED: "retention",
    AuditAction.RISK_SUMMARY_VIEWED: "case",
    AuditAction.SUBJECT_EXPORT_DOWNLOADED: "person",
    AuditAction.SUBJECT_MATCHES_VIEWED: "person",
    AuditAction.SUBJECT_REQUEST_VIEWED: "person",
    AuditAction.SUBJECT_REQUESTS_VIEWED: "person",
    AuditAction.SUBJECT_REVIEW_VIEWED: "person",
    AuditAction.TRANSFER_HISTORY_VIEWED: "case",
    AuditAction.TRANSFER_VIEWED: "case",
    AuditAction.TRANSFERS_WAITING_VIEWED: "case",
    AuditAction.USER_LIST_VIEWED: "user",
    AuditAction.USER_VIEWED: "user",
    AuditAction.ADDRESS_SHOWN: "case",
    AuditAction.FLAG_REGISTER_VIEWED: "case",
}
