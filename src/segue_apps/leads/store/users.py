"""Users, their keys, credits and per-account budgets."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segue_apps.common.ids import new_id
from segue_apps.common.keys import hash_key
from segue_apps.leads.store.common import insert
from segue_apps.leads.store.tables import api_keys, spend, users


def create_user(
    conn: Connection,
    key: str,
    plan: str,
    credits: int,
    subscription: str,
    signup_ip: str | None,
    now: int,
) -> dict[str, Any]:
    """A new user with the key ``key``; ``{api_key, user_id, plan}``."""
    user_id = new_id()
    conn.execute(users.insert().values(id=user_id, plan=plan, credits=credits,
                                       subscription=subscription, signup_ip=signup_ip,
                                       created_at=now))  # fmt: skip
    conn.execute(api_keys.insert().values(key_hash=hash_key(key), id=new_id(), user_id=user_id,
                                          key_prefix=key[:12], created_at=now))  # fmt: skip
    return {"api_key": key, "user_id": user_id, "plan": plan}


def key_owner(conn: Connection, key_hash: str) -> Any:
    """The user of a stored key (with ``key_hash``), or None."""
    query = (
        sa.select(users, api_keys.c.key_hash)
        .join(api_keys, api_keys.c.user_id == users.c.id)
        .where(api_keys.c.key_hash == key_hash)
    )
    return conn.execute(query).first()


def duplicate_signup(conn: Connection, user_id: str, ip: str | None, created_at: int) -> bool:
    """Whether another user signed up from ``ip`` before this one (never without an IP)."""
    if ip is None:
        return False
    earlier = sa.or_(
        users.c.created_at < created_at,
        sa.and_(users.c.created_at == created_at, users.c.id < user_id),
    )
    query = sa.select(users.c.id).where(users.c.signup_ip == ip, users.c.id != user_id, earlier)
    return conn.execute(query.limit(1)).first() is not None


def credits(conn: Connection, user_id: str) -> int:
    """The user's credit balance."""
    return int(conn.execute(sa.select(users.c.credits).where(users.c.id == user_id)).scalar_one())


def spend_credits(conn: Connection, user_id: str, cost: int) -> int | None:
    """Take ``cost`` credits; the balance left, or None (nothing taken) when short."""
    statement = (
        users.update()
        .where(users.c.id == user_id, users.c.credits >= cost)
        .values(credits=users.c.credits - cost)
        .returning(users.c.credits)
    )
    left = conn.execute(statement).scalar_one_or_none()
    return None if left is None else int(left)


def list_keys(conn: Connection, user_id: str) -> list[dict[str, Any]]:
    """The user's keys as ``{id, prefix, createdAt}`` (ms)."""
    query = (
        sa.select(api_keys.c.id, api_keys.c.key_prefix, api_keys.c.created_at)
        .where(api_keys.c.user_id == user_id)
        .order_by(api_keys.c.created_at, api_keys.c.id)
    )
    return [{"id": r.id, "prefix": r.key_prefix, "created_at": r.created_at}
            for r in conn.execute(query)]  # fmt: skip


def delete_key(conn: Connection, user_id: str, key_id: str) -> bool:
    """Revoke one of the user's keys; False when it is not theirs."""
    statement = api_keys.delete().where(api_keys.c.user_id == user_id, api_keys.c.id == key_id)
    return bool(conn.execute(statement).rowcount == 1)


# --------------------------------------------------------------------------- budgets


def used(
    conn: Connection, account_ids: Collection[str], budget: str, period: str
) -> dict[str, int]:
    """How much of ``budget`` each account has used in ``period`` (absent: 0)."""
    if not account_ids:
        return {}
    query = sa.select(spend.c.account_id, spend.c.used).where(
        spend.c.account_id.in_(list(account_ids)),
        spend.c.budget == budget,
        spend.c.period == period,
    )
    return {row.account_id: int(row.used) for row in conn.execute(query)}


def spend_budget(conn: Connection, account_ids: Collection[str], budget: str, period: str) -> None:
    """Use one unit of ``budget`` of each account in ``period``."""
    for account_id in account_ids:
        statement = insert(conn, spend).values(
            account_id=account_id, budget=budget, period=period, used=1
        )
        statement = statement.on_conflict_do_update(
            index_elements=[spend.c.account_id, spend.c.budget, spend.c.period],
            set_={"used": spend.c.used + 1},
        )
        conn.execute(statement)
