"""A JSON response rendered with orjson.

FastAPI's own `ORJSONResponse` is deprecated in favour of validating every response
through its response model; the reference services build their bodies from database rows
they already trust, so routes return this response directly and keep `response_model`
for the OpenAPI document only (no second validation pass on the hot path).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JSONResponse(Response):
    """``application/json`` response serialised by orjson (supports `orjson.Fragment`)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Serialise ``content``; non-string dict keys are allowed for convenience."""
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
