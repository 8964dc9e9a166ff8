"""Webhook subscriptions, lookups and their history, DM templates, notification settings."""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segue_apps.common.ids import new_id
from segue_apps.leads.store.common import dumps, insert, iso, loads
from segue_apps.leads.store.tables import lookups, notification_settings, templates, webhooks

# --------------------------------------------------------------------------- webhooks


def subscribe(
    conn: Connection, user_id: str, url: str, secret: str, config: dict[str, Any], now: int
) -> Any:
    """Subscribe ``url``; the same URL again keeps its id and secret (its filter is
    replaced). Returns the subscription's row."""
    url_key = hashlib.sha256(url.encode()).hexdigest()
    statement = insert(conn, webhooks).values(
        id=new_id(), user_id=user_id, target_url=url, url_key=url_key, secret=secret,
        filter=dumps(config), created_at=now,
    )  # fmt: skip
    statement = statement.on_conflict_do_update(
        index_elements=[webhooks.c.user_id, webhooks.c.url_key], set_={"filter": dumps(config)}
    )
    conn.execute(statement)
    query = sa.select(webhooks).where(webhooks.c.user_id == user_id, webhooks.c.url_key == url_key)
    return conn.execute(query).one()


def unsubscribe(conn: Connection, user_id: str, sub_id: str | None, url: str | None) -> Any:
    """Remove a subscription by id or URL; its row, or None."""
    where = [webhooks.c.user_id == user_id]
    if sub_id is not None:
        where.append(webhooks.c.id == sub_id)
    if url is not None:
        where.append(webhooks.c.url_key == hashlib.sha256(url.encode()).hexdigest())
    row = conn.execute(sa.select(webhooks).where(*where)).first()
    if row is not None:
        conn.execute(webhooks.delete().where(webhooks.c.id == row.id))
    return row


def subscription(conn: Connection, sub_id: str) -> Any:
    """A subscription's row (for delivery), or None once unsubscribed."""
    return conn.execute(sa.select(webhooks).where(webhooks.c.id == sub_id)).first()


def webhook_body(row: Any) -> dict[str, Any]:
    """A subscription as the API shows it (no secret)."""
    return {"id": row.id, "targetUrl": row.target_url, "filterConfig": loads(row.filter),
            "createdAt": iso(row.created_at)}  # fmt: skip


# --------------------------------------------------------------------------- lookups


def record_lookup(
    conn: Connection, user_id: str, kind: str, handle: str, result: dict[str, Any], now: int
) -> dict[str, Any]:
    """Keep a lookup in the user's history; the history item."""
    lookup_id = new_id()
    conn.execute(lookups.insert().values(id=lookup_id, user_id=user_id, kind=kind, handle=handle,
                                         result=dumps(result), created_at=now))  # fmt: skip
    return {"id": lookup_id, "handle": handle, "result": result, "createdAt": iso(now)}


def lookup_history(conn: Connection, user_id: str, kind: str, limit: int) -> list[dict[str, Any]]:
    """The user's newest lookups of ``kind``."""
    query = (
        sa.select(lookups)
        .where(lookups.c.user_id == user_id, lookups.c.kind == kind)
        .order_by(lookups.c.created_at.desc(), lookups.c.id.desc())
        .limit(limit)
    )
    return [{"id": r.id, "handle": r.handle, "result": loads(r.result),
             "createdAt": iso(r.created_at)} for r in conn.execute(query)]  # fmt: skip


# --------------------------------------------------------------------------- templates


def template_body(row: Any) -> dict[str, Any]:
    """A DM template as the API shows it."""
    return {"id": row.id, "name": row.name, "body": row.body,
            "createdAt": iso(row.created_at), "updatedAt": iso(row.updated_at)}  # fmt: skip


def create_template(conn: Connection, user_id: str, name: str, body: str, now: int) -> Any:
    """A new DM template's row."""
    template_id = new_id()
    conn.execute(templates.insert().values(id=template_id, user_id=user_id, name=name, body=body,
                                           created_at=now, updated_at=now))  # fmt: skip
    return conn.execute(sa.select(templates).where(templates.c.id == template_id)).one()


def list_templates(conn: Connection, user_id: str) -> list[Any]:
    """The user's DM templates, oldest first."""
    query = (
        sa.select(templates)
        .where(templates.c.user_id == user_id)
        .order_by(templates.c.created_at, templates.c.id)
    )
    return list(conn.execute(query))


def get_template(conn: Connection, user_id: str, template_id: str) -> Any:
    """The user's DM template, or None."""
    query = sa.select(templates).where(
        templates.c.user_id == user_id, templates.c.id == template_id
    )
    return conn.execute(query).first()


def replace_template(
    conn: Connection, user_id: str, template_id: str, name: str, body: str, now: int
) -> Any:
    """Replace a DM template's name and body; its row, or None."""
    conn.execute(
        templates.update()
        .where(templates.c.user_id == user_id, templates.c.id == template_id)
        .values(name=name, body=body, updated_at=now)
    )
    return get_template(conn, user_id, template_id)


def delete_template(conn: Connection, user_id: str, template_id: str) -> bool:
    """Delete a DM template; False when it is not the user's."""
    statement = templates.delete().where(
        templates.c.user_id == user_id, templates.c.id == template_id
    )
    return bool(conn.execute(statement).rowcount == 1)


# --------------------------------------------------------------------------- notifications

NOTIFICATION_DEFAULTS: dict[str, Any] = {
    "emailDigest": "daily",
    "newLeadEmail": False,
    "lowCreditsEmail": True,
    "webhookFailureEmail": True,
}


def get_notifications(conn: Connection, user_id: str) -> dict[str, Any]:
    """The user's notification settings (the defaults until first set)."""
    query = sa.select(notification_settings.c.settings).where(
        notification_settings.c.user_id == user_id
    )
    stored = conn.execute(query).scalar_one_or_none()
    return NOTIFICATION_DEFAULTS | (loads(stored) if stored else {})


def put_notifications(conn: Connection, user_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Replace the user's notification settings; what they are now."""
    settings = NOTIFICATION_DEFAULTS | values
    statement = insert(conn, notification_settings).values(
        user_id=user_id, settings=dumps(settings)
    )
    statement = statement.on_conflict_do_update(
        index_elements=[notification_settings.c.user_id], set_={"settings": dumps(settings)}
    )
    conn.execute(statement)
    return settings
