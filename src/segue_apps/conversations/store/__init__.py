"""Data access for the conversations service, SQLAlchemy Core only, one module per resource.

Store functions take the :class:`~segue_apps.common.db.Database` and plain values and
return JSON-ready dicts (metadata stays the stored JSON text, embedded with
`orjson.Fragment`), so routes do no per-row conversion.
"""
