"""Files' bytes in an S3-compatible bucket (``--bucket-url s3://bucket/prefix``).

boto3 (synchronous, thread-safe clients) runs on worker threads. Credentials and region
come from the standard AWS chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
``AWS_PROFILE``, ``~/.aws/config``, instance roles …), never from a flag; the endpoint of a
non-AWS service from ``--s3-endpoint-url`` (or the standard ``AWS_ENDPOINT_URL_S3``).

An upload is streamed to ``<prefix>/.staging/<random>``: one ``PutObject`` when it is
small, else a multipart upload of :data:`PART_BYTES` parts, so at most one part is held
in memory. The one upload that claims the file copies it to ``<prefix>/<file id>`` (a
server-side copy) and deletes the staging object.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

from segue_apps.processes.filestore import Staged, parse_bucket_url

PART_BYTES = 8 * 1_048_576
"""Bytes of one multipart-upload part (S3 takes 5 MiB to 5 GiB, the last part smaller)."""
PROBE_TIMEOUT_S = 3
"""Connect and read timeout of the health check's requests (one attempt each)."""


def _client(endpoint_url: str | None, *, timeout_s: float, attempts: int) -> Any:
    import boto3  # only when a bucket is configured
    from botocore.config import Config

    config = Config(
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
        retries={"max_attempts": attempts, "mode": "standard"},
        # Path-style URLs work with any endpoint (an IP address, a local server).
        s3={"addressing_style": "path"} if endpoint_url else {},
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)


@dataclass
class _S3Staged:
    store: S3FileStore
    key: str
    size: int = 0
    buffer: bytearray = field(default_factory=bytearray)
    upload_id: str | None = None
    parts: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False
    gone: bool = False

    async def write(self, chunk: bytes) -> None:
        self.buffer += chunk
        self.size += len(chunk)
        if len(self.buffer) >= PART_BYTES:
            await self._send_part()

    async def _send_part(self) -> None:
        client, bucket = self.store.client, self.store.bucket
        if self.upload_id is None:
            made = await asyncio.to_thread(
                client.create_multipart_upload, Bucket=bucket, Key=self.key
            )
            self.upload_id = str(made["UploadId"])
        body, self.buffer = bytes(self.buffer), bytearray()
        number = len(self.parts) + 1
        sent = await asyncio.to_thread(
            client.upload_part,
            Bucket=bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=body,
        )
        self.parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def close(self) -> None:
        if self.closed:
            return
        client, bucket = self.store.client, self.store.bucket
        if self.upload_id is None:
            body, self.buffer = bytes(self.buffer), bytearray()
            await asyncio.to_thread(client.put_object, Bucket=bucket, Key=self.key, Body=body)
        else:
            if self.buffer:
                await self._send_part()
            await asyncio.to_thread(
                client.complete_multipart_upload,
                Bucket=bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
        self.closed = True

    async def discard(self) -> None:
        client, bucket = self.store.client, self.store.bucket
        self.buffer = bytearray()
        if self.gone:
            return
        self.gone = True
        if self.upload_id is not None and not self.closed:
            await asyncio.to_thread(
                client.abort_multipart_upload, Bucket=bucket, Key=self.key, UploadId=self.upload_id
            )
        elif self.closed:
            await asyncio.to_thread(client.delete_object, Bucket=bucket, Key=self.key)


@dataclass
class S3FileStore:
    """Files' bytes as objects ``<prefix>/<file id>`` of one S3-compatible bucket.

    Args:
        bucket_url: ``s3://bucket[/prefix]``; the bucket must exist.
        endpoint_url: the S3 API's base URL when it is not AWS's (MinIO, moto, …).
    """

    bucket_url: str
    endpoint_url: str | None = None
    bucket: str = field(init=False)
    prefix: str = field(init=False)
    location: str = field(init=False)
    client: Any = field(init=False, repr=False)
    probe_client: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.bucket, self.prefix = parse_bucket_url(self.bucket_url)
        self.location = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.client = _client(self.endpoint_url, timeout_s=30, attempts=3)
        self.probe_client = _client(self.endpoint_url, timeout_s=PROBE_TIMEOUT_S, attempts=1)

    def key(self, file_id: str) -> str:
        """The object key of a file's bytes."""
        return f"{self.prefix}/{file_id}" if self.prefix else file_id

    async def begin(self) -> Staged:
        return _S3Staged(self, self.key(f".staging/{secrets.token_hex(8)}"))

    async def commit(self, staged: Staged, file_id: str) -> None:
        assert isinstance(staged, _S3Staged)
        await staged.close()
        source = {"Bucket": self.bucket, "Key": staged.key}
        await asyncio.to_thread(
            self.client.copy_object, Bucket=self.bucket, Key=self.key(file_id), CopySource=source
        )
        await staged.discard()

    async def read(self, file_id: str) -> bytes:
        found = await asyncio.to_thread(
            self.client.get_object, Bucket=self.bucket, Key=self.key(file_id)
        )
        return bytes(await asyncio.to_thread(found["Body"].read))

    async def probe(self) -> None:
        """Put, get back and delete a small object under ``<prefix>/.health/``.

        Raises:
            botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError: the bucket
                is unreachable, missing or refuses one of the three.
            RuntimeError: what was read back is not what was written.
        """
        await asyncio.to_thread(self._probe)

    def _probe(self) -> None:
        client, bucket = self.probe_client, self.bucket
        key = self.key(f".health/{secrets.token_hex(8)}")
        data = secrets.token_bytes(16)
        client.put_object(Bucket=bucket, Key=key, Body=data)
        try:
            if client.get_object(Bucket=bucket, Key=key)["Body"].read() != data:
                raise RuntimeError("read back other bytes than written")
        finally:
            client.delete_object(Bucket=bucket, Key=key)
