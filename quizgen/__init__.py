"""quizgen: turn course material into checked Canvas quizzes with an LLM."""

__version__ = "0.1.0"
