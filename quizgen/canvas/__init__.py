"""Talking to Canvas LMS: the REST client (`client.py`); content and publishing build on it."""

from quizgen.canvas.client import CanvasClient, CanvasError

__all__ = ["CanvasClient", "CanvasError"]
