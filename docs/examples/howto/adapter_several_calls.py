"""An adapter making several v2 calls: v1's create answers with the parts, v2's without."""

from segue import Caller, Request, Response, Segue, Version, adapter
from segue_apps.demo.app import create_app, error_body


@adapter("POST /widgets", status_code=201)
async def create_with_parts(request: Request, call: Caller) -> Response:
    """v2 create, then v2 get with `?include=parts`."""
    created = await call.forward()  # the v1 request, as v2 takes it
    if created.status != 201:
        return created
    widget_id = created.json["widget_id"]
    found = await call.get(f"/widgets/{widget_id}", query={"include": "parts"})
    return Response(201, found.json)


v1 = Version("v1", ["/v1"], adapters=[create_with_parts])
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {
        "call": "POST /v1/widgets",
        "json": {"name": "Bolt", "grade": "high", "color": "red", "parts": ["head"]},
        "status": 201,
        "answer": {
            "widget_id": "w1",
            "name": "Bolt",
            "grade": "high",
            "color": "red",
            "created_at": 1710000000000,
            "parts": [{"part_id": "w1p0", "label": "head"}],
        },
    },
    {
        "call": "POST /api/v2/widgets",
        "json": {"name": "Nut", "grade": "low", "color": "blue", "parts": ["thread"]},
        "status": 201,
        "answer": {
            "widget_id": "w2",
            "name": "Nut",
            "grade": "low",
            "color": "blue",
            "created_at": 1710000000001,
            "parts": None,
        },
    },
]
