"""Process runs as a service: runs, processes and health (seed 004), v1 and v2."""
