"""A multipart form read as it arrives: fields whole, file parts chunk by chunk.

Starlette's form parser spools every file part to a temporary file before the route
runs; the upload route instead hands each chunk of its ``file`` part to the file store
as it arrives, so an upload is never held whole in memory and an oversized one is
refused at the first byte past the cap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELD_BYTES = 65_536
"""Largest value of a non-file field."""
MAX_PARTS = 64
"""Most parts one form may have."""


class FormError(ValueError):
    """The body is not a multipart form this reader takes (the message says why)."""


@dataclass(frozen=True)
class Field:
    """A non-file part, whole."""

    name: str
    value: str


@dataclass(frozen=True)
class FileChunk:
    """Some bytes of the file part ``name`` (``first`` on its first chunk, which may be
    empty; ``last`` once the part has ended, with no bytes)."""

    name: str
    data: bytes
    first: bool = False
    last: bool = False


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)
    disposition: bytes = b""
    header_name: bytes = b""
    header_value: bytes = b""


class _Reader:
    def __init__(self) -> None:
        self.part = _Part()
        self.parts = 0
        self.out: list[Field | FileChunk] = []

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise FormError(f"more than {MAX_PARTS} parts")
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.part.header_name.lower() == b"content-disposition":
            self.part.disposition = self.part.header_value
        self.part.header_name = self.part.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.disposition)
        if b"name" not in options:
            raise FormError('a part has no Content-Disposition "name"')
        self.part.name = options[b"name"].decode("utf-8", "replace")
        self.part.is_file = b"filename" in options
        if self.part.is_file:
            self.out.append(FileChunk(self.part.name, b"", first=True))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.is_file:
            self.out.append(FileChunk(self.part.name, data[start:end]))
            return
        self.part.data += data[start:end]
        if len(self.part.data) > MAX_FIELD_BYTES:
            raise FormError(f"field {self.part.name!r} is over {MAX_FIELD_BYTES} bytes")

    def on_part_end(self) -> None:
        if self.part.is_file:
            self.out.append(FileChunk(self.part.name, b"", last=True))
        else:
            self.out.append(Field(self.part.name, self.part.data.decode("utf-8", "replace")))


async def read_form(
    content_type: str, stream: AsyncIterator[bytes]
) -> AsyncIterator[Field | FileChunk]:
    """The parts of the ``multipart/form-data`` body ``stream``, in order, as they come.

    Raises:
        FormError: not multipart, no boundary, malformed, or over the limits above.
    """
    media_type, options = parse_options_header(content_type)
    if media_type != b"multipart/form-data":
        raise FormError("the body must be multipart/form-data")
    boundary = options.get(b"boundary")
    if not boundary:
        raise FormError("the multipart body has no boundary")
    reader = _Reader()
    callbacks = {name: getattr(reader, name) for name in dir(reader) if name.startswith("on_")}
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    async for chunk in stream:
        try:
            parser.write(chunk)
        except FormParserError as error:
            raise FormError(f"malformed multipart body: {error}") from None
        out, reader.out = reader.out, []
        for item in out:
            yield item
    try:
        parser.finalize()
    except FormParserError as error:
        raise FormError(f"malformed multipart body: {error}") from None
    for item in reader.out:
        yield item
