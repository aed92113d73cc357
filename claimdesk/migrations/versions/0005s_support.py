"""support: teams, tickets, SLA clocks, complaints, disputes, surveys, notifications outbox

Revision ID: 0005s
Revises: 0001
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0005s"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("support",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=512), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_notification_outbox_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_notification_outbox_key")),
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_outbox_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_outbox_state"), ["state"], unique=False)

    op.create_table(
        "support_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("assignment_rule", sa.String(length=16), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("last_assigned_id", sa.Integer(), nullable=True),
        sa.Column("created_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_assigned_id"], ["users.id"], name=op.f("fk_support_teams_last_assigned_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["users.id"], name=op.f("fk_support_teams_lead_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["users.id"], name=op.f("fk_support_teams_supervisor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_teams")),
        sa.UniqueConstraint("code", name=op.f("uq_support_teams_code")),
    )
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("extra_amount", claimdesk.core.db.Money(precision=14, scale=2), nullable=True),
        sa.Column("closed_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_disputes_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_disputes_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_disputes_opened_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disputes_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "support_team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["support_teams.id"],
            name=op.f("fk_support_team_members_team_id_support_teams"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_support_team_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_team_members")),
        sa.UniqueConstraint(
            "team_id", "user_id", name=op.f("uq_support_team_members_team_id_user_id")
        ),
    )
    with op.batch_alter_table("support_team_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_team_members_team_id"), ["team_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_support_team_members_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("product_code", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("customer_tier", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("new_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("open_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "waiting_on_customer_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("resolved_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reopened_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_tickets_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_tickets_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_tickets_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tickets_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_tickets_policy_id_policies")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["support_teams.id"], name=op.f("fk_tickets_team_id_support_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_policy_id"), ["policy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_team_id"), ["team_id"], unique=False)

    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("remedy", sa.Text(), nullable=True),
        sa.Column("regulator_reportable", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_complaints_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_complaints_ticket_id")),
    )
    op.create_table(
        "dispute_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("started_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_stages_dispute_id_disputes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_stages")),
        sa.UniqueConstraint("dispute_id", "stage", name=op.f("uq_dispute_stages_dispute_id_stage")),
    )
    with op.batch_alter_table("dispute_stages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_stages_dispute_id"), ["dispute_id"], unique=False
        )

    op.create_table(
        "sla_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("calendar", sa.String(length=32), nullable=False),
        sa.Column("target_seconds", sa.Integer(), nullable=False),
        sa.Column("elapsed_seconds", sa.Integer(), nullable=False),
        sa.Column("started_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("running_since", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("warn_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("supervisor_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_sla_clocks_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["support_teams.id"], name=op.f("fk_sla_clocks_team_id_support_teams")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_sla_clocks_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_clocks")),
        sa.UniqueConstraint("claim_id", "metric", name=op.f("uq_sla_clocks_claim_id_metric")),
        sa.UniqueConstraint("ticket_id", "metric", name=op.f("uq_sla_clocks_ticket_id_metric")),
    )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_clocks_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sla_clocks_next_check_at"), ["next_check_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sla_clocks_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sla_clocks_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("product_code", sa.String(length=32), nullable=True),
        sa.Column("created_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("responded_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("follow_up_ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_surveys_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_surveys_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_surveys_follow_up_ticket_id_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["users.id"], name=op.f("fk_surveys_handler_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_surveys_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("key", name=op.f("uq_surveys_key")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_handler_id"), ["handler_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ticket_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_role", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_ticket_messages_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_messages_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_messages")),
    )
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_messages_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "sla_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clock_id"], ["sla_clocks.id"], name=op.f("fk_sla_events_clock_id_sla_clocks")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name=op.f("fk_sla_events_recipient_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_events")),
    )
    with op.batch_alter_table("sla_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_events_clock_id"), ["clock_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sla_events_recipient_id"), ["recipient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sla_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_events_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_sla_events_clock_id"))

    op.drop_table("sla_events")
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_messages_ticket_id"))

    op.drop_table("ticket_messages")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))

    op.drop_table("ticket_events")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_surveys_handler_id"))
        batch_op.drop_index(batch_op.f("ix_surveys_customer_id"))
        batch_op.drop_index(batch_op.f("ix_surveys_claim_id"))

    op.drop_table("surveys")
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_clocks_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_sla_clocks_team_id"))
        batch_op.drop_index(batch_op.f("ix_sla_clocks_next_check_at"))
        batch_op.drop_index(batch_op.f("ix_sla_clocks_claim_id"))

    op.drop_table("sla_clocks")
    with op.batch_alter_table("dispute_stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_stages_dispute_id"))

    op.drop_table("dispute_stages")
    op.drop_table("complaints")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_team_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_status"))
        batch_op.drop_index(batch_op.f("ix_tickets_policy_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_owner_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_kind"))
        batch_op.drop_index(batch_op.f("ix_tickets_customer_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_created_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_claim_id"))

    op.drop_table("tickets")
    with op.batch_alter_table("support_team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_team_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_support_team_members_team_id"))

    op.drop_table("support_team_members")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disputes_customer_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_claim_id"))

    op.drop_table("disputes")
    op.drop_table("support_teams")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_outbox_state"))
        batch_op.drop_index(batch_op.f("ix_notification_outbox_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_notification_outbox_customer_id"))

    op.drop_table("notification_outbox")
