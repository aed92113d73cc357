"""Every column of every table, classified: public, internal, personal or sensitive.

- public: may be shown to anyone (product catalogue texts);
- internal: business data without personal meaning (ids, states, amounts, times);
- personal: identifies or describes a person (names, e-mail, address, free text they wrote);
- sensitive: sensitive personal information (ID number, phone, bank account, medical
  content): stored encrypted (a test checks it), masked for roles that do not need it.

A new table or column needs an entry here; tests/unit/security/test_classification.py
fails with the line to add.
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    PERSONAL = "personal"
    SENSITIVE = "sensitive"


PUB, INT, PER, SEN = Level.PUBLIC, Level.INTERNAL, Level.PERSONAL, Level.SENSITIVE

# table -> level -> the columns of that level (space-separated).
CLASSIFICATION: dict[str, dict[Level, str]] = {
    "api_tokens": {INT: "id token_digest user_id created_at expires_at revoked_at"},
    "auth_epochs": {INT: "id value"},
    "assistant_messages": {INT: "id session_id at author intent confidence sources", SEN: "text"},
    "assistant_sessions": {
        INT: "id user_id customer_id locale state handoff_ticket_id created_at updated_at"
    },
    "audit_entries": {
        INT: "seq at actor_id actor_role action subject_type subject_id data prev_hash hash"
    },
    "bank_accounts": {
        INT: "id customer_id bank_name account_number_hash verified_at created_at "
        "added_by_id verified_by_id verification verification_document_id",
        PER: "holder_name",
        SEN: "account_number",
    },
    "catastrophe_claims": {
        INT: "id event_id claim_id external_ref request_digest lane priority reasons_en "
        "reasons_zh is_open reported_at triaged_at"
    },
    "catastrophe_events": {
        INT: "id code name_zh name_en peril region started_at status declared_by_id "
        "declared_at closed_by_id closed_at"
    },
    "claim_events": {
        INT: "claim_id id at actor_id actor_role kind from_status to_status data",
        PER: "reason",
    },
    "claim_reserves": {
        INT: "id claim_id kind amount previous_amount data actor_id actor_role at",
        PER: "reason",
    },
    "claims": {
        INT: "id number policy_id customer_id claim_type channel incident_date claimed_amount "
        "currency status version reported_by_id assessor_id approver_id bank_account_id "
        "siu_referred assessed_amount payable_amount approved_amount paid_amount payout "
        "approved_payout completed_at reported_at awaiting_documents_at under_review_at "
        "investigating_at assessed_at coverage_verified_at approved_at partially_approved_at "
        "denied_at paid_at closed_at archived_at withdrawn_at reopened_at decided_at "
        "waived_documents evidence_waived_at reserve_amount investigation_outcome"
        " investigation_closed_at referred_to_id referred_at personal_data_erased_at",
        PER: "incident_location decision_reason closing_feedback attributes",
        SEN: "description",
    },
    "complaints": {
        INT: "id ticket_id category severity regulator_reportable",
        PER: "root_cause remedy",
    },
    "contact_preferences": {
        INT: "customer_id channels opt_out_non_statutory updated_by_id updated_at"
    },
    "coverages": {
        PUB: "code name_zh name_en deductible deductible_basis copay_ratio per_item_limit "
        "annual_limit waiting_period_days exclusions",
        INT: "id product_id",
    },
    "customer_segments": {INT: "customer_id segment run_id features"},
    "customers": {
        INT: "id id_type id_number_hash preferred_locale created_at merged_into_id erased_at",
        PER: "name name_en gender birth_date email address",
        SEN: "id_number phone",
    },
    "dispute_stages": {
        INT: "id dispute_id stage parties deadline documents started_at ended_at outcome",
        PER: "notes",
    },
    "disputes": {
        INT: "id claim_id customer_id opened_by_id opened_at stage status outcome extra_amount "
        "closed_at",
        PER: "reason",
    },
    "documents": {
        INT: "id claim_id sha256 size mime pages declared_kind detected_kind status ocr_pages "
        "error uploaded_by_id uploaded_at read_at field_confidence",
        PER: "filename fields",
        SEN: "text",
    },
    "feed_records": {INT: "id product_code kind ref record_id request_digest created_at"},
    "field_investigations": {
        INT: "id claim_id status assignee_id due_date outcome created_by_id created_at "
        "completed_by_id completed_at",
        PER: "instructions findings waive_reason",
    },
    "fhir_claims": {
        INT: "id claim_id fhir_version identifier item_sequences received_at submitted_by_id",
        PER: "resource",
    },
    "idempotency_records": {
        INT: "id scope user_id key request_digest resource_id created_at",
    },
    "inbound_emails": {
        INT: "id message_id size spf dkim dmarc verified outcome ticket_id outbox_id received_at",
        PER: "sender subject",
    },
    "insured_persons": {INT: "id policy_id customer_id relationship_to_holder"},
    "jobs": {
        INT: "id task args status attempts max_attempts retry_delay_seconds available_at "
        "lease_until last_error created_at updated_at"
    },
    "kb_entries": {
        PUB: "key locale kind category product_code title body questions",
        INT: "id status origin created_at updated_at updated_by_id text_hash terms "
        "terms_version vectors vector_model vector_hash",
    },
    "loss_lines": {
        INT: "id claim_id coverage_code amount cause_codes source description_hash",
        SEN: "description",
    },
    "loyalty_accounts": {INT: "customer_id balance earned_total tier updated_at"},
    "loyalty_entries": {
        INT: "id customer_id key kind reason points balance_after actor_id actor_role at",
        PER: "note",
    },
    "message_templates": {INT: "id event locale source updated_by_id updated_at"},
    "notification_outbox": {
        INT: "id key customer_id channel locale template state attempts last_error created_at "
        "next_attempt_at sent_at claim_id ticket_id category headers provider_id bounced_at",
        PER: "subject body html parts",
        SEN: "address",
    },
    "payments": {
        INT: "id claim_id idempotency_key reference amount currency bank_account_id paid_by_id "
        "paid_at"
    },
    "policies": {
        INT: "id number product_id holder_id start_date end_date sum_insured premium currency "
        "status created_at",
        PER: "insured_object",
    },
    "products": {
        PUB: "code line name_zh name_en description_zh description_en exclusions",
        INT: "id",
    },
    "risk_assessments": {
        INT: "id claim_id score grade factors method trigger assessed_at rules_score "
        "model_probability contributions"
    },
    "risk_models": {
        INT: "id product_code version path sha256 metrics features training_from training_to "
        "training_rows active activation_note created_at activated_at"
    },
    "segmentation_runs": {INT: "id at customers method segments"},
    "sensitive_access_log": {INT: "id at user_id role table_name record_id field purpose"},
    "sla_clocks": {
        INT: "id ticket_id claim_id team_id kind metric calendar target_seconds elapsed_seconds "
        "started_at running_since stopped_at warn_at due_at supervisor_at next_check_at state "
        "escalation_level"
    },
    "sla_events": {INT: "id clock_id at kind from_state to_state recipient_id"},
    "statutory_clocks": {
        INT: "id claim_id rule started_at warn_at due_at met_at state provisional "
        "escalation_level next_check_at"
    },
    "staff_qualifications": {
        INT: "id user_id kind issuer issued_on expires_on recorded_by_id recorded_at",
        PER: "number",
    },
    "support_team_members": {INT: "id team_id user_id active"},
    "support_teams": {
        INT: "id code name kinds assignment_rule lead_id supervisor_id last_assigned_id created_at"
    },
    "surveys": {
        INT: "id key subject claim_id ticket_id customer_id handler_id channel product_code "
        "created_at expires_at score responded_at follow_up_ticket_id",
        PER: "comment",
    },
    "ticket_events": {
        INT: "ticket_id id at actor_id actor_role kind from_status to_status data",
        PER: "reason",
    },
    "ticket_filters": {INT: "id user_id name criteria created_at"},
    "ticket_messages": {INT: "id ticket_id author_id author_role internal at", SEN: "body"},
    "tickets": {
        INT: "id number kind channel customer_id claim_id policy_id product_code status priority "
        "customer_tier owner_id team_id created_by_id version created_at first_response_at "
        "new_at open_at waiting_on_customer_at resolved_at closed_at reopened_at verified "
        "personal_data_erased_at",
        PER: "subject sender_address",
    },
    "ticket_attachments": {
        INT: "id ticket_id message_id sha256 size mime error uploaded_at",
        PER: "filename",
    },
    "training_records": {
        INT: "id user_id course provider topic hours completed_on recorded_by_id recorded_at"
    },
    "users": {
        INT: "id username password_hash role customer_id active created_at failed_logins "
        "first_failed_at locked_until",
        PER: "full_name",
    },
    "webhook_attempts": {INT: "id delivery_id at status_code error duration_ms"},
    "webhook_deliveries": {
        INT: "id subscription_id msg_id event_type payload state attempts next_attempt_at "
        "last_status last_error created_at delivered_at"
    },
    "webhook_subscriptions": {
        INT: "id url events description locale active consecutive_failures disabled_at "
        "disabled_reason created_by_id created_at",
        PER: "contact_email",
        SEN: "secret",
    },
}


def level_of(table: str, column: str) -> Level | None:
    for level, columns in CLASSIFICATION.get(table, {}).items():
        if column in columns.split():
            return level
    return None
