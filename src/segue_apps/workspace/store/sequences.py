"""Sequences: list, read, edit a step, launch, stop, delete; campaign pause states.

Every function is one transaction of synchronous Core code run by
:meth:`~segue_apps.common.db.Database.run`, scoped to the caller's workspace: another
workspace's sequence, table or column is a 404. A sequence's status is mirrored into its
row's ``sequence`` cell in the same transaction, so rows always link to what is stored.

Actions on a paused campaign (launch, stop, delete, a step edit, a draft into it) are
refused with 409 ``CAMPAIGN_PAUSED`` and a resume handoff; with ``dryRun`` they run the
same checks, write nothing and report what would happen, the refusal included
(``blockedBy``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from segue_apps.common.ids import new_id
from segue_apps.workspace.cells import iso
from segue_apps.workspace.drafting import INVITE_NOTE_LIMIT
from segue_apps.workspace.errors import WorkspaceError, error_body, issues_error
from segue_apps.workspace.store import pagination
from segue_apps.workspace.store.data_tables import Column, table_and_columns
from segue_apps.workspace.store.sequence_tables import campaigns, sequences, steps
from segue_apps.workspace.store.tables import columns, rows

s = sequences.c
st = steps.c
cp = campaigns.c

DRAFT, ACTIVE, STOPPED = "draft", "active", "stopped"
STATUSES = (DRAFT, ACTIVE, STOPPED)
EDITABLE_STEPS = ("draft", "scheduled")
"""Step statuses with no delivery committed yet: their copy may still change."""

_SUMMARY = (
    s.id,
    s.workspace_id,
    s.table_id,
    s.column_id,
    s.row_id,
    s.recipient_name,
    s.recipient_email,
    s.channels,
    s.status,
    s.step_count,
    s.sent_count,
    s.created_at,
    s.updated_at,
    s.launched_at,
    s.stopped_at,
    sa.func.coalesce(cp.paused, sa.false()).label("paused"),
)
_FROM = sequences.outerjoin(campaigns, cp.column_id == s.column_id)


def sequence_url(sequence_id: str) -> str:
    """The API path of a sequence, as a ``sequence`` cell links to it."""
    return f"/api/v2/sequences/{sequence_id}"


def sequence_cell(sequence_id: str, status: str) -> dict[str, Any]:
    """The typed ``sequence`` cell of a row whose sequence is ``sequence_id``."""
    return {
        "kind": "sequence",
        "sequenceId": sequence_id,
        "status": status,
        "url": sequence_url(sequence_id),
    }


def summary(row: Any) -> dict[str, Any]:
    """A sequence summary from a row of :data:`_SUMMARY` columns."""
    return {
        "id": row.id,
        "workspaceId": row.workspace_id,
        "tableId": row.table_id,
        "columnId": row.column_id,
        "rowId": row.row_id,
        "recipient": {"name": row.recipient_name, "email": row.recipient_email},
        "channels": [c for c in row.channels.split(",") if c],
        "status": row.status,
        "stepCount": row.step_count,
        "sentCount": row.sent_count,
        "campaignPaused": bool(row.paused),
        "url": sequence_url(row.id),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "launchedAt": None if row.launched_at is None else iso(row.launched_at),
        "stoppedAt": None if row.stopped_at is None else iso(row.stopped_at),
    }


def step_dict(row: Any) -> dict[str, Any]:
    """A step as the API shows it (no provider internals)."""
    return {
        "id": row.id,
        "position": row.position,
        "channel": row.channel,
        "subject": row.subject,
        "body": row.body,
        "delayDays": row.delay_days,
        "status": row.status,
        "sentAt": None if row.sent_at is None else iso(row.sent_at),
        "updatedAt": iso(row.updated_at),
    }


# --------------------------------------------------------------------------- errors


def sequence_not_found() -> WorkspaceError:
    """The 404 for missing, deleted and foreign sequences."""
    return WorkspaceError(404, "SEQUENCE_NOT_FOUND", "Sequence not found")


def campaign_paused(
    app_url: str, workspace_id: str, table_id: str, column_id: str
) -> WorkspaceError:
    """The 409 for a real action on a paused campaign, with the handoff that resumes it."""
    table = f"/workspaces/{workspace_id}/tables/{table_id}"
    return WorkspaceError(
        409,
        "CAMPAIGN_PAUSED",
        "The campaign is paused; resume it before acting on its sequences.",
        {
            "tableId": table_id,
            "columnId": column_id,
            "resume": f"/api/v2/tables/{table_id}/columns/{column_id}/campaign/resume",
        },
        handoff={
            "kind": "resume_campaign",
            "url": f"{app_url}{table}?column={column_id}&campaign=resume",
            "label": "Resume the campaign",
        },
    )


def envelope(error: WorkspaceError) -> dict[str, Any]:
    """The error body a real call would have answered (a dry run's ``blockedBy``)."""
    body = error_body(error.status, error.code, error.message, error.details)
    if error.handoff is not None:
        body["handoff"] = error.handoff
    return body


def outcome(
    report: dict[str, Any], blocked: WorkspaceError | None, dry_run: bool
) -> dict[str, Any]:
    """Raise ``blocked`` for a real call; a dry run reports it instead."""
    if not dry_run:
        if blocked is not None:
            raise blocked
        return report
    return {**report, "dryRun": True, "blockedBy": None if blocked is None else envelope(blocked)}


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True, slots=True)
class Filters:
    """What a listing is limited to: a scope (at least one of the ids) and filters."""

    workspace_id: str | None = None
    table_id: str | None = None
    column_id: str | None = None
    status: str | None = None
    channel: str | None = None
    recipient: str | None = None

    def where(self, workspace_id: str) -> list[Any]:
        """The conditions of the listing, always inside the caller's workspace."""
        where: list[Any] = [s.workspace_id == workspace_id, s.deleted_at.is_(None)]
        if self.workspace_id is not None:
            where.append(s.workspace_id == self.workspace_id)
        if self.table_id is not None:
            where.append(s.table_id == self.table_id)
        if self.column_id is not None:
            where.append(s.column_id == self.column_id)
        if self.status is not None:
            where.append(s.status == self.status)
        if self.channel is not None:
            where.append(s.channels.contains(f",{self.channel},", autoescape=True))
        if self.recipient is not None:
            wanted = self.recipient.strip().lower()
            where.append(
                sa.or_(
                    sa.func.lower(s.recipient_email) == wanted,
                    sa.func.lower(s.recipient_name) == wanted,
                )
            )
        return where


def list_page(
    conn: sa.Connection, workspace_id: str, filters: Filters, page: int, page_size: int
) -> dict[str, Any]:
    """A page of sequence summaries in creation order (a draft's in row order); ``total``
    counts what matches."""
    where = filters.where(workspace_id)
    total = conn.execute(
        sa.select(sa.func.count()).select_from(sequences).where(*where)
    ).scalar_one()
    found: Any = []
    if page * page_size < total:
        found = conn.execute(
            sa.select(*_SUMMARY)
            .select_from(_FROM)
            .where(*where)
            .order_by(s.pk)
            .limit(page_size)
            .offset(page * page_size)
        ).all()
    return {
        "sequences": [summary(row) for row in found],
        "pagination": pagination(page, page_size, total),
    }


def list_for_table(
    conn: sa.Connection,
    workspace_id: str,
    table_id: str,
    filters: Filters,
    page: int,
    page_size: int,
    app_url: str,
) -> dict[str, Any]:
    """A page of one table's sequences; a missing or foreign table is a 404."""
    table_and_columns(conn, workspace_id, table_id, app_url)
    return list_page(conn, workspace_id, filters, page, page_size)


def _sequence(
    conn: sa.Connection, workspace_id: str, sequence_id: str, *, lock: bool = False
) -> Any:
    query = (
        sa.select(*_SUMMARY)
        .select_from(_FROM)
        .where(s.id == sequence_id, s.workspace_id == workspace_id, s.deleted_at.is_(None))
    )
    if lock:
        query = query.with_for_update(of=sequences)
    found = conn.execute(query).first()
    if found is None:
        raise sequence_not_found()
    return found


def _steps(conn: sa.Connection, sequence_id: str) -> list[Any]:
    return list(
        conn.execute(
            sa.select(steps).where(st.sequence_id == sequence_id).order_by(st.position)
        ).all()
    )


def detail(conn: sa.Connection, workspace_id: str, sequence_id: str) -> dict[str, Any]:
    """A sequence with its instructions and steps inline."""
    found = _sequence(conn, workspace_id, sequence_id)
    instructions = conn.execute(sa.select(s.instructions).where(s.id == sequence_id)).scalar_one()
    return {
        **summary(found),
        "instructions": instructions,
        "steps": [step_dict(row) for row in _steps(conn, sequence_id)],
    }


# --------------------------------------------------------------------------- writes


def set_cell(
    conn: sa.Connection, row_id: str, slug: str, cell: dict[str, Any] | None, now: int
) -> None:
    """Put ``cell`` under ``slug`` in a row's cells (``None``: remove it)."""
    query = sa.select(rows.c.cells).where(rows.c.id == row_id).with_for_update()
    text = conn.execute(query).scalar_one_or_none()
    if text is None:
        return
    cells = orjson.loads(text)
    if cell is None:
        cells.pop(slug, None)
    else:
        cells[slug] = cell
    conn.execute(
        rows.update()
        .where(rows.c.id == row_id)
        .values(cells=orjson.dumps(cells).decode(), updated_at=now)
    )


def _slug(conn: sa.Connection, column_id: str) -> str:
    return str(
        conn.execute(sa.select(columns.c.slug).where(columns.c.id == column_id)).scalar_one()
    )


def _blocked_by_pause(found: Any, app_url: str) -> WorkspaceError | None:
    if not found.paused:
        return None
    return campaign_paused(app_url, found.workspace_id, found.table_id, found.column_id)


def _set_status(conn: sa.Connection, found: Any, status: str, now: int, **values: Any) -> None:
    conn.execute(
        sequences.update().where(s.id == found.id).values(status=status, updated_at=now, **values)
    )
    set_cell(conn, found.row_id, _slug(conn, found.column_id), sequence_cell(found.id, status), now)


def stop(
    conn: sa.Connection, workspace_id: str, sequence_id: str, dry_run: bool, app_url: str, now: int
) -> dict[str, Any]:
    """Stop one recipient's sequence: pending steps cancelled, sent history kept.

    ``action`` is ``nothing_to_stop`` for a draft never launched, ``noop`` for a sequence
    already stopped, else ``stopped``.
    """
    found = _sequence(conn, workspace_id, sequence_id, lock=not dry_run)
    action = {DRAFT: "nothing_to_stop", STOPPED: "noop"}.get(found.status, "stopped")
    report = outcome(
        {"sequenceId": sequence_id, "action": action}, _blocked_by_pause(found, app_url), dry_run
    )
    if not dry_run and action == "stopped":
        conn.execute(
            steps.update()
            .where(st.sequence_id == sequence_id, st.status.in_(EDITABLE_STEPS))
            .values(status="cancelled", updated_at=now)
        )
        _set_status(conn, found, STOPPED, now, stopped_at=now)
    return report


def delete(
    conn: sa.Connection,
    workspace_id: str,
    sequence_id: str,
    force: bool,
    dry_run: bool,
    app_url: str,
    now: int,
) -> dict[str, Any]:
    """Soft-delete a sequence and clear its row's cell; one with sent messages needs ``force``."""
    found = _sequence(conn, workspace_id, sequence_id, lock=not dry_run)
    blocked = _blocked_by_pause(found, app_url)
    if blocked is None and found.sent_count and not force:
        blocked = WorkspaceError(
            409,
            "SEQUENCE_HAS_SENT_MESSAGES",
            f"The sequence has sent {found.sent_count} message(s); pass "
            "forceDeletionOfSentMessages: true to delete it anyway.",
            {"sentMessages": found.sent_count},
        )
    report = outcome(
        {"sequenceId": sequence_id, "deleted": not dry_run, "sentMessages": found.sent_count},
        blocked,
        dry_run,
    )
    if not dry_run:
        conn.execute(
            sequences.update().where(s.id == sequence_id).values(deleted_at=now, updated_at=now)
        )
        set_cell(conn, found.row_id, _slug(conn, found.column_id), None, now)
    return report


def launch(
    conn: sa.Connection, workspace_id: str, sequence_id: str, dry_run: bool, app_url: str, now: int
) -> dict[str, Any]:
    """Hand a drafted sequence to the sequencer: its first step is sent, the rest scheduled.

    This service has no delivery provider: "sent" is recorded here (with a provider
    message id kept internally), nothing leaves the server. Only a draft can be launched
    (else 409 ``SEQUENCE_NOT_DRAFT``).
    """
    found = _sequence(conn, workspace_id, sequence_id, lock=not dry_run)
    blocked = _blocked_by_pause(found, app_url)
    if blocked is None and found.status != DRAFT:
        blocked = WorkspaceError(
            409,
            "SEQUENCE_NOT_DRAFT",
            f"Only a draft can be launched; this sequence is {found.status}.",
            {"status": found.status},
        )
    report = {
        "sequenceId": sequence_id,
        "action": "launched",
        "sentSteps": 1,
        "scheduledSteps": found.step_count - 1,
    }
    report = outcome(report, blocked, dry_run)
    if not dry_run:
        first = _steps(conn, sequence_id)[0]
        sent = {"status": "sent", "sent_at": now, "updated_at": now}
        conn.execute(
            steps.update()
            .where(st.id == first.id)
            .values(**sent, provider_message_id=f"msg_{new_id()}")
        )
        conn.execute(
            steps.update()
            .where(st.sequence_id == sequence_id, st.id != first.id)
            .values(status="scheduled", updated_at=now)
        )
        _set_status(conn, found, ACTIVE, now, launched_at=now, sent_count=1)
    return report


def edit_step(
    conn: sa.Connection,
    workspace_id: str,
    sequence_id: str,
    step_id: str,
    subject: str | None,
    body: str | None,
    app_url: str,
    now: int,
) -> dict[str, Any]:
    """Change one step's subject and/or body while no delivery is committed for it."""
    found = _sequence(conn, workspace_id, sequence_id, lock=True)
    step = conn.execute(
        sa.select(steps).where(st.id == step_id, st.sequence_id == sequence_id)
    ).first()
    if step is None:
        raise WorkspaceError(404, "SEQUENCE_STEP_NOT_FOUND", "Sequence step not found")
    blocked = _blocked_by_pause(found, app_url)
    if blocked is not None:
        raise blocked
    if step.status not in EDITABLE_STEPS:
        raise WorkspaceError(
            400,
            "STEP_NOT_EDITABLE",
            f"A {step.status} step cannot be edited.",
            {"status": step.status},
        )
    issues = _copy_issues(step.channel, subject, body)
    if issues:
        raise issues_error(issues)
    values: dict[str, Any] = {"updated_at": now}
    if subject is not None:
        values["subject"] = subject
    if body is not None:
        values["body"] = body
    # Guarded by the status read above: a step sent meanwhile is not overwritten.
    changed = conn.execute(
        steps.update().where(st.id == step_id, st.status == step.status).values(values)
    ).rowcount
    if changed != 1:
        raise WorkspaceError(409, "STEP_STATUS_CHANGED", "The step changed status; read it again.")
    conn.execute(sequences.update().where(s.id == sequence_id).values(updated_at=now))
    return {
        "stepId": step_id,
        "subject": values.get("subject", step.subject),
        "body": values.get("body", step.body),
        "status": step.status,
        "updatedAt": iso(now),
    }


def _copy_issues(channel: str, subject: str | None, body: str | None) -> list[dict[str, str]]:
    issues = []
    if channel == "linkedin_connect":
        if subject is not None:
            issues.append({"path": "subject", "message": "A connection request has no subject"})
        if body is not None and len(body) > INVITE_NOTE_LIMIT:
            issues.append(
                {"path": "body", "message": f"At most {INVITE_NOTE_LIMIT} characters (invite note)"}
            )
    elif channel != "email" and subject is not None:
        issues.append({"path": "subject", "message": f"A {channel} step has no subject"})
    return issues


# --------------------------------------------------------------------------- campaigns


def campaign_column(
    conn: sa.Connection, workspace_id: str, table_id: str, column: str, app_url: str
) -> Column:
    """The ``sequence`` column ``column`` (id or slug) of a table of the workspace."""
    _, cols, _ = table_and_columns(conn, workspace_id, table_id, app_url)
    col = next((c for c in cols if column in (c.id, c.slug)), None)
    if col is None:
        raise WorkspaceError(404, "COLUMN_NOT_FOUND", "Column not found")
    if col.kind != "sequence":
        raise WorkspaceError(
            400,
            "NOT_A_SEQUENCE_COLUMN",
            f"Column {col.slug!r} is not a sequence column (kind {col.kind}); "
            "campaigns are sequence columns.",
        )
    return col


def paused_at(conn: sa.Connection, column_id: str) -> int | None:
    """When the campaign of ``column_id`` was paused, or ``None`` while it runs."""
    found = conn.execute(
        sa.select(cp.paused, cp.paused_at).where(cp.column_id == column_id)
    ).first()
    return found.paused_at if found is not None and found.paused else None


def _campaign(table_id: str, col: Column, since: int | None, live: int) -> dict[str, Any]:
    return {
        "tableId": table_id,
        "columnId": col.id,
        "slug": col.slug,
        "paused": since is not None,
        "pausedAt": None if since is None else iso(since),
        "sequences": live,
    }


def _live_count(conn: sa.Connection, column_id: str) -> int:
    query = sa.select(sa.func.count()).where(s.column_id == column_id, s.deleted_at.is_(None))
    return int(conn.execute(query.select_from(sequences)).scalar_one())


def campaign(
    conn: sa.Connection, workspace_id: str, table_id: str, column: str, app_url: str
) -> dict[str, Any]:
    """A campaign's pause state and how many sequences it holds."""
    col = campaign_column(conn, workspace_id, table_id, column, app_url)
    return _campaign(table_id, col, paused_at(conn, col.id), _live_count(conn, col.id))


def set_paused(
    conn: sa.Connection,
    workspace_id: str,
    table_id: str,
    column: str,
    paused: bool,
    dry_run: bool,
    app_url: str,
    now: int,
) -> dict[str, Any]:
    """Pause or resume a campaign (idempotent: ``action`` is ``noop`` when already so)."""
    col = campaign_column(conn, workspace_id, table_id, column, app_url)
    since = paused_at(conn, col.id)
    changes = (since is None) == paused
    action = ("paused" if paused else "resumed") if changes else "noop"
    if changes and not dry_run:
        values = {"paused": paused, "paused_at": now if paused else None, "updated_at": now}
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            insert(campaigns)
            .values(column_id=col.id, table_id=table_id, **values)
            .on_conflict_do_update(index_elements=[cp.column_id], set_=values)
        )
    if changes:
        since = now if paused else None
    body = {**_campaign(table_id, col, since, _live_count(conn, col.id)), "action": action}
    return outcome(body, None, dry_run)
