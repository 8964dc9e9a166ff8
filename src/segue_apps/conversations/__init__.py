"""The conversations reference service (seed 001): a conversation store for AI agents."""
