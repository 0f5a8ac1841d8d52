"""The command line: the Typer app (`app.py`), the error → exit-code boundary every command runs
through (`running.py`), shared options (`options.py`), rendering (`render.py`, `progress.py`) and
one module of commands per group (`commands/`). Nothing outside this package imports it."""
