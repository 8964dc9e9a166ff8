"""The newest (v2) widget API: a plain FastAPI app under ``/api/v2``."""

from __future__ import annotations

import itertools
from enum import StrEnum
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PREFIX = "/api/v2"


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


class WidgetPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    grade: Grade | None = None
    color: str | None = None


class Widget(BaseModel):
    widget_id: str
    name: str
    grade: Grade
    color: str
    created_at: int
    parts: list[Part] | None = None


class Pagination(BaseModel):
    limit: int
    next_cursor: str | None
    total: int


class SearchPagination(BaseModel):
    limit: int
    next_cursor: str | None


class WidgetPage(BaseModel):
    data: list[Widget]
    pagination: Pagination


class SearchHit(BaseModel):
    widget_id: str
    name: str
    snippet: str


class SearchPage(BaseModel):
    data: list[SearchHit]
    pagination: SearchPagination


class Stats(BaseModel):
    widgets: int
    by_grade: dict[str, int]


class Issue(BaseModel):
    path: str
    message: str


class Details(BaseModel):
    issues: list[Issue]


class Handoff(BaseModel):
    kind: str
    url: str
    label: str


class ErrorBody(BaseModel):
    error: str
    code: str
    details: Details | None = None
    handoff: Handoff | None = None


class NotFound(Exception):
    def __init__(self, what: str) -> None:
        self.what = what


def error_body(status: int, code: str, message: str, details: dict[str, Any] | None) -> Any:
    """v2's error envelope, also used by segue for the errors it answers itself."""
    body: dict[str, Any] = {"error": message, "code": code}
    if details:
        body["details"] = details
    return body


def create_app() -> FastAPI:
    """A fresh app with an empty store."""
    app = FastAPI(
        title="Widgets",
        openapi_url=PREFIX + "/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    widgets: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)
    errors: dict[int | str, dict[str, Any]] = {
        404: {"model": ErrorBody},
        400: {"model": ErrorBody},
    }

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(error_body(404, "NOT_FOUND", f"{exc.what} not found", None), 404)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # e.g. FastAPI's 400 for a body that is not JSON at all: still v2's envelope.
        code = "NOT_FOUND" if exc.status_code == 404 else "BAD_REQUEST"
        body = error_body(exc.status_code, code, str(exc.detail), None)
        return JSONResponse(body, exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        issues = [
            {"path": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]}
            for e in exc.errors()
        ]
        body = error_body(400, "VALIDATION_FAILED", "request is invalid", {"issues": issues})
        body["handoff"] = {"kind": "docs", "url": "https://example.test/docs", "label": "Docs"}
        return JSONResponse(body, 400)

    def show(widget: dict[str, Any], include: str | None) -> dict[str, Any]:
        out = {k: v for k, v in widget.items() if k != "parts"}
        if include == "parts":
            out["parts"] = widget["parts"]
        return out

    @app.post(PREFIX + "/widgets", status_code=201, responses=errors)
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

    @app.get(PREFIX + "/widgets", responses=errors)
    async def list_widgets(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: str | None = None,
        include: str | None = None,
    ) -> WidgetPage:
        rows = sorted(widgets.values(), key=lambda w: w["widget_id"])
        if cursor:
            rows = [w for w in rows if w["widget_id"] > cursor]
        page = rows[:limit]
        next_cursor = page[-1]["widget_id"] if len(rows) > limit else None
        return WidgetPage.model_validate(
            {
                "data": [show(w, include) for w in page],
                "pagination": {"limit": limit, "next_cursor": next_cursor, "total": len(widgets)},
            }
        )

    @app.get(PREFIX + "/widgets/search", responses=errors)
    async def search_widgets(
        q: Annotated[str, Query(min_length=1)], limit: Annotated[int, Query(ge=1)] = 20
    ) -> SearchPage:
        hits = [w for w in widgets.values() if q.lower() in w["name"].lower()][:limit]
        data = [
            {"widget_id": w["widget_id"], "name": w["name"], "snippet": w["name"]} for w in hits
        ]
        return SearchPage.model_validate(
            {"data": data, "pagination": {"limit": limit, "next_cursor": None}}
        )

    @app.get(PREFIX + "/widgets/{widget_id}", responses=errors)
    async def get_widget(widget_id: str, include: str | None = None) -> Widget:
        if widget_id not in widgets:
            raise NotFound("widget")
        return Widget.model_validate(show(widgets[widget_id], include))

    @app.patch(PREFIX + "/widgets/{widget_id}", responses=errors)
    async def update_widget(widget_id: str, body: WidgetPatch) -> Widget:
        if widget_id not in widgets:
            raise NotFound("widget")
        for key, value in body.model_dump(exclude_unset=True, mode="json").items():
            widgets[widget_id][key] = value
        return Widget.model_validate(show(widgets[widget_id], None))

    @app.delete(PREFIX + "/widgets/{widget_id}", status_code=204, responses=errors)
    async def delete_widget(widget_id: str) -> Response:
        if widgets.pop(widget_id, None) is None:
            raise NotFound("widget")
        return Response(status_code=204)

    @app.get(PREFIX + "/stats")
    async def stats() -> Stats:
        by_grade: dict[str, int] = {}
        for widget in widgets.values():
            by_grade[widget["grade"]] = by_grade.get(widget["grade"], 0) + 1
        return Stats(widgets=len(widgets), by_grade=by_grade)

    return app
