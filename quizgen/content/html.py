"""HTML to Markdown-ish text, with the standard library only.

Used for local .html files and for Canvas page bodies. QuizCrafter took BeautifulSoup's
`get_text()` with no separator, so "end.</p><p>Start" became "end.Start", and then collapsed all
whitespace, losing headings, lists and tables. Here every block element ends a line, and the
structure an LLM can use survives as Markdown: `#` headings, blank lines between paragraphs,
`- ` (or `1. `) list items indented by nesting, table rows as ` | `-joined cells, fenced `<pre>`.
Page furniture (scripts, styles, navigation, headers, footers, forms, Canvas screen-reader
chrome) is dropped, since it is not course content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from quizgen.content.clean import clean_text

SKIPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "aside",
        "noscript",
        "template",
        "svg",
        "form",
        "button",
        "title",
        "iframe",
    }
)
SKIPPED_CLASSES = frozenset({"screenreader-only"})
"""Canvas appends e.g. "Links to an external site." for screen readers to every outside link."""

_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_PARAGRAPH_TAGS = frozenset(
    {"p", "blockquote", "section", "article", "main", "figure", "hr", "dl", "details", "table"}
)
"""Block elements followed by a blank line."""
_LINE_TAGS = frozenset(
    {"div", "dt", "dd", "figcaption", "summary", "caption", "address", "tr", "body", "html"}
)
"""Block elements that end a line."""
_HEADING = re.compile(r"h([1-6])")
_WHITESPACE = re.compile(r"\s+")


def html_to_text(html: str) -> str:
    """The readable text of `html`, with structure kept as Markdown and entities decoded."""
    parser = _MarkdownWriter()
    parser.feed(html)
    parser.close()
    return clean_text(parser.text())


@dataclass
class _List:
    ordered: bool
    items: int = 0


@dataclass
class _Table:
    cells_in_row: int = 0
    in_cell: bool = False


@dataclass
class _Skip:
    tag: str
    depth: int = 1


class _MarkdownWriter(HTMLParser):
    """Writes text as it arrives; block boundaries become owed newlines paid before next text.

    Owing newlines instead of writing them at once keeps empty elements from piling up blank
    lines, and lets a list marker or heading prefix attach to the first text that follows.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._owed_newlines = 0
        self._owed_prefix = ""
        self._skip: _Skip | None = None
        """The dropped element being passed over; nested elements are not tracked inside it."""
        self._lists: list[_List] = []
        self._tables: list[_Table] = []
        self._pre_depth = 0
        self._pre_fresh = False

    def text(self) -> str:
        return "".join(self._parts)

    # -- parser callbacks ------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip.tag:
                self._skip.depth += 1
            return
        if _is_skipped(tag, attrs):
            if tag not in _VOID_TAGS:
                self._skip = _Skip(tag)
            return
        if heading := _HEADING.fullmatch(tag):
            self._block(2)
            if not self._in_cell():
                self._owed_prefix += "#" * int(heading.group(1)) + " "
        elif tag in ("ul", "ol"):
            self._block(1 if self._lists else 2)
            self._lists.append(_List(ordered=tag == "ol"))
        elif tag == "li":
            self._start_list_item()
        elif tag == "table":
            self._block(2)
            self._tables.append(_Table())
        elif tag == "tr":
            if self._tables:
                self._tables[-1].cells_in_row = 0
                self._tables[-1].in_cell = False  # the previous row may have left </td> out
            self._block(1)
        elif tag in ("td", "th"):
            self._start_cell()
        elif tag == "br":
            self._line_break()
        elif tag == "pre":
            self._block(2)
            self._write("```")
            self._owed_newlines = 1
            self._pre_depth += 1
            self._pre_fresh = True
        elif tag in _PARAGRAPH_TAGS:
            self._block(2)
        elif tag in _LINE_TAGS:
            self._block(1)

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip.tag:
                self._skip.depth -= 1
                if self._skip.depth == 0:
                    self._skip = None
            return
        if _HEADING.fullmatch(tag):
            self._end_block(2)
        elif tag in ("ul", "ol"):
            if self._lists:
                self._lists.pop()
            self._end_block(1 if self._lists else 2)
        elif tag == "li":
            self._end_block(1)
        elif tag == "table":
            if self._tables:
                self._tables.pop()
            self._end_block(2)
        elif tag == "tr":
            if self._tables:
                self._tables[-1].in_cell = False
            self._end_block(1)
        elif tag in ("td", "th"):
            if self._tables:
                self._tables[-1].in_cell = False
        elif tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
            if self._parts and not self._parts[-1].endswith("\n"):
                self._parts.append("\n")
            self._parts.append("```")
            self._end_block(2)
        elif tag in _PARAGRAPH_TAGS:
            self._end_block(2)
        elif tag in _LINE_TAGS:
            self._end_block(1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre_depth:
            if self._pre_fresh and data.startswith("\n"):
                data = data[1:]  # as in browsers, a newline right after <pre> is not content
            self._pre_fresh = False
            if data:
                self._write(data)
            return
        data = _WHITESPACE.sub(" ", data)
        if self._at_line_start():
            data = data.lstrip(" ")
        if data:
            self._write(data)

    # -- writing ---------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        """Pay owed newlines and prefix, then write `text`."""
        if self._parts and self._owed_newlines:
            self._parts.append("\n" * self._owed_newlines)
        self._owed_newlines = 0
        self._parts.append(self._owed_prefix + text)
        self._owed_prefix = ""

    def _at_line_start(self) -> bool:
        return bool(
            self._owed_newlines or not self._parts or self._parts[-1].endswith(("\n", "| "))
        )

    def _in_cell(self) -> bool:
        return bool(self._tables) and self._tables[-1].in_cell

    def _block(self, newlines: int) -> None:
        """Start a block: owe `newlines` unless a prefix is waiting for its first text."""
        if self._in_cell():
            self._cell_space()
        elif not self._owed_prefix:
            self._owed_newlines = max(self._owed_newlines, newlines)

    def _end_block(self, newlines: int) -> None:
        """End a block; a heading or list marker that never got text is dropped."""
        self._owed_prefix = ""
        self._block(newlines)

    def _line_break(self) -> None:
        if self._in_cell():
            self._cell_space()
        else:
            self._owed_newlines = min(self._owed_newlines + 1, 2)

    def _cell_space(self) -> None:
        """Inside a table cell a block or line break only separates words: the row is one line."""
        if not self._at_line_start():
            self._write(" ")

    def _start_list_item(self) -> None:
        if not self._lists:
            self._lists.append(_List(ordered=False))  # a stray <li>: treat as a bullet list
        current = self._lists[-1]
        current.items += 1
        marker = f"{current.items}. " if current.ordered else "- "
        self._owed_prefix = ""
        self._block(1)
        self._owed_prefix = "  " * (len(self._lists) - 1) + marker

    def _start_cell(self) -> None:
        if not self._tables:
            self._tables.append(_Table())
        table = self._tables[-1]
        if table.cells_in_row:
            self._write("| " if self._at_line_start() else " | ")  # after an empty first cell
        table.cells_in_row += 1
        table.in_cell = True


def _is_skipped(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag in SKIPPED_TAGS:
        return True
    for name, value in attrs:
        if name == "hidden":
            return True
        if name == "class" and value and SKIPPED_CLASSES.intersection(value.split()):
            return True
    return False
