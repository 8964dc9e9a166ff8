"""What the reference services share: database engine, ids, API keys, errors, paging."""
