"""DM templates and notification settings (unchanged between v1 and v2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from starlette.responses import Response

from segue_apps.common.errors import not_found
from segue_apps.common.responses import JSONResponse
from segue_apps.leads.auth import CurrentUser
from segue_apps.leads.routes import router
from segue_apps.leads.schemas import (
    Id,
    Notifications,
    NotificationsIn,
    Template,
    TemplateIn,
    TemplateList,
)
from segue_apps.leads.store import extras

utility_router = router(404)


@utility_router.get("/dm-templates", response_model=TemplateList, tags=["Utility"])
async def list_templates(user: CurrentUser) -> Response:
    """The user's DM templates, oldest first."""
    rows = await user.db.run(extras.list_templates, user.id)
    return JSONResponse({"templates": [extras.template_body(r) for r in rows]})


@utility_router.post("/dm-templates", response_model=Template, status_code=201, tags=["Utility"])
async def create_template(body: TemplateIn, user: CurrentUser) -> Response:
    """Save a DM template."""
    row = await user.db.run(extras.create_template, user.id, body.name, body.body, user.now,
                            write=True)  # fmt: skip
    return JSONResponse(extras.template_body(row), status_code=201)


@utility_router.get("/dm-templates/{id}", response_model=Template, tags=["Utility"])
async def get_template(id: Id, user: CurrentUser) -> Response:
    """One DM template."""
    row = await user.db.run(extras.get_template, user.id, id)
    if row is None:
        raise not_found("DM template")
    return JSONResponse(extras.template_body(row))


@utility_router.put("/dm-templates/{id}", response_model=Template, tags=["Utility"])
async def replace_template(id: Id, body: TemplateIn, user: CurrentUser) -> Response:
    """Replace a DM template's name and body."""
    row = await user.db.run(extras.replace_template, user.id, id, body.name, body.body,
                            user.now, write=True)  # fmt: skip
    if row is None:
        raise not_found("DM template")
    return JSONResponse(extras.template_body(row))


@utility_router.delete("/dm-templates/{id}", status_code=204, tags=["Utility"])
async def delete_template(id: Id, user: CurrentUser) -> Response:
    """Delete a DM template."""
    if not await user.db.run(extras.delete_template, user.id, id, write=True):
        raise not_found("DM template")
    return Response(status_code=204)


@utility_router.get("/notification-settings", response_model=Notifications, tags=["Utility"])
async def get_notifications(user: CurrentUser) -> Response:
    """The user's notification settings."""
    return JSONResponse(await user.db.run(extras.get_notifications, user.id))


@utility_router.put("/notification-settings", response_model=Notifications, tags=["Utility"])
async def put_notifications(body: NotificationsIn, user: CurrentUser) -> Response:
    """Replace the user's notification settings (fields left out take their defaults)."""

    def put(conn: Connection) -> dict[str, Any]:
        return extras.put_notifications(conn, user.id, body.model_dump())

    return JSONResponse(await user.db.run(put, write=True))
