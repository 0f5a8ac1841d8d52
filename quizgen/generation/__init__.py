"""Generating a quiz: the run (task group, limiter, leases, writer) in `run.py`, the prompts each
ask is built from (`prompts/`)."""
