"""The command line: the Typer app (`app.py`), the error → exit-code boundary every command runs
through (`running.py`), shared options and filters (`options.py`, `filters.py`), help pages and
usage errors (`help.py`), rendering (`render.py`, `status.py`, `progress.py`), what several
commands share (`batch_jobs.py`: the Batch API side; `web_page.py`: starting the review page)
and one module of commands per group (`commands/`). Nothing outside this package imports it,
and a command imports neither `app.py` nor another command."""
