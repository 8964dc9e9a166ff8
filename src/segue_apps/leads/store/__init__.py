"""The leads schema and every query on it (synchronous Core, run through ``db.run``)."""
