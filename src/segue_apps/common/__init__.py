"""What the reference services share: database engine, ids, API keys, errors, paging, and
the durable job queue for background work (:mod:`segue_apps.common.jobs`)."""
