"""A self-contained printable page: the questions, and each answer key behind a toggle.

Every type is held. The page loads nothing from outside and runs no script: each answer key is
a `<details>` element (closed: a student copy; click to open, or print with them open for a key),
and a Content-Security-Policy forbids scripts outright, so even a mistake in escaping could not
run one. Every model string goes through `html.escape`.
"""

from __future__ import annotations

import html
from collections import Counter
from string import ascii_lowercase

from quizgen.export.base import (
    ALL_TYPES,
    Export,
    ExportItem,
    ExportQuiz,
    html_block,
    source_label,
)

HOLDS = ALL_TYPES

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #111; }
h1 { font-size: 1.5rem; } .meta { color: #555; font-size: .9rem; }
ol.questions > li { margin: 0 0 1.5rem; page-break-inside: avoid; }
.type { color: #555; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
ul.options { list-style: none; padding-left: 1rem; } table { border-collapse: collapse; }
td, th { border: 1px solid #bbb; padding: .2rem .5rem; text-align: left; vertical-align: top; }
details { margin-top: .5rem; background: #f4f7f4; padding: .3rem .6rem; border-radius: 4px; }
summary { cursor: pointer; color: #264; } .correct { font-weight: 600; }
blockquote { margin: .4rem 0; padding-left: .6rem; border-left: 3px solid #9a9; color: #333; }
@media print { details { background: none; } }
"""


def e(text: str) -> str:
    return html.escape(text, quote=True)


def write(quiz: ExportQuiz, items: list[ExportItem]) -> Export:
    body = [
        f"<h1>{e(quiz.title)}</h1>",
        f'<p class="meta">{len(items)} question(s), '
        f"{sum(item.points for item in items)} point(s). Quiz {e(quiz.id)}.</p>",
        '<ol class="questions">',
    ]
    sizes = Counter(item.record.batch_key for item in items)
    for item in items:
        pool = quiz.pools.get(item.record.batch_key)
        shown = f" · pool: {pool.label(sizes[pool.batch_key])} shown" if pool else ""
        body.append(_question(item, shown))
    body.append("</ol>")
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{e(quiz.language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(quiz.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
    return Export(data=page.encode("utf-8"), exported=[item.id for item in items])


def _question(item: ExportItem, shown: str = "") -> str:
    """One question; `shown` says its pool ("· pool: 5 of 20 shown"), if it is in one."""
    question = item.question
    name = item.type_name
    parts = [
        f'<li id="q-{e(item.id)}"><div class="type">{e(item.qtype.label)} · '
        f"{item.points} point(s){e(shown)}</div>",
        html_block(question.question_text),
    ]
    key: list[str] = []
    if name in ("multiple_choice", "multiple_answer"):
        parts.append('<ul class="options">')
        for letter, option in zip(ascii_lowercase, question.options, strict=False):
            parts.append(f"<li>{letter}) {e(option.text)}</li>")
            if option.correct:
                key.append(f"{letter}) {e(option.text)}")
        parts.append("</ul>")
    elif name == "true_false":
        parts.append('<ul class="options"><li>True</li><li>False</li></ul>')
        key.append("True" if question.correct_answer else "False")
    elif name == "numeric":
        parts.append('<p class="options">A number.</p>')
        key.append(e(item.qtype.correct_answers(question)[0]))
    elif name == "essay":
        parts.append('<p class="options">A written answer, graded by hand.</p>')
        key.append(f"Model answer: {e(question.model_answer)}")
        key += [f"Rubric {n}: {e(point)}" for n, point in enumerate(question.rubric, start=1)]
    elif name == "fill_in_blank":
        for blank in sorted(question.blanks, key=lambda b: b.position):
            key.append(f"blank {blank.position}: " + " / ".join(e(a) for a in blank.answers))
    elif name == "matching":
        answers = sorted([p.answer for p in question.pairs] + list(question.distractors))
        parts.append(_two_columns([p.prompt for p in question.pairs], answers))
        key += [f"{e(p.prompt)} → {e(p.answer)}" for p in question.pairs]
    elif name == "categorization":
        entries = sorted(
            [i for c in question.categories for i in c.items] + list(question.distractors)
        )
        parts.append(_two_columns([c.name for c in question.categories], entries))
        key += [f"{e(c.name)}: {', '.join(e(i) for i in c.items)}" for c in question.categories]
        if question.distractors:
            key.append("in no category: " + ", ".join(e(d) for d in question.distractors))
    elif name == "ordering":
        shown = sorted(question.items, key=str.casefold)  # alphabetical, not the key
        parts.append('<ul class="options">' + "".join(f"<li>{e(i)}</li>" for i in shown) + "</ul>")
        key += [f"{n}. {e(i)}" for n, i in enumerate(question.items, start=1)]
    parts.append("<details><summary>Answer key</summary>")
    parts.append("<ul>" + "".join(f'<li class="correct">{k}</li>' for k in key) + "</ul>")
    if question.explanation:
        parts.append(html_block(question.explanation))
    source = source_label((item.record.citation or {}).get("source"))
    cite = f" <small>({e(source)})</small>" if source else ""
    parts.append(f"<blockquote>{e(question.source_quote)}{cite}</blockquote>")
    parts.append("</details></li>")
    return "\n".join(parts)


def _two_columns(left: list[str], right: list[str]) -> str:
    rows = max(len(left), len(right))
    cells = [
        f"<tr><td>{e(left[n]) if n < len(left) else ''}</td>"
        f"<td>{e(right[n]) if n < len(right) else ''}</td></tr>"
        for n in range(rows)
    ]
    return "<table>" + "".join(cells) + "</table>"
