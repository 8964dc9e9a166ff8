"""Files over HTTP in both versions: signed upload URLs, runs with files, v1 = v2."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from tests.apps.processes.conftest import Env, Tenant, started
from tests.apps.processes.test_runs import _run, _settled
from tests.apps.servers import server

from segue.tooling import ServiceOptions
from segue_apps.processes.service import bootstrap

WAITING = {"Created", "Running"}


async def _upload(env: Env, url: str, data: bytes, fields: dict[str, str]) -> httpx.Response:
    client = env.client()  # no API key: the signature is the credential
    return await client.post(url, data=fields, files={"file": ("a.bin", data)})


async def _new_file(tenant: Tenant, name: str = "a.pdf") -> dict[str, Any]:
    made = await tenant.client.post("/v2/files", json={"file_name": name})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _stored(env: Env) -> list[str]:
    if not env.upload_dir.exists():
        return []
    return sorted(p.name for p in env.upload_dir.iterdir())


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return parts._replace(query=urlencode(query)).geturl()


async def test_v2_upload_then_runs_count_the_files(env: Env, tenant: Tenant) -> None:
    made = await _new_file(tenant)
    assert set(made) == {"file_name", "id", "upload_url", "upload_http_method",
                         "upload_http_headers", "upload_fields"}  # fmt: skip
    assert made["file_name"] == "a.pdf"
    assert made["upload_http_method"] == "POST"
    assert made["upload_url"].startswith(f"http://test/v2/files/{made['id']}/upload?")
    waiting = await tenant.client.post("/v2/runs", json=_run(tenant, {}, file_ids=[made["id"]]))
    assert waiting.status_code == 400
    uploaded = await _upload(env, made["upload_url"], b"x" * 1000, made["upload_fields"])
    assert uploaded.status_code == 204, uploaded.text
    assert (env.upload_dir / made["id"]).read_bytes() == b"x" * 1000
    other = await _new_file(tenant, "b.txt")
    assert (
        await _upload(env, other["upload_url"], b"hey", other["upload_fields"])
    ).status_code == 204
    for file_ids, count, size in (([made["id"], other["id"]], 2, 1003), ([made["id"]], 1, 1000)):
        created = await tenant.client.post(
            "/v2/runs", json=_run(tenant, {"a": 1}, file_ids=file_ids)
        )
        assert created.status_code == 201, created.text
        assert created.json()["file_ids"] == file_ids
        done = await _settled(tenant.client, f"/v2/runs/{created.json()['id']}", "status", WAITING)
        assert done["status"] == "Succeeded"
        assert done["file_ids"] == file_ids
        assert done["outputs"] == [
            {"name": "a", "value": 1},
            {"name": "file_count", "value": count},
            {"name": "file_bytes", "value": size},
        ]


async def test_a_url_works_once(env: Env, tenant: Tenant) -> None:
    made = await _new_file(tenant)
    assert (
        await _upload(env, made["upload_url"], b"one", made["upload_fields"])
    ).status_code == 204
    again = await _upload(env, made["upload_url"], b"second!", made["upload_fields"])
    assert again.status_code == 403
    assert again.json()["status_code"] == 403
    assert _stored(env) == [made["id"]]
    assert (env.upload_dir / made["id"]).read_bytes() == b"one"


async def test_an_expired_url_is_refused(env: Env, tenant: Tenant) -> None:
    made = await _new_file(tenant)
    env.now += 300_000
    refused = await _upload(env, made["upload_url"], b"late", made["upload_fields"])
    assert refused.status_code == 403
    assert _stored(env) == []
    created = await tenant.client.post("/v2/runs", json=_run(tenant, {}, file_ids=[made["id"]]))
    assert created.status_code == 400


async def test_a_tampered_url_is_refused_and_leaves_the_real_one_working(
    env: Env, tenant: Tenant
) -> None:
    made = await _new_file(tenant)
    other = await _new_file(tenant)
    url = made["upload_url"]
    signature = dict(parse_qsl(urlsplit(url).query))["signature"]
    expires = dict(parse_qsl(urlsplit(url).query))["expires"]
    tampered = [
        _with_query(url, signature=("0" if signature[0] != "0" else "1") + signature[1:]),
        _with_query(url, expires=str(int(expires) + 3600)),
        url.replace(made["id"], other["id"]),
        _with_query(url, signature=""),
    ]
    for bad in tampered:
        refused = await _upload(env, bad, b"evil", {})
        assert refused.status_code in (403, 400), bad
    assert _stored(env) == []
    assert (await _upload(env, url, b"good", made["upload_fields"])).status_code == 204
    assert _stored(env) == [made["id"]]


async def test_file_errors(env: Env, tenant: Tenant) -> None:
    assert (await tenant.client.post("/v2/files", json={"file_name": ""})).status_code == 400
    unknown_agent = await tenant.client.post("/v2/files", json={"file_name": "a", "agent_id": "x"})
    assert unknown_agent.status_code == 404
    with_agent = await tenant.client.post(
        "/v2/files", json={"file_name": "a", "agent_id": tenant.agent_id}
    )
    assert with_agent.status_code == 201
    assert (await env.client().post("/v2/files", json={"file_name": "a"})).status_code == 401
    made = await _new_file(tenant)
    no_file = await env.client().post(made["upload_url"], data=made["upload_fields"])
    assert no_file.status_code == 400
    wrong_key = await _upload(env, made["upload_url"], b"x", {"key": "other"})
    assert wrong_key.status_code == 400
    assert _stored(env) == []
    assert (await _upload(env, made["upload_url"], b"x", made["upload_fields"])).status_code == 204
    stranger = await env.new_tenant()
    theirs = await stranger.client.post("/v2/runs", json=_run(stranger, {}, file_ids=[made["id"]]))
    assert theirs.status_code == 404
    unknown = await tenant.client.post("/v2/runs", json=_run(tenant, {}, file_ids=["nope"]))
    assert unknown.status_code == 404


async def test_v1_upload_and_invoke_give_v2_outputs(env: Env, tenant: Tenant) -> None:
    for body in ({}, {"file_name": "a.pdf"}, None):
        made = await tenant.client.post("/v1/upload", json=body)
        assert made.status_code == 201, made.text
        assert set(made.json()) == {"upload_url", "upload_http_method", "upload_http_headers",
                                    "blob_uri"}  # fmt: skip
        assert "Deprecation" in made.headers
    made = await tenant.client.post("/v1/upload")
    assert made.status_code == 201
    upload = made.json()
    assert upload["upload_http_method"] == "POST"
    assert upload["upload_url"].startswith("http://test/v2/files/")
    assert (await _upload(env, upload["upload_url"], b"12345", {})).status_code == 204
    invoked = await tenant.client.post(
        f"/v1/invoke/{tenant.share_id}",
        params={"attachments_key": upload["blob_uri"]},
        json={"a": "x"},
    )
    assert invoked.status_code == 201, invoked.text
    worker = invoked.json()["worker_id"]
    done = await _settled(tenant.client, f"/v1/run/{worker}", "state", {"pending", "running"})
    assert done["state"] == "done"
    v1 = json.loads(done["answer"])
    assert v1 == {"a": "x", "file_count": 1, "file_bytes": 5}
    v2 = await _settled(tenant.client, f"/v2/runs/{worker}", "status", WAITING)
    assert {o["name"]: o["value"] for o in v2["outputs"]} == v1
    assert v2["file_ids"] == [upload["blob_uri"].rsplit("/", 1)[1]]
    for key, status in (("blob://files/nope", 404), ("elsewhere", 404)):
        bad = await tenant.client.post(
            f"/v1/invoke/{tenant.share_id}", params={"attachments_key": key}, json={}
        )
        assert bad.status_code == status, key
    fresh = (await tenant.client.post("/v1/upload")).json()
    waiting = await tenant.client.post(
        f"/v1/invoke/{tenant.share_id}", params={"attachments_key": fresh["blob_uri"]}, json={}
    )
    assert waiting.status_code == 400


async def test_health_checks_the_file_store(env: Env, tenant: Tenant) -> None:
    healthy = await tenant.client.get("/v2/health")
    assert healthy.status_code == 200
    assert healthy.json() == {"status": "OK", "database": "OK", "file_store": "OK"}
    assert _stored(env) == []
    env.upload_dir.rmdir()
    env.upload_dir.write_bytes(b"not a directory")
    broken = await tenant.client.get("/v2/health")
    assert broken.status_code == 503
    assert "file_store" in broken.json()["message"]
    assert broken.json()["details"][0]["check"] == "file_store"


async def test_an_upload_over_the_cap_is_refused_and_stores_nothing(
    db_url: str, tmp_path: Path
) -> None:
    async with started(db_url, tmp_path / "files", max_upload_bytes=1000) as env:
        tenant = await env.new_tenant()
        made = await _new_file(tenant)
        over = await _upload(env, made["upload_url"], b"x" * 1001, made["upload_fields"])
        assert over.status_code == 413, over.text
        assert over.json()["status_code"] == 413
        assert _stored(env) == []  # nor a staged part
        declared = await _upload(env, made["upload_url"], b"x" * 70_000, made["upload_fields"])
        assert declared.status_code == 413  # refused on its Content-Length, unread
        assert _stored(env) == []
        waiting = await tenant.client.post("/v2/runs", json=_run(tenant, {}, file_ids=[made["id"]]))
        assert waiting.status_code == 400
        at_cap = await _upload(env, made["upload_url"], b"x" * 1000, made["upload_fields"])
        assert at_cap.status_code == 204  # a refused upload does not use the URL up
        assert _stored(env) == [made["id"]]


async def test_two_uploads_at_once_to_one_url_store_one(env: Env, tenant: Tenant) -> None:
    for _ in range(5):
        made = await _new_file(tenant)
        first, second = await asyncio.gather(
            _upload(env, made["upload_url"], b"a" * 300_000, made["upload_fields"]),
            _upload(env, made["upload_url"], b"b" * 300_000, made["upload_fields"]),
        )
        assert sorted([first.status_code, second.status_code]) == [204, 403]
        winner = b"a" if first.status_code == 204 else b"b"
        assert (env.upload_dir / made["id"]).read_bytes() == winner * 300_000
        assert [name for name in _stored(env) if name.startswith(".")] == []


def test_an_upload_url_of_segue_serve_expires_after_upload_ttl(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path}/serve.db"
    tenant = asyncio.run(bootstrap(ServiceOptions(db_url=db_url)))
    upload_dir = tmp_path / "uploads"
    flags = ("--upload-ttl", "1", "--upload-dir", str(upload_dir))
    with (
        server("processes", db_url, *flags) as running,
        httpx.Client(base_url=running.url, headers={"x-api-key": tenant["api_key"]}) as client,
    ):
        fresh, late = (client.post("/v2/files", json={"file_name": n}).json() for n in "ab")
        expires = int(dict(parse_qsl(urlsplit(late["upload_url"]).query))["expires"])
        assert 1 <= expires - time.time() <= 2.5
        on_time = httpx.post(fresh["upload_url"], files={"file": ("a", b"on time")})
        assert on_time.status_code == 204, on_time.text
        time.sleep(max(0.0, expires - time.time()) + 0.2)
        expired = httpx.post(late["upload_url"], files={"file": ("b", b"too late")})
        assert expired.status_code == 403
        assert "expired" in expired.json()["message"]
    assert sorted(p.name for p in upload_dir.iterdir()) == [fresh["id"]]


async def test_v1_openapi_shows_attachments_key(env: Env) -> None:
    doc = (await env.client().get("/v1/openapi.json")).json()
    invoke = doc["paths"]["/v1/invoke/{share_id}"]["post"]
    [attachments] = [p for p in invoke["parameters"] if p["name"] == "attachments_key"]
    assert attachments["in"] == "query"
    assert attachments["required"] is False
    assert attachments["schema"] == {"type": "array", "items": {"type": "string"}}
    assert "blob_uri" in attachments["description"]


async def test_a_streamed_form_past_the_cap_is_refused_as_it_arrives(
    db_url: str, tmp_path: Path
) -> None:
    """No Content-Length (chunked): the guard counts the body as it streams in, and an
    ignored extra part counts too."""
    async with started(db_url, tmp_path / "files", max_upload_bytes=1000) as env:
        tenant = await env.new_tenant()
        made = await _new_file(tenant)
        boundary = "b0undary"

        def part(name: str, data: bytes) -> bytes:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            return f'{head}filename="x"\r\n\r\n'.encode() + data + b"\r\n"

        async def chunks() -> Any:
            yield part("file", b"ok")
            for _ in range(20):  # 80 KiB of a part the route does not store
                yield part("other", b"z" * 4096)
            yield f"--{boundary}--\r\n".encode()

        refused = await env.client().post(
            made["upload_url"],
            content=chunks(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
        assert refused.status_code == 413, refused.text
        assert _stored(env) == []
        assert (await _upload(env, made["upload_url"], b"x", {})).status_code == 204
