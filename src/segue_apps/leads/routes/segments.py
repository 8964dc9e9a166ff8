"""Segments (reusable filters; no in-place edit) and the labels they may name."""

from __future__ import annotations

from starlette.responses import Response

from segue_apps.common.responses import JSONResponse
from segue_apps.leads.auth import CurrentUser
from segue_apps.leads.pairing import check_labels
from segue_apps.leads.profiles import LABELS
from segue_apps.leads.routes import router
from segue_apps.leads.schemas import LabelList, Segment, SegmentIn, SegmentList
from segue_apps.leads.store import catalog

segments_router = router()


@segments_router.get("/segments/labels", response_model=LabelList, tags=["Segments"])
async def list_labels(user: CurrentUser) -> Response:
    """Every label a segment may name (extension: not in the seed)."""
    return JSONResponse({"labels": [{"slug": slug, "name": name} for slug, name in LABELS]})


@segments_router.get("/segments", response_model=SegmentList, tags=["Segments"])
async def list_segments(user: CurrentUser) -> Response:
    """Every segment, each with ``linkedStreamCount``: the active streams using it."""
    return JSONResponse({"segments": await user.db.run(catalog.list_segments, user.id)})


@segments_router.post("/segments", response_model=Segment, status_code=201, tags=["Segments"])
async def create_segment(body: SegmentIn, user: CurrentUser) -> Response:
    """Create a segment. Segments are never edited in place: create a new one and PATCH
    the streams that should use it. A label that does not exist → 400 ``orphan_label``."""
    check_labels([body])
    row = await user.db.run(catalog.create_segment, user.id, body.model_dump(), user.now,
                            write=True)  # fmt: skip
    return JSONResponse(catalog.segment_body(row), status_code=201)
