"""Generating a quiz: the run (task group, limiter, leases, writer) in `run.py`, what every batch
of a run shares (`context.py`), one batch's conversation with the model (`batch.py`), reading
and screening one answer (`answers.py`), a quiz's and a batch's derived status (`status.py`),
and the prompts each ask is built from (`prompts/`)."""
