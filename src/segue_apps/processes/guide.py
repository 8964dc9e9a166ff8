"""The calls the migration guide makes to show v1 and v2 side by side (seed 004's examples).

Each scenario is written once per version, as a client of that version would write it;
``{name}`` in a path is what bootstrap returned (``agent_id``, ``process_id``,
``share_id``) or what an earlier step saved. The key goes in ``x-api-key`` in both.
"""

from __future__ import annotations

from segue.guide import Scenario, Step

V1, V2 = "/v1", "/v2"

FACTS = {"invoice_number": "INV-001", "amount": 42}
RUN = {
    "agent_id": "{agent_id}",
    "process_id": "{process_id}",
    "stage": "Published",
    "name": "Process invoice",
    "inputs": FACTS,
    "file_ids": [],
}


def both(title: str, v1: list[Step], v2: list[Step], note: str = "") -> Scenario:
    """A scenario with its v1 and its v2 calls."""
    return Scenario(title, {"v1": v1, "v2": v2}, note)


SCENARIOS = [
    both(
        "Start a run",
        [Step("POST", V1 + "/invoke/{share_id}", FACTS, save={"run": "worker_id"})],
        [Step("POST", V2 + "/runs", RUN, save={"run": "id"})],
        "v1 names the process and its stage with a share id and sends the facts as the "
        "body; v2 sends `process_id`, `agent_id`, `stage` and the `inputs` in the body and "
        "answers the whole run (`status: Created`).",
    ),
    Scenario(
        "Other processes and runs",
        {
            "v2": [
                Step("GET", V2 + "/processes?agent_id={agent_id}"),
                Step("GET", V2 + "/processes/{process_id}"),
                Step("GET", V2 + "/runs?process_id={process_id}&agent_id={agent_id}&limit=10"),
            ]
        },
        "New in v2: v1 has no way to list processes or runs.",
    ),
    both(
        "Upload a file",
        [Step("POST", V1 + "/upload")],
        [Step("POST", V2 + "/files", {"file_name": "invoice.pdf"})],
        "Then POST the bytes to `upload_url` as a multipart form with a `file` part (and "
        "v2's `upload_fields`), no API key, within 5 minutes; attach the file to a run with "
        "`?attachments_key=<blob_uri>` on v1's invoke, or `file_ids: [<id>]` in v2's body.",
    ),
    Scenario("Health", {"v2": [Step("GET", V2 + "/health")]}, "New in v2."),
    both(
        "Poll a run",
        [Step("GET", V1 + "/run/{run}", poll_while={"state": ("pending", "running")})],
        [Step("GET", V2 + "/runs/{run}", poll_while={"status": ("Created", "Running")})],
        "v1's `state` (`pending`, `running`, `done`, `error`) becomes v2's `status` "
        "(`Created`, `Running`, `Succeeded`, or `Failed`, `Cancelled`, `TimedOut`); v1's "
        "`answer`, the JSON text of `{name: value}`, becomes v2's `outputs` list.",
    ),
]
"""The scenarios of ``segue guide processes``."""
