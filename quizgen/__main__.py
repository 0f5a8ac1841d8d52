"""`python -m quizgen` runs the CLI."""

from quizgen.cli.app import main

main()
