"""Everything that decides whether a question may reach review: the verdict for one question
(`screen.py`), citations against the content, key grounding and contradiction, duplicates,
give-aways, the re-check of stored questions (`recheck.py`) and the optional model verification
(`verify.py`). Pure functions of the question and the content, except `verify`, which calls the
model and records through the store's writer."""
