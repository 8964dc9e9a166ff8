"""An adapter serving an old route the new version removed: v1 could clone a widget, v2
cannot, so the adapter gets the widget from v2 and creates a copy there."""

from typing import Any

from segue import Caller, Request, Response, Segue, Version, adapter
from segue_apps.demo.app import create_app, error_body


@adapter("POST /widgets/{id}/clone", status_code=201)
async def clone(request: Request, call: Caller) -> Response:
    """Copy a widget under a new id: v2 get, then v2 create."""
    original = await call.get(f"/widgets/{request.path_params['id']}", query={"include": "parts"})
    if original.status != 200:
        return original  # v2's 404, as v1's
    source: dict[str, Any] = original.json
    copy = {
        "name": source["name"],
        "grade": source["grade"],
        "color": source["color"],
        "parts": [part["label"] for part in source["parts"]],
    }
    created = await call.post("/widgets", json=copy)
    return Response(201, created.json)


v1 = Version("v1", ["/v1"], adapters=[clone])
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {
        "call": "POST /api/v2/widgets",
        "json": {"name": "Bolt", "grade": "high", "color": "red", "parts": ["head"]},
        "status": 201,
        "answer": {
            "widget_id": "w1",
            "name": "Bolt",
            "grade": "high",
            "color": "red",
            "created_at": 1710000000000,
            "parts": None,
        },
    },
    {
        "call": "POST /v1/widgets/w1/clone",
        "status": 201,
        "answer": {
            "widget_id": "w2",
            "name": "Bolt",
            "grade": "high",
            "color": "red",
            "created_at": 1710000000001,
            "parts": None,
        },
    },
    {
        "call": "POST /v1/widgets/w9/clone",
        "status": 404,
        "answer": {"error": "widget not found", "code": "NOT_FOUND"},
    },
    {
        "call": "POST /api/v2/widgets/w1/clone",
        "status": 404,
        "answer": {"error": "Not Found", "code": "NOT_FOUND"},
    },
]
