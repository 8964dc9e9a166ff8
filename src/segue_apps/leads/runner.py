"""The work of a stream run, as a handler of the durable queue (kind ``stream_run``).

A run classifies the followers of each pair's account against the pair's segment
(:mod:`~segue_apps.leads.classify`) and writes the leads in one transaction, together with
the webhook deliveries they trigger. Leads are unique per profile and stream, so a run
taken again after a crash, or a stream run twice, never duplicates one. A profile that
several pairs of one stream match becomes one lead: its most confident match, the first
pair's on a tie.
"""

from __future__ import annotations

from typing import Any

from segue_apps.common.clock import Clock
from segue_apps.common.db import Database
from segue_apps.common.jobs import Handler, Job, JobContext, JobFailed
from segue_apps.leads.classify import Criteria
from segue_apps.leads.profiles import HandleError, HandleLookupFailed, Profile, ProfileSource
from segue_apps.leads.store import runs
from segue_apps.leads.store.common import loads
from segue_apps.leads.store.leads import insert_leads

_RANK = {"high": 2, "medium": 1}


def run_handler(db: Database, source: ProfileSource, clock: Clock) -> Handler:
    """The handler of ``stream_run`` jobs."""

    async def handle(job: Job, context: JobContext) -> Any:
        started = clock()
        await context.checkpoint({"startedAt": started})
        work = await db.run(runs.run_work, job.payload["run_id"])
        if work is None:
            raise JobFailed("run_missing", "the run's row is gone")
        row, pairs = work
        corpora: dict[str, Any] = {}
        best: dict[str, tuple[str, str, Profile, str]] = {}
        scanned = 0
        for pair in pairs:
            if pair.asleep:
                continue
            key = pair.handle.casefold()
            if key not in corpora:
                try:
                    corpora[key] = await source.followers(pair.handle)
                except HandleLookupFailed:
                    raise  # retried with backoff: the lookup service may come back
                except HandleError as failed:
                    raise JobFailed(failed.code, f"@{pair.handle} no longer resolves") from None
            criteria = Criteria.of(pair.seg_description, loads(pair.seg_labels),
                                   pair.seg_gender, loads(pair.seg_follower_tiers))  # fmt: skip
            profiles = corpora[key]
            scanned += len(profiles)
            judge = criteria.confidence
            for profile in profiles:
                confidence = judge(profile)
                if confidence is None:
                    continue
                held = best.get(profile.x_user_id)
                if held is None or _RANK[confidence] > _RANK[held[3]]:
                    best[profile.x_user_id] = (
                        pair.account_id,
                        pair.segment_id,
                        profile,
                        confidence,
                    )
        found = list(best.values())
        created = await db.run(insert_leads, row.user_id, row.stream_id, row.id, found, clock(),
                               write=True)  # fmt: skip
        return {"profilesScanned": scanned, "leadsCreated": len(created), "startedAt": started}

    return handle
