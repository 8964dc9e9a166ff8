"""The demo widget API written with Cadwyn, for the overhead benchmark (case d).

Same v2 models and handlers as ``segue_apps.demo.app`` (widget create / get), and one Cadwyn
``VersionChange`` that turns them into v1 as far as Cadwyn can express it:

| v1 (``X-API-VERSION: 2024-01-01``)    | v2 (``X-API-VERSION: 2025-06-01``)    | how            |
|---------------------------------------|---------------------------------------|----------------|
| ``id``                                | ``widget_id``                         | schema + body  |
| grade ``full`` / ``maybe`` / ``none`` | ``high`` / ``medium`` / ``low``       | enum + body    |
| no ``color`` (create defaults grey)   | ``color``                             | schema + body  |
| ``legacy_code``                       | gone                                  | schema + body  |
| parts by default, ``?fields=!parts``  | ``?include=parts``                    | request by path|
| Deprecation / Sunset / Link headers   | none                                  | response hook  |

Cadwyn picks the version from the ``X-API-VERSION`` header (its default), not from the path,
so both versions live under ``/widgets``. Enum members are renamed in the schema only; the
body values are translated by the ``convert_*`` migrations below.
"""

from __future__ import annotations

import itertools
from enum import StrEnum
from typing import Any

from cadwyn import (
    Cadwyn,
    HeadVersion,
    RequestInfo,
    ResponseInfo,
    Version,
    VersionBundle,
    VersionChange,
    VersionedAPIRouter,
    convert_request_to_next_version_for,
    convert_response_to_previous_version_for,
    enum,
    schema,
)
from fastapi import HTTPException
from pydantic import BaseModel, Field

V1 = "2024-01-01"
V2 = "2025-06-01"

UP = {"full": "high", "maybe": "medium", "none": "low"}
DOWN = {new: old for old, new in UP.items()}
# The same values segue's demo v1 lifecycle sends.
LIFECYCLE_HEADERS = {
    "deprecation": "@1767225600",
    "sunset": "Wed, 31 Dec 2031 23:59:59 GMT",
    "link": '<https://example.test/migrate>; rel="deprecation", '
    '<https://example.test/api/v2>; rel="successor-version"',
}


class Grade(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class Part(BaseModel):
    part_id: str
    label: str


class WidgetIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    grade: Grade
    color: str = Field(min_length=1)
    parts: list[str] = Field(default_factory=list)


class Widget(BaseModel):
    widget_id: str
    name: str
    grade: Grade
    color: str
    created_at: int
    parts: list[Part] | None = None


class V1Widgets(VersionChange):
    description = "v1 widgets: id, old grade names, no color, legacy_code, parts by default"
    instructions_to_migrate_to_previous_version = (
        enum(Grade).didnt_have("high", "medium", "low"),
        enum(Grade).had(full="full", maybe="maybe", none="none"),
        schema(Widget).field("widget_id").had(name="id"),
        schema(Widget).field("color").didnt_exist,
        schema(Widget).field("legacy_code").existed_as(type=str),
        schema(WidgetIn).field("color").didnt_exist,
    )

    @convert_request_to_next_version_for(WidgetIn)
    def widget_in_up(request: RequestInfo) -> None:  # type: ignore[misc]
        request.body["grade"] = UP[request.body["grade"]]
        request.body["color"] = "grey"

    @convert_request_to_next_version_for("/widgets/{widget_id}", ["GET"])
    def fields_to_include(request: RequestInfo) -> None:  # type: ignore[misc]
        fields = request.query_params.pop("fields", "parts")
        if fields == "parts":
            request.query_params["include"] = "parts"

    @convert_response_to_previous_version_for(Widget)
    def widget_down(response: ResponseInfo) -> None:  # type: ignore[misc]
        body = response.body
        body["id"] = body.pop("widget_id")
        body["grade"] = DOWN[body["grade"]]
        body.pop("color", None)
        body["legacy_code"] = f"L-{body['id']}"

    @convert_response_to_previous_version_for("/widgets/{widget_id}", ["GET"])
    def lifecycle_headers(response: ResponseInfo) -> None:  # type: ignore[misc]
        response.headers.update(LIFECYCLE_HEADERS)


VERSIONS = VersionBundle(HeadVersion(), Version(V2, V1Widgets), Version(V1))


def create_app() -> Cadwyn:
    """A fresh Cadwyn app with an empty store."""
    router = VersionedAPIRouter()
    widgets: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)

    def show(widget: dict[str, Any], include: str | None) -> dict[str, Any]:
        out = {k: v for k, v in widget.items() if k != "parts"}
        if include == "parts":
            out["parts"] = widget["parts"]
        return out

    @router.post("/widgets", status_code=201)
    async def create_widget(body: WidgetIn) -> Widget:
        widget_id = f"w{next(ids)}"
        parts = [{"part_id": f"{widget_id}p{i}", "label": p} for i, p in enumerate(body.parts)]
        widgets[widget_id] = {
            "widget_id": widget_id,
            "name": body.name,
            "grade": body.grade.value,
            "color": body.color,
            "created_at": 1710000000000 + len(widgets),
            "parts": parts,
        }
        return Widget.model_validate(show(widgets[widget_id], None))

    @router.get("/widgets/{widget_id}")
    async def get_widget(widget_id: str, include: str | None = None) -> Widget:
        if widget_id not in widgets:
            raise HTTPException(404, "widget not found")
        return Widget.model_validate(show(widgets[widget_id], include))

    app = Cadwyn(
        versions=VERSIONS,
        title="Widgets (Cadwyn)",
        changelog_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.generate_and_include_versioned_routers(router)
    return app
