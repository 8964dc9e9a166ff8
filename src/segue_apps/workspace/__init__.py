"""The workspace reference service (seeds/000_*): tables, rows, batches, workspaces, account."""
