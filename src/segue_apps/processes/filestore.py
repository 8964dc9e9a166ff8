"""Where files' bytes live, and the signed upload URLs that fill it.

``POST /v2/files`` answers with an upload URL on this service whose query string carries
``expires`` (epoch seconds) and ``signature``, the HMAC-SHA256 of ``"<file id>.<expires>"``
under the service's secret (kept in the database, never in a URL). That signature is the
only credential of the upload: no API key. The service streams the form's ``file`` part
into a :class:`FileStore`:

* :class:`LocalFileStore` (the default): ``<upload_dir>/<file id>``;
* :class:`~segue_apps.processes.s3store.S3FileStore` (``--bucket-url s3://bucket/prefix``):
  the object ``<prefix>/<file id>`` of an S3-compatible bucket.

An upload is written to a staging place first (:meth:`FileStore.begin`), and moved into
place (:meth:`FileStore.commit`) only by the one upload that claims the file in the
database, so a refused, reused, oversized or failed upload stores nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import urlsplit


def sign(secret: str, file_id: str, expires: int) -> str:
    """The hex HMAC-SHA256 signature of an upload URL."""
    message = f"{file_id}.{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret: str, file_id: str, expires: int, signature: str) -> bool:
    """Whether ``signature`` is the one :func:`sign` gives (compared in constant time)."""
    given = signature.encode("utf-8", "surrogateescape")  # any text: never a TypeError
    return hmac.compare_digest(sign(secret, file_id, expires).encode(), given)


def parse_bucket_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix")``.

    Raises:
        ValueError: not an ``s3://`` URL with a bucket name.
    """
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"want s3://BUCKET[/PREFIX], got {url!r}")
    return parts.netloc, parts.path.strip("/")


class Staged(Protocol):
    """One upload's bytes being written to a store's staging place."""

    size: int
    """Bytes written so far."""

    async def write(self, chunk: bytes) -> None:
        """Append ``chunk``."""

    async def close(self) -> None:
        """Every byte has been written (before :meth:`FileStore.commit`)."""

    async def discard(self) -> None:
        """Delete what was staged; safe to call more than once, and after a commit."""


class FileStore(Protocol):
    """Files' bytes, written once each through a staged upload."""

    @property
    def location(self) -> str:
        """Where the bytes go (``s3://bucket/prefix`` or a directory), for the health check."""

    async def begin(self) -> Staged:
        """Start staging one upload."""

    async def commit(self, staged: Staged, file_id: str) -> None:
        """Make a closed staged upload the file's bytes."""

    async def read(self, file_id: str) -> bytes:
        """A file's bytes (tests and executors that need the content)."""

    async def probe(self) -> None:
        """Really write, read back and delete a small object; raise if any step fails."""


@dataclass
class _LocalStaged:
    path: Path
    handle: IO[bytes] | None = None
    size: int = 0

    async def write(self, chunk: bytes) -> None:
        assert self.handle is not None
        await asyncio.to_thread(self.handle.write, chunk)
        self.size += len(chunk)

    async def close(self) -> None:
        if self.handle is not None:
            await asyncio.to_thread(self.handle.close)
            self.handle = None

    async def discard(self) -> None:
        await self.close()
        await asyncio.to_thread(self.path.unlink, True)


@dataclass(frozen=True)
class LocalFileStore:
    """Files' bytes in one local directory (created on first use); an upload is staged
    as ``.upload-<random>`` beside them and renamed into place."""

    root: Path
    location: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "location", str(self.root))

    def path(self, file_id: str) -> Path:
        """Where the file's bytes are once uploaded."""
        return self.root / file_id

    def _open(self) -> _LocalStaged:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f".upload-{secrets.token_hex(8)}"
        return _LocalStaged(path, path.open("xb"))

    async def begin(self) -> Staged:
        return await asyncio.to_thread(self._open)

    async def commit(self, staged: Staged, file_id: str) -> None:
        assert isinstance(staged, _LocalStaged)
        await staged.close()
        await asyncio.to_thread(os.replace, staged.path, self.path(file_id))

    async def read(self, file_id: str) -> bytes:
        return await asyncio.to_thread(self.path(file_id).read_bytes)

    async def probe(self) -> None:
        """Write, read back and delete a small file.

        Raises:
            OSError: the directory cannot be written, read or cleaned.
            RuntimeError: what was read back is not what was written.
        """
        data = secrets.token_bytes(16)
        staged = await self.begin()
        assert isinstance(staged, _LocalStaged)
        try:
            await staged.write(data)
            await staged.close()
            if await asyncio.to_thread(staged.path.read_bytes) != data:
                raise RuntimeError("read back other bytes than written")
        finally:
            await staged.discard()
