"""schemathesis on every version of every installed service: no input makes a 500.

Services are the ``segue.services`` entry points and their versions come from each
service's own ``/_segue/versions`` document, so a new service or version is fuzzed without
an edit here. Every operation of a version's served OpenAPI document is one test: the
schema's examples, schemathesis' coverage cases and a bounded fuzzing run, valid and
invalid inputs alike, sent in process over ASGI with a key from the service's
``bootstrap``. Each answer must be below 500, declared for the operation, match its
declared schema, and the operation must refuse a request without the key.

``SEGUE_FUZZ_EXAMPLES`` (default 10) bounds the fuzzing phase per operation and
``SEGUE_FUZZ_SEED`` fixes the seed, so ``make test`` is fast and repeatable; ``make fuzz``
runs this module with many more examples.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis

from segue.tooling import ServiceOptions, ServiceSpec
from segue.tooling.cli import services

EXAMPLES = int(os.environ.get("SEGUE_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("SEGUE_FUZZ_SEED", "13"))

# On the real clock a version past its sunset answers 410 to everything, which would leave
# nothing to fuzz and make the verdict depend on the date: push every v1 sunset far away.
FAR_SUNSET = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "ignored_auth",
)

CONFIG = {
    "seed": SEED,
    "generation": {
        "mode": "all",
        "max-examples": EXAMPLES,
        "deterministic": True,
        "database": "none",
    },
    "checks": {"enabled": False, **{check: {"enabled": True} for check in CHECKS}},
}


def _options(spec: ServiceSpec, folder: Path) -> ServiceOptions:
    """The service on a database in ``folder`` (a service kept in memory stays there)."""
    db_url = spec.default_db_url
    if db_url.startswith("sqlite"):
        db_url = f"sqlite+aiosqlite:///{folder}/{spec.name}.db"
    return ServiceOptions(db_url=db_url, v1_sunset=FAR_SUNSET)


class Service:
    """One service as schemathesis calls it: an ASGI app built and bootstrapped on first use.

    Collection only reads documents; the database, its first key and the app that serves
    them are made when the first test of the service asks for its headers.
    """

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        self.folder: Path | None = None
        self.app: Any = None
        self.key: str | None = None

    def headers(self) -> dict[str, str]:
        """The key's headers (none for a service without keys)."""
        if self.app is None:
            self.folder = Path(tempfile.mkdtemp(prefix=f"segue-fuzz-{self.spec.name}-"))
            options = _options(self.spec, self.folder)
            made = asyncio.run(self.spec.bootstrap(options))
            self.key = made["api_key"]
            self.app = self.spec.create_app(options)
        # Both ways services read a key: a bearer token, or (processes) ``x-api-key``.
        return {"Authorization": f"Bearer {self.key}", "x-api-key": self.key} if self.key else {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "call headers() before sending a request"
        await self.app(scope, receive, send)

    def remove(self) -> None:
        """Delete the service's database folder."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


async def _get_json(app: Any, path: str) -> Any:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fuzz") as client:
        response = await client.get(path)
        response.raise_for_status()
        return response.json()


async def _documents(app: Any) -> dict[str, Any]:
    """Every version's served OpenAPI document, by version name."""
    found = await _get_json(app, "/_segue/versions")
    return {v["name"]: await _get_json(app, v["openapi"]) for v in found["versions"]}


def _schemas() -> tuple[list[Service], dict[str, Any]]:
    """A schemathesis schema per (service, version), named ``service-version``."""
    made: list[Service] = []
    schemas: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, spec in sorted(services().items()):
            service = Service(spec)
            made.append(service)
            documents = asyncio.run(_documents(spec.create_app(_options(spec, Path(folder)))))
            for version, document in documents.items():
                schema = schemathesis.openapi.from_dict(
                    document, config=schemathesis.Config.from_dict(CONFIG)
                )
                schema.app = service
                schemas[f"{name}-{version}"] = schema
    return made, schemas


SERVICES, SCHEMAS = _schemas()


@pytest.fixture(scope="module", autouse=True)
def _remove_databases() -> Iterator[None]:
    """Delete every fuzzed service's database after the module."""
    yield
    for service in SERVICES:
        service.remove()


@schemathesis.pytest.parametrize(**SCHEMAS)
def test_no_input_makes_a_server_error(case: schemathesis.Case) -> None:
    """Any generated request gets a declared, well-formed answer below 500."""
    service = case.operation.schema.app
    case.call_and_validate(headers=service.headers())
