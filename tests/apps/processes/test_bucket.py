"""Files in an S3-compatible bucket: moto's S3 server on 127.0.0.1, started per test."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer
from tests.apps.processes.conftest import Env, started
from tests.apps.processes.test_files import WAITING, _new_file, _upload
from tests.apps.processes.test_runs import _run, _settled
from tests.apps.servers import free_port, server

from segue.tooling import ServiceOptions
from segue_apps.processes.filestore import parse_bucket_url
from segue_apps.processes.s3store import PART_BYTES
from segue_apps.processes.service import bootstrap

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}
"""Credentials for moto through the standard environment chain (never real ones)."""


@dataclass
class Moto:
    """moto's S3 server and a bucket made on it for one test."""

    server: ThreadedMotoServer
    url: str
    bucket: str
    running: bool = True

    def client(self) -> Any:
        config = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1})
        return boto3.client("s3", endpoint_url=self.url, config=config)

    def keys(self, prefix: str = "") -> list[str]:
        found = self.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in found.get("Contents", []))

    def stop(self) -> None:
        if self.running:
            self.server.stop()
            self.running = False


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[Moto]:
    """moto's S3 server on a free port of 127.0.0.1 with an empty bucket; stopped after."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto_server.start()
    made = Moto(moto_server, f"http://127.0.0.1:{port}", f"files-{uuid.uuid4().hex[:12]}")
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                made.client().create_bucket(Bucket=made.bucket)
                break
            except Exception:  # not listening yet
                assert time.monotonic() < deadline, "moto did not start within 10 s"
                time.sleep(0.05)
        yield made
    finally:
        made.stop()


@pytest.fixture
async def bucket_env(db_url: str, tmp_path: Path, moto: Moto) -> AsyncIterator[Env]:
    """The service storing files under ``s3://<bucket>/pre`` on moto."""
    bucket_url = f"s3://{moto.bucket}/pre"
    async with started(
        db_url, tmp_path / "files", bucket_url=bucket_url, s3_endpoint_url=moto.url
    ) as made:
        yield made


def test_bucket_urls() -> None:
    assert parse_bucket_url("s3://b") == ("b", "")
    assert parse_bucket_url("s3://b/some/prefix/") == ("b", "some/prefix")
    for bad in ("b/x", "http://b/x", "s3:///x", "s3://b/x?y=1"):
        with pytest.raises(ValueError, match="s3://"):
            parse_bucket_url(bad)


async def test_uploads_go_to_the_bucket_and_runs_see_them(bucket_env: Env, moto: Moto) -> None:
    tenant = await bucket_env.new_tenant()
    healthy = await tenant.client.get("/v2/health")
    assert healthy.status_code == 200, healthy.text
    assert healthy.json()["file_store"] == "OK"
    made = await _new_file(tenant)
    data = b"0123456789" * 100
    uploaded = await _upload(bucket_env, made["upload_url"], data, made["upload_fields"])
    assert uploaded.status_code == 204, uploaded.text
    assert moto.keys() == [f"pre/{made['id']}"]  # no staging or health object left
    stored = moto.client().get_object(Bucket=moto.bucket, Key=f"pre/{made['id']}")
    assert stored["Body"].read() == data
    assert await bucket_env.app.state.files.read(made["id"]) == data
    assert not bucket_env.upload_dir.exists()
    again = await _upload(bucket_env, made["upload_url"], b"other", made["upload_fields"])
    assert again.status_code == 403
    run = _run(tenant, {"a": 1}, file_ids=[made["id"]])
    created = await tenant.client.post("/v2/runs", json=run)
    assert created.status_code == 201, created.text
    done = await _settled(tenant.client, f"/v2/runs/{created.json()['id']}", "status", WAITING)
    assert done["outputs"][-2:] == [
        {"name": "file_count", "value": 1},
        {"name": "file_bytes", "value": 1000},
    ]
    v1 = (await tenant.client.post("/v1/upload")).json()
    assert (await _upload(bucket_env, v1["upload_url"], b"abc", {})).status_code == 204
    invoked = await tenant.client.post(
        f"/v1/invoke/{tenant.share_id}", params={"attachments_key": v1["blob_uri"]}, json={}
    )
    assert invoked.status_code == 201, invoked.text
    state = await _settled(
        tenant.client, f"/v1/run/{invoked.json()['worker_id']}", "state", {"pending", "running"}
    )
    assert json.loads(state["answer"]) == {"file_count": 1, "file_bytes": 3}
    assert len(moto.keys("pre/")) == 2


async def test_a_large_upload_goes_in_parts(bucket_env: Env, moto: Moto) -> None:
    tenant = await bucket_env.new_tenant()
    made = await _new_file(tenant)
    data = bytes(range(256)) * ((PART_BYTES + 1_000_000) // 256)
    uploaded = await _upload(bucket_env, made["upload_url"], data, made["upload_fields"])
    assert uploaded.status_code == 204, uploaded.text
    assert moto.keys() == [f"pre/{made['id']}"]
    assert await bucket_env.app.state.files.read(made["id"]) == data
    assert moto.client().list_multipart_uploads(Bucket=moto.bucket).get("Uploads", []) == []


async def test_health_names_the_bucket_when_it_is_unreachable(bucket_env: Env, moto: Moto) -> None:
    tenant = await bucket_env.new_tenant()
    assert (await tenant.client.get("/v2/health")).status_code == 200
    made = await _new_file(tenant)
    moto.stop()
    started_at = time.monotonic()
    broken = await tenant.client.get("/v2/health")
    assert time.monotonic() - started_at < 10
    assert broken.status_code == 503
    body = broken.json()
    assert f"s3://{moto.bucket}/pre" in body["message"]
    assert body["details"][0]["check"] == "file_store"
    failed = await _upload(bucket_env, made["upload_url"], b"x", made["upload_fields"])
    assert failed.status_code == 503
    assert failed.json()["status_code"] == 503
    large = b"x" * (PART_BYTES + 1)  # fails while streaming, at the first part
    failed = await _upload(bucket_env, made["upload_url"], large, made["upload_fields"])
    assert failed.status_code == 503
    waiting = await tenant.client.post("/v2/runs", json=_run(tenant, {}, file_ids=[made["id"]]))
    assert waiting.status_code == 400  # never uploaded


async def test_health_fails_on_a_missing_bucket(db_url: str, tmp_path: Path, moto: Moto) -> None:
    async with started(
        db_url, tmp_path / "files", bucket_url="s3://no-such-bucket", s3_endpoint_url=moto.url
    ) as made:
        tenant = await made.new_tenant()
        broken = await tenant.client.get("/v2/health")
        assert broken.status_code == 503
        assert "s3://no-such-bucket" in broken.json()["message"]
        assert "NoSuchBucket" in broken.json()["details"][0]["message"]


def test_segue_serve_with_a_bucket(tmp_path: Path, moto: Moto) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path}/serve.db"
    tenant = asyncio.run(bootstrap(ServiceOptions(db_url=db_url)))
    flags = ("--bucket-url", f"s3://{moto.bucket}/srv", "--s3-endpoint-url", moto.url)
    with server("processes", db_url, *flags, env=AWS_ENV) as running:
        headers = {"x-api-key": tenant["api_key"]}
        with httpx.Client(base_url=running.url, headers=headers, timeout=10) as client:
            assert client.get("/v2/health").status_code == 200
            made = client.post("/v2/files", json={"file_name": "a.txt"}).json()
            assert made["upload_url"].startswith(running.url)
            uploaded = httpx.post(
                made["upload_url"], data=made["upload_fields"], files={"file": ("a", b"hello")}
            )
            assert uploaded.status_code == 204, uploaded.text
    assert moto.keys() == [f"srv/{made['id']}"]
    assert not (tmp_path / "serve-files").exists()


async def test_refused_and_racing_uploads_leave_one_object(
    db_url: str, tmp_path: Path, moto: Moto
) -> None:
    bucket_url = f"s3://{moto.bucket}/pre"
    async with started(
        db_url, tmp_path / "files", bucket_url=bucket_url, s3_endpoint_url=moto.url,
        max_upload_bytes=1000,
    ) as env:  # fmt: skip
        tenant = await env.new_tenant()
        made = await _new_file(tenant)
        over = await _upload(env, made["upload_url"], b"x" * 1001, made["upload_fields"])
        assert over.status_code == 413
        assert moto.keys() == []
        first, second = await asyncio.gather(
            _upload(env, made["upload_url"], b"a" * 1000, made["upload_fields"]),
            _upload(env, made["upload_url"], b"b" * 1000, made["upload_fields"]),
        )
        assert sorted([first.status_code, second.status_code]) == [204, 403]
        assert moto.keys() == [f"pre/{made['id']}"]
