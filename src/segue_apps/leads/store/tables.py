"""The leads tables (revision 0001 creates them; the jobs table is ``leads_jobs``).

JSON values (labels, schedules, filters, settings) are stored as JSON text, the same on
SQLite and PostgreSQL. Times are integer milliseconds since the epoch.
"""

from __future__ import annotations

import sqlalchemy as sa

from segue_apps.common.jobs import job_table

metadata = sa.MetaData()
_MS = sa.BigInteger()
_ID = sa.String(21)
JOBS_TABLE = "leads_jobs"

users = sa.Table(
    "leads_users",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("plan", sa.String(16), nullable=False),
    sa.Column("credits", sa.BigInteger(), nullable=False),
    sa.Column("subscription", sa.String(16), nullable=False),
    sa.Column("signup_ip", sa.String(64), nullable=True),
    sa.Column("created_at", _MS, nullable=False),
    sa.Index("leads_users_ip", "signup_ip", "created_at"),
)
api_keys = sa.Table(
    "leads_api_keys",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("id", _ID, nullable=False, unique=True),
    sa.Column("user_id", _ID, sa.ForeignKey("leads_users.id"), nullable=False),
    sa.Column("key_prefix", sa.String(12), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
)
accounts = sa.Table(
    "leads_accounts",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("handle", sa.String(15), nullable=False),
    sa.Column("handle_key", sa.String(15), nullable=False),  # case-folded
    sa.Column("x_user_id", sa.String(32), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("pending_tier", sa.String(16), nullable=True),
    sa.Column("pending_tier_at", _MS, nullable=True),
    sa.Column("asleep", sa.Boolean(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.UniqueConstraint("user_id", "handle_key", name="leads_accounts_handle"),
)
segments = sa.Table(
    "leads_segments",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.String(2000), nullable=False),
    sa.Column("labels", sa.Text(), nullable=False),
    sa.Column("gender", sa.String(8), nullable=False),
    sa.Column("follower_tiers", sa.Text(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Index("leads_segments_user", "user_id", "created_at"),
)
streams = sa.Table(
    "leads_streams",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # active | archived
    sa.Column("sync_times", sa.Text(), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("email_mode", sa.String(16), nullable=False),
    sa.Column("delivery", sa.String(16), nullable=False),
    sa.Column("csv_email", sa.String(320), nullable=True),
    sa.Column("enrich", sa.Text(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
    sa.Column("archived_at", _MS, nullable=True),
    sa.Index("leads_streams_user", "user_id", "status", "created_at"),
)
pairs = sa.Table(
    "leads_pairs",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("stream_id", _ID, sa.ForeignKey("leads_streams.id"), nullable=False),
    sa.Column("account_id", _ID, sa.ForeignKey("leads_accounts.id"), nullable=False),
    sa.Column("segment_id", _ID, sa.ForeignKey("leads_segments.id"), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.UniqueConstraint("stream_id", "account_id", "segment_id", name="leads_pairs_unique"),
    sa.Index("leads_pairs_account", "account_id"),
    sa.Index("leads_pairs_segment", "segment_id"),
)
runs = sa.Table(
    "leads_runs",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("stream_id", _ID, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # sync | retest | scheduled
    sa.Column("pair_ids", sa.Text(), nullable=False),
    sa.Column("scope", sa.Text(), nullable=True),
    sa.Column("job_id", _ID, nullable=False, unique=True),
    sa.Column("created_at", _MS, nullable=False),
    sa.Index("leads_runs_user", "user_id", "created_at"),
    sa.Index("leads_runs_stream", "stream_id", "created_at"),
)
leads = sa.Table(
    "leads_leads",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("stream_id", _ID, nullable=False),
    sa.Column("account_id", _ID, nullable=False),
    sa.Column("segment_id", _ID, nullable=False),
    sa.Column("run_id", _ID, nullable=False),
    sa.Column("confidence", sa.String(8), nullable=False),
    sa.Column("source_type", sa.String(16), nullable=False),
    sa.Column("discovered_at", _MS, nullable=False),
    sa.Column("exported_at", _MS, nullable=True),
    sa.Column("feedback", sa.String(16), nullable=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("x_user_id", sa.String(32), nullable=False),
    sa.Column("handle", sa.String(15), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("image_url", sa.String(500), nullable=False),
    sa.Column("follower_count", sa.BigInteger(), nullable=False),
    sa.Column("bio", sa.String(2000), nullable=False),
    sa.UniqueConstraint("stream_id", "x_user_id", name="leads_leads_profile"),
    sa.Index("leads_leads_user", "user_id", "discovered_at", "id"),
    # Polls of new (or exported) leads: filter, order and count without the rows.
    sa.Index("leads_leads_lifecycle", "user_id", "exported_at", "discovered_at", "id"),
    sa.Index("leads_leads_stream", "stream_id", "discovered_at", "id"),
)
lead_counts = sa.Table(
    "leads_lead_counts",
    metadata,
    sa.Column("user_id", _ID, primary_key=True),
    sa.Column("stream_id", _ID, primary_key=True),
    sa.Column("account_id", _ID, primary_key=True),
    sa.Column("segment_id", _ID, primary_key=True),
    sa.Column("confidence", sa.String(8), primary_key=True),
    sa.Column("exported", sa.Boolean(), primary_key=True),
    sa.Column("n", sa.BigInteger(), nullable=False),
)
"""How many leads each (stream, account, segment, confidence, exported) has: a poll's
``total`` and a stream's summary without counting the leads themselves."""
spend = sa.Table(
    "leads_spend",
    metadata,
    sa.Column("account_id", _ID, primary_key=True),
    sa.Column("budget", sa.String(8), primary_key=True),  # sync | retest
    sa.Column("period", sa.String(10), primary_key=True),  # 2026-12-04 | 2026-12
    sa.Column("used", sa.Integer(), nullable=False),
)
webhooks = sa.Table(
    "leads_webhooks",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("target_url", sa.String(2000), nullable=False),
    sa.Column("url_key", sa.String(64), nullable=False),  # SHA-256 of the URL
    sa.Column("secret", sa.String(64), nullable=False),
    sa.Column("filter", sa.Text(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.UniqueConstraint("user_id", "url_key", name="leads_webhooks_url"),
)
lookups = sa.Table(
    "leads_lookups",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # profile | email
    sa.Column("handle", sa.String(15), nullable=False),
    sa.Column("result", sa.Text(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Index("leads_lookups_user", "user_id", "kind", "created_at"),
)
templates = sa.Table(
    "leads_dm_templates",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("user_id", _ID, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("body", sa.String(10_000), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
    sa.Index("leads_dm_templates_user", "user_id", "created_at"),
)
notification_settings = sa.Table(
    "leads_notification_settings",
    metadata,
    sa.Column("user_id", _ID, primary_key=True),
    sa.Column("settings", sa.Text(), nullable=False),
)
SCHEMA_TABLES = [users, api_keys, accounts, segments, streams, pairs, runs, leads, lead_counts,
                 spend, webhooks, lookups, templates, notification_settings]  # fmt: skip
"""The tables of revision 0001 (besides the jobs table)."""
jobs = job_table(metadata, JOBS_TABLE)
