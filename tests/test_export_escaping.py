"""Model text holding markup and format syntax survives every export intact, and stays inert."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

from quizgen.export import FORMATS, export_quiz
from quizgen.export.csv import cell
from tests.every_type import HOSTILE, QUIZ, hostile_records

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
FIRST, SECOND = HOSTILE.split("\n")


def html_to_text(markup: str) -> str:
    assert "<script" not in markup.lower(), markup
    markup = re.sub(r"<br\s*/?>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_qti_keeps_hostile_text_intact_and_inert() -> None:
    data = export_quiz(FORMATS["qti"], QUIZ, hostile_records()).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = next(
            n
            for n in archive.namelist()
            if n.count("/") == 1 and n.endswith(".xml") and "meta" not in n
        )
        root = ET.fromstring(archive.read(name))
    html_texts = [m.text for m in root.iter(f"{QTI}mattext") if m.get("texttype") == "text/html"]
    plain = [m.text for m in root.iter(f"{QTI}mattext") if m.get("texttype") == "text/plain"]
    shown = [html_to_text(text) for text in html_texts]
    assert any(f"Which option is right? {FIRST}\n{SECOND}" in text for text in shown)
    assert sum(FIRST in text for text in shown) >= 14  # every stem and every feedback
    assert "alpha " + HOSTILE in plain  # plain text is kept exactly, line break included
    assert "a{b}~c=d#e:f" in plain and "x -> y & <z>" in plain


def test_moodle_xml_keeps_hostile_text_intact_and_inert() -> None:
    root = ET.fromstring(export_quiz(FORMATS["moodle"], QUIZ, hostile_records()).data)
    for question in root.iter("question"):
        if question.get("type") in ("category", "cloze"):
            continue
        text = html_to_text(question.findtext("questiontext/text"))
        assert f"{FIRST}\n{SECOND}" in text
        assert FIRST in html_to_text(question.findtext("generalfeedback/text"))
    short = next(q for q in root.iter("question") if q.get("type") == "shortanswer")
    assert [a.findtext("text") for a in short.iter("answer")] == ["a{b}~c=d#e:f", "x -> y & <z>"]
    cloze = next(q for q in root.iter("question") if q.get("type") == "cloze")
    text = cloze.findtext("questiontext/text")
    assert "<script" not in text
    fields = re.findall(r"\{(\d+):SHORTANSWER_C:([^}]*)\}", text)
    assert len(fields) == 2  # each field ends at its own brace: none is left raw inside
    assert fields[0][1] == "=one&#123;1&#125;&#126;&#35;"
    assert fields[1][1] == "=two&#47;&#34;2&#34;~=&#60;b&#62;two&#60;&#47;b&#62;"
    assert "{" not in re.sub(r"\{\d+:SHORTANSWER_C:[^}]*\}", "", text).replace("&#123;", "")


def test_gift_escapes_its_syntax_and_markup() -> None:
    text = export_quiz(FORMATS["gift"], QUIZ, hostile_records()).data.decode("utf-8")
    # Matching answers (after "->") are plain text that Moodle shows as text; everything else
    # is HTML and must carry no raw markup.
    assert "<script" not in re.sub(r" -> .*", "", text)
    blocks = [b for b in text.split("\n\n") if "::" in b]
    assert len(blocks) == 9
    for block in blocks:
        unescaped = re.sub(r"\\.", "", block)
        assert unescaped.count("{") == 1 and unescaped.count("}") == 1, block
        assert "\n\n" not in block
    stem = (
        r"Which option is right? &lt;script&gt;alert('x')&lt;/script&gt; &amp; \{a\} \~b \=c \#d\:"
    )
    assert stem in text
    assert r"=a\{b\}\~c\=d\#e\:f" in text  # short answers are plain text, GIFT-escaped


def test_markdown_never_carries_raw_markup() -> None:
    text = export_quiz(FORMATS["markdown"], QUIZ, hostile_records()).data.decode("utf-8")
    assert "<script" not in text
    for line in text.splitlines():  # a continuation line is always indented under its marker
        if "next line" in line and not line.startswith(" "):
            raise AssertionError(f"unindented continuation: {line!r}")


def test_json_and_csv_round_trip_exactly() -> None:
    records = hostile_records()
    document = json.loads(export_quiz(FORMATS["json"], QUIZ, records).data)
    assert [q["data"]["question_text"] for q in document["questions"]] == [
        r.data["question_text"] for r in records
    ]
    data = export_quiz(FORMATS["csv"], QUIZ, records).data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [row["question"] for row in rows] == [r.data["question_text"] for r in records]
    assert rows[0]["explanation"] == records[0].data["explanation"]


def test_csv_cells_never_run_as_formulas() -> None:
    assert cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cell("+1") == "'+1" and cell("@SUM(A1)") == "'@SUM(A1)" and cell("-2") == "'-2"
    assert cell("ok = fine") == "ok = fine"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_page_is_self_contained_and_escapes_everything() -> None:
    page = export_quiz(FORMATS["html"], QUIZ, hostile_records()).data.decode("utf-8")
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    text = "".join(parser.text)
    assert f"{FIRST}" in text and "Cells & <Ecology>: a {test} quiz" in text
    assert "default-src 'none'" in page
