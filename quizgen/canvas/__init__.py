"""Canvas LMS: the REST client (`client.py`) and what its answers mean (`responses.py`), the
pure request bodies of both quiz engines (`payloads.py` over `parts.py`, `classic.py`,
`new_quizzes.py`), what a publish would send (`plan.py`) and the resumable publish itself
(`publish.py`). Content pulled from Canvas pages lives in `quizgen.content.canvas`.

Nothing is imported here, so the exports that reuse the payload builders do not load the
HTTP client."""
