"""Typed cells and their flat / CSV renderings (sans-IO: dicts and strings only).

A stored cell is the public typed cell itself, one of::

    {"kind": "scalar", "value": v}
    {"kind": "value", "value": v, "run": {"id", "status", "creditsUsed", "finishedAt"}}
    {"kind": "sequence", "sequenceId": id, "status": s, "url": "/api/v2/sequences/{id}"}

The flat (v1) rendering keeps only the value of each cell (a sequence cell flattens to
its status) and omits empty cells, as v1 documents.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def iso(ms: int) -> str:
    """Render epoch milliseconds as ISO 8601 UTC with a ``Z``, e.g. ``2026-03-10T12:00:00.000Z``."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def slugify(name: str) -> str:
    """Turn a display name into a url-safe slug (``"CEO Email"`` → ``"ceo-email"``)."""
    return _NON_SLUG.sub("-", name.lower()).strip("-") or "column"


def scalar(value: Any) -> dict[str, Any]:
    """Wrap an input value as a typed ``scalar`` cell."""
    return {"kind": "scalar", "value": value}


def is_empty(value: Any) -> bool:
    """Tell whether a value counts as no value (``None``, ``""`` or only whitespace)."""
    return value is None or (isinstance(value, str) and not value.strip())


def match_text(value: Any) -> str:
    """Return the canonical text a value is matched on (strings as is, else JSON)."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def flat_value(cell: Mapping[str, Any]) -> Any:
    """Return the v1 flat value of a typed cell."""
    if cell.get("kind") == "sequence":
        return cell.get("status")
    return cell.get("value")


def flat_row(row_id: str, cells: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Return a v1 flat row ``{"id", slug: value, …}`` without empty cells."""
    out: dict[str, Any] = {"id": row_id}
    for slug, cell in cells.items():
        value = flat_value(cell)
        if value is not None:
            out[slug] = value
    return out


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def to_csv(slugs: list[str], flat_rows: Iterable[Mapping[str, Any]]) -> str:
    """Render flat rows as CSV (``id`` then one column per slug), RFC 4180 quoting.

    Example:
        >>> to_csv(["a"], [{"id": "r1", "a": "x, y"}]).splitlines()
        ['id,a', 'r1,"x, y"']
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", *slugs])
    for row in flat_rows:
        writer.writerow([row["id"], *(_csv_text(row.get(slug)) for slug in slugs)])
    return buffer.getvalue()
