"""Make FastAPI's OpenAPI document tell the truth about validation errors.

FastAPI documents a 422 ``HTTPValidationError`` on every route with parameters; our
services answer validation errors with 400 in the shared envelope, so those entries (and
their schemas) are removed once, when the document is first built.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def _strip_422(document: dict[str, Any]) -> dict[str, Any]:
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return document


def use_envelope_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with a cached builder that drops the 422 responses."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _strip_422(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
