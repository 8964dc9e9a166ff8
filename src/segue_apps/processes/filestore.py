"""The local-directory file store and the signed upload URLs that fill it.

A file's bytes live at ``<upload_dir>/<file id>``. ``POST /v2/files`` answers with an
upload URL whose query string carries ``expires`` (epoch seconds) and ``signature``, the
HMAC-SHA256 of ``"<file id>.<expires>"`` under the service's secret (kept in the
database, never in a URL). That signature is the only credential of the upload: no API
key. An upload is written to a temporary file first and moved into place in the same
transaction that marks the file uploaded, so a refused, reused or failed upload stores
nothing. S3-compatible buckets are not supported yet.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


def sign(secret: str, file_id: str, expires: int) -> str:
    """The hex HMAC-SHA256 signature of an upload URL."""
    message = f"{file_id}.{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret: str, file_id: str, expires: int, signature: str) -> bool:
    """Whether ``signature`` is the one :func:`sign` gives (compared in constant time)."""
    given = signature.encode("utf-8", "surrogateescape")  # any text: never a TypeError
    return hmac.compare_digest(sign(secret, file_id, expires).encode(), given)


@dataclass(frozen=True)
class LocalFileStore:
    """Files' bytes in one local directory (created on first use)."""

    root: Path

    def path(self, file_id: str) -> Path:
        """Where the file's bytes are once uploaded."""
        return self.root / file_id

    def stage(self, data: bytes) -> Path:
        """Write ``data`` to a new temporary file in the store; return its path."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".upload-{secrets.token_hex(8)}"
        temporary.write_bytes(data)
        return temporary

    def commit(self, staged: Path, file_id: str) -> None:
        """Move a staged upload into place as the file's bytes."""
        os.replace(staged, self.path(file_id))

    def discard(self, staged: Path) -> None:
        """Delete a staged upload that was refused."""
        staged.unlink(missing_ok=True)

    def probe(self) -> None:
        """Write, read back and delete a small file (the health check).

        Raises:
            OSError: the directory cannot be written, read or cleaned.
            RuntimeError: what was read back is not what was written.
        """
        data = secrets.token_bytes(16)
        staged = self.stage(data)
        try:
            if staged.read_bytes() != data:
                raise RuntimeError("read back other bytes than written")
        finally:
            staged.unlink()
