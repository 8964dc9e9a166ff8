"""The leads service (seed 002): streams, segments, leads, accounts, lookups, webhooks."""
