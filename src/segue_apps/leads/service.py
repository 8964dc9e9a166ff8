"""Entry points the `segue` command line uses: build the app, bootstrap a user."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from segue.tooling import ServiceFlag, ServiceOptions, ServiceSpec
from segue.types import ASGIApp
from segue_apps.common.clock import now_ms
from segue_apps.common.db import create_database
from segue_apps.common.migrate import upgrade
from segue_apps.common.service import Versioned, positive
from segue_apps.leads import plans
from segue_apps.leads.app import MIGRATIONS, VERSION_TABLE, create_app
from segue_apps.leads.auth import new_key
from segue_apps.leads.errors import error_body
from segue_apps.leads.profiles import HttpSource
from segue_apps.leads.settings import Settings
from segue_apps.leads.store import users
from segue_apps.leads.versions import versions

DEFAULT_DB_URL = "sqlite+aiosqlite:///./data/leads.db"


def _count(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 2**53:
        raise ValueError(f"want a count from 0, got {text}")
    return value


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"want one of {', '.join(allowed)}, got {text}")
        return text

    return parse


def _ip(text: str) -> str:
    return str(ipaddress.ip_address(text))


SERVE_FLAGS = (
    ServiceFlag(
        "allow-private-webhooks", "deliver webhooks to loopback and private addresses", switch=True
    ),
    ServiceFlag(
        "webhook-retry-cap-ms", "longest wait between two delivery attempts", positive, "MS"
    ),
    ServiceFlag(
        "webhook-retry-base-ms", "wait after a delivery's first failure (1000)", positive, "MS"
    ),
    ServiceFlag(
        "profile-source", "base URL of an HTTP profile source (default: built-in)", metavar="URL"
    ),
    ServiceFlag("lease-ms", "how long a dead server holds a stream run", positive, "MS"),
    ServiceFlag("poll-ms", "how often an idle worker looks for runs", positive, "MS"),
    ServiceFlag("schedule-poll-ms", "how often scheduled syncs are looked for", positive, "MS"),
    ServiceFlag("concurrency", "stream runs one process executes at once", positive, "N"),
)
"""`segue serve leads`' own flags."""
BOOTSTRAP_FLAGS = (
    ServiceFlag("plan", "free, starter, growth (default) or pro", _choice(*plans.PLANS), "PLAN"),
    ServiceFlag("credits", "enrichment credits (100)", _count, "N"),
    ServiceFlag(
        "subscription", "active (default) or lapsed", _choice("active", "lapsed"), "STATUS"
    ),
    ServiceFlag("signup-ip", "the IP the user signed up from (duplicate detection)", _ip, "IP"),
)
"""`segue bootstrap leads`' own flags."""


def settings_from(options: ServiceOptions) -> Settings:
    """The app's settings from command-line options (``options.extra``)."""
    extra = options.extra
    defaults = Settings(db_url=options.db_url)
    changes: dict[str, Any] = {}
    for flag, name in (("lease_ms", "lease_ms"), ("poll_ms", "poll_ms"),
                       ("schedule_poll_ms", "schedule_poll_ms"), ("concurrency", "concurrency"),
                       ("webhook_retry_cap_ms", "retry_cap_ms"),
                       ("webhook_retry_base_ms", "retry_base_ms")):  # fmt: skip
        if flag in extra:
            changes[name] = int(extra[flag])
    if changes.get("retry_cap_ms", defaults.retry_cap_ms) < changes.get(
        "retry_base_ms", defaults.retry_base_ms
    ):
        changes["retry_base_ms"] = changes.get("retry_cap_ms", defaults.retry_cap_ms)
    if extra.get("allow_private_webhooks"):
        changes["allow_private_webhooks"] = True
    if extra.get("profile_source"):
        changes["source"] = HttpSource(str(extra["profile_source"]))
    return dataclasses.replace(defaults, **changes)


def create_newest_app(options: ServiceOptions) -> FastAPI:
    """Build the v2 app from command-line options."""
    return create_app(settings_from(options))


async def bootstrap(options: ServiceOptions) -> dict[str, Any]:
    """Create a new user and an API key.

    Service options (``options.extra``): ``plan`` (growth), ``credits`` (100),
    ``subscription`` (active), ``signup_ip`` (none: never a duplicate).

    Returns:
        ``{"api_key", "user_id", "plan"}``; ``api_key`` is shown only here.
    """
    extra = options.extra
    db = create_database(options.db_url)
    try:
        await upgrade(db, MIGRATIONS, VERSION_TABLE)
        return await db.run(
            users.create_user,
            new_key(),
            str(extra.get("plan", "growth")),
            int(extra.get("credits", 100)),
            str(extra.get("subscription", "active")),
            extra.get("signup_ip"),
            now_ms(),
            write=True,
        )
    finally:
        await db.dispose()


versioned = Versioned(versions, error_body)
"""v2 as implemented plus v1 as declared in ``versions.py``."""


def create_service_app(options: ServiceOptions) -> ASGIApp:
    """The whole service, every version, as `segue serve leads` runs it."""
    return versioned.serve(create_newest_app(options), options)


SERVICE = ServiceSpec(
    "leads",
    DEFAULT_DB_URL,
    create_service_app,
    bootstrap,
    serve_flags=SERVE_FLAGS,
    bootstrap_flags=BOOTSTRAP_FLAGS,
)
