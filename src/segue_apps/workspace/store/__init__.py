"""Data access for the workspace service, SQLAlchemy Core only, one module per resource.

Store functions take the :class:`~segue_apps.common.db.Database` (or a connection) and
plain values, scope every read by workspace, and return JSON-ready dicts.
"""

from __future__ import annotations

from typing import Any


def pagination(page: int, page_size: int, total: int) -> dict[str, Any]:
    """Return the v2 ``pagination`` envelope of a zero-based page."""
    return {
        "page": page,
        "pageSize": page_size,
        "total": total,
        "hasMore": (page + 1) * page_size < total,
    }
