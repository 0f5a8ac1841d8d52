"""The edit form of each question type: form fields to question data, problems to fields.

A reviewer edits fields, not TOML: options with a "correct" mark, blanks with their accepted
answers one per line, pairs, categories with items one per line, an order's items one per line
from first to last, a number with its margin or a range, an essay's model answer and its rubric
one point per line. `data_from_form` builds the raw question the type's `parse` and the
generation checks then judge; it never decides validity itself. Empty extra rows (the form
offers one or two to add) are dropped; an empty required row is kept, so the type's own rule
reports it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from quizgen.questions.base import Problem

EXTRA_ROWS = {"fill_in_blank": 1, "matching": 2, "categorization": 1}
"""Empty rows the form adds after the stored ones, to add a blank, pair or category."""

COMMON = ("question_text", "explanation", "source_quote")


class FormData:
    """Read access to a submitted form: one value, or all values of a repeated field."""

    def __init__(self, form: Any) -> None:
        self._form = form

    def get(self, name: str) -> str:
        value = self._form.get(name)
        return value if isinstance(value, str) else ""

    def all(self, name: str) -> list[str]:
        getlist = getattr(self._form, "getlist", None)
        values = getlist(name) if getlist else [self._form.get(name)]
        return [v for v in values if isinstance(v, str)]

    def count(self, prefix: str) -> int:
        """How many numbered rows (`prefix0_…`, `prefix1_…`) the form has."""
        numbers = {
            int(match.group(1))
            for key in self._form
            if (match := re.fullmatch(rf"{prefix}(\d+)_\w+", key))
        }
        return max(numbers) + 1 if numbers else 0


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def data_from_form(question_type: str, form: FormData) -> dict[str, Any]:
    """The raw question a submitted edit form describes (not yet checked)."""
    data: dict[str, Any] = {name: form.get(name) for name in COMMON}
    if question_type in ("multiple_choice", "multiple_answer"):
        marked = set(form.all("correct"))
        data["options"] = [
            {"text": form.get(f"option{n}_text"), "correct": str(n) in marked}
            for n in range(form.count("option"))
        ]
    elif question_type == "true_false":
        data["correct_answer"] = form.get("correct_answer") == "true"
    elif question_type == "fill_in_blank":
        blanks = []
        for n in range(form.count("blank")):
            answers = lines(form.get(f"blank{n}_answers"))
            position = form.get(f"blank{n}_position").strip()
            if not answers and not position:
                continue
            blanks.append(
                {"position": int(position) if position.isdigit() else 0, "answers": answers}
            )
        data["blanks"] = blanks
    elif question_type == "matching":
        pairs = []
        for n in range(form.count("pair")):
            prompt, answer = form.get(f"pair{n}_prompt"), form.get(f"pair{n}_answer")
            if prompt.strip() or answer.strip():
                pairs.append({"prompt": prompt, "answer": answer})
        data["pairs"] = pairs
        data["distractors"] = lines(form.get("distractors"))
    elif question_type == "categorization":
        categories = []
        for n in range(form.count("category")):
            name, items = form.get(f"category{n}_name"), lines(form.get(f"category{n}_items"))
            if name.strip() or items:
                categories.append({"name": name, "items": items})
        data["categories"] = categories
        data["distractors"] = lines(form.get("distractors"))
    elif question_type == "ordering":
        data["items"] = lines(form.get("items"))
    elif question_type == "essay":
        data["model_answer"] = form.get("model_answer")
        data["rubric"] = lines(form.get("rubric"))
    elif question_type == "numeric":
        low, high = form.get("range_low").strip(), form.get("range_high").strip()
        data["answer"] = _number(form.get("answer")) if form.get("answer").strip() else None
        data["margin"] = _number(form.get("margin")) if form.get("margin").strip() else 0
        data["range"] = {"low": _number(low), "high": _number(high)} if low or high else None
    return data


def _number(text: str) -> float | str:
    """A typed number ("2,5" as written in Norwegian too); anything else stays text, so the
    type's own check names the problem."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return text


def form_rows(question_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the edit template needs for the type's repeated rows, extra empty rows included."""
    extra = EXTRA_ROWS.get(question_type, 0)
    if question_type in ("multiple_choice", "multiple_answer"):
        return {"options": list(data.get("options") or [])}
    if question_type == "fill_in_blank":
        blanks = list(data.get("blanks") or [])
        rows = [
            {"position": b.get("position", ""), "answers": "\n".join(b.get("answers", []))}
            for b in blanks
        ]
        rows += [{"position": "", "answers": ""}] * extra
        return {"blanks": rows}
    if question_type == "matching":
        pairs = list(data.get("pairs") or []) + [{"prompt": "", "answer": ""}] * extra
        return {"pairs": pairs, "distractors": "\n".join(data.get("distractors") or [])}
    if question_type == "categorization":
        categories = [
            {"name": c.get("name", ""), "items": "\n".join(c.get("items", []))}
            for c in data.get("categories") or []
        ]
        categories += [{"name": "", "items": ""}] * extra
        return {
            "categories": categories,
            "distractors": "\n".join(data.get("distractors") or []),
        }
    if question_type == "ordering":
        return {"items": "\n".join(data.get("items") or [])}
    if question_type == "essay":
        return {
            "model_answer": data.get("model_answer") or "",
            "rubric": "\n".join(data.get("rubric") or []),
        }
    if question_type == "numeric":
        given = data.get("range") or {}
        return {
            "answer": _shown(data.get("answer")),
            "margin": _shown(data.get("margin")),
            "range_low": _shown(given.get("low")),
            "range_high": _shown(given.get("high")),
        }
    return {}


def _shown(value: Any) -> str:
    """A stored number as the form shows it: `23`, not `23.0`; nothing for no value."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


# Which part of the form a problem code is about; unknown codes go to the form's top.
_CODE_FIELDS: dict[str, str] = {
    "quote_not_found": "source_quote",
    "missing_quote": "source_quote",
    "too_short": "question_text",
    "not_a_statement": "question_text",
    "duplicate_question": "question_text",
    "near_duplicate": "question_text",
    "answer_leak": "question_text",
    "blank_mismatch": "question_text",
    "key_not_grounded": "key",
    "wrong_correct_count": "key",
    "duplicate_options": "key",
    "all_none_of_above": "key",
    "empty_answers": "key",
    "duplicate_answers": "key",
    "duplicate_pairs": "key",
    "distractor_is_answer": "key",
    "item_in_two_categories": "key",
    "duplicate_categories": "key",
    "too_few_items": "key",
    "too_many_items": "key",
    "wrong_unit": "question_text",
}
_SHAPE_LOCATION = re.compile(r"^(\w+)")


def problem_field(problem: Problem) -> str:
    """`question_text`, `explanation`, `source_quote`, `key` (the type's answer rows) or
    `form` (shown above the form)."""
    if problem.code == "invalid_shape":
        match = _SHAPE_LOCATION.match(problem.message)
        name = match.group(1) if match else ""
        return name if name in COMMON else "key"
    return _CODE_FIELDS.get(problem.code, "form")


def problems_by_field(problems: list[Problem]) -> dict[str, list[Problem]]:
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem_field(problem), []).append(problem)
    return grouped
