"""Helpers of the agent and run tests: create, poll, settle."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

V2 = "/api/v2"
TERMINAL = {
    "completed",
    "needs_input",
    "incomplete",
    "step_cap_hit",
    "cancelled",
    "errored",
    "timed_out",
}


async def create(api: httpx.AsyncClient, prompt: str, **body: Any) -> dict[str, Any]:
    """``POST /agents`` with a prompt: 202, the run running; return the answer."""
    response = await api.post(f"{V2}/agents", json={"prompt": prompt, **body})
    assert response.status_code == 202, response.text
    made: dict[str, Any] = response.json()
    assert made["run"]["status"] == "running"
    return made


async def send(api: httpx.AsyncClient, agent_id: str, prompt: str, **body: Any) -> dict[str, Any]:
    """``POST /agents/{id}/runs``: 202; return the run object."""
    response = await api.post(f"{V2}/agents/{agent_id}/runs", json={"prompt": prompt, **body})
    assert response.status_code == 202, response.text
    run: dict[str, Any] = response.json()["run"]
    return run


async def poll(api: httpx.AsyncClient, agent_id: str, run_id: str, **params: str) -> httpx.Response:
    """One ``GET /agents/{id}/runs/{runId}``, checked for the Retry-After rule."""
    response = await api.get(f"{V2}/agents/{agent_id}/runs/{run_id}", params=params)
    assert response.status_code == 200, response.text
    running = response.json()["status"] == "running"
    assert ("retry-after" in response.headers) == running, response.headers
    if running:
        assert response.headers["retry-after"] == "15"
        assert response.json()["response"] is None
    return response


async def settle(
    api: httpx.AsyncClient, agent_id: str, run_id: str, seconds: float = 15, **params: str
) -> dict[str, Any]:
    """Poll until the run is terminal; return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        body: dict[str, Any] = (await poll(api, agent_id, run_id, **params)).json()
        if body["status"] in TERMINAL:
            return body
        assert loop.time() < deadline, f"still running: {body}"
        await asyncio.sleep(0.02)


async def run_to_end(
    api: httpx.AsyncClient, prompt: str, **params: str
) -> tuple[str, dict[str, Any]]:
    """Create an agent running ``prompt``; return its id and the settled run."""
    made = await create(api, prompt)
    agent_id = made["agent"]["id"]
    return agent_id, await settle(api, agent_id, made["run"]["id"], **params)
