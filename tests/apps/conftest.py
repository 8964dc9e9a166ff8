"""What every service's tests share: a throw-away database per test.

SQLite always; PostgreSQL too when ``SEGUE_TEST_PG_URL`` is set (the Makefile sets it when
a server answers), each test on a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("SEGUE_TEST_PG_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[str]:
    """Yield the URL of an empty database that is thrown away after the test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/service.db"
        return
    async with fresh_pg_database() as url:
        yield url


@asynccontextmanager
async def fresh_pg_database() -> AsyncIterator[str]:
    """The URL of a new PostgreSQL database on ``SEGUE_TEST_PG_URL``'s server, dropped after."""
    assert PG_URL is not None
    name = f"segue_test_{uuid.uuid4().hex[:16]}"
    dsn = make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
