"""OpenAI Batch API mode: a quiz's asks sent as batch jobs and collected when they finish.

- `jsonl`: the input and result file formats, and splitting within the API's limits (pure);
- `remote`: the Files and Batch APIs through the `openai` client, with one-line errors;
- `submit`: asks stored, grouped into jobs, uploaded and submitted, resumable at every step;
- `collect`: finished jobs read, every answer recorded through generation's own `BatchRun`,
  follow-ups (corrections, top-ups, unfinished requests) queued for the next job.

User documentation: docs/batch-api.md; what it means at scale: docs/scale.md.
"""
