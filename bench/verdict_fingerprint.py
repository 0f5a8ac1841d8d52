"""One sha256 over every verdict screening gives on a large, varied set of questions.

    python bench/verdict_fingerprint.py            # screen the corpus, print the hash
    python bench/verdict_fingerprint.py --build    # (re)write the corpus from today's mock

Work on the speed of screening (`quizgen/checks`, `quizgen/questions`,
`quizgen/generation/answers.py`) must not change a single verdict; this script is how that is
checked: the hash before and after a change must be equal.

The corpus (bench/data/verdict_corpus.json.gz) is frozen, so the hash does not move when the
offline mock changes what it writes. It holds module contents (synthetic course notes, the
biology example, the prose fixtures, a PDF-like extraction) and, per batch, the mock's answer
for every question type; a flawed variant of each answer (options, keys, quotes, markers and
fields broken in the ways a model breaks them); bench/bench_checks.py's random quiz with exact
repeats and rewordings; and the labelled integrity items of tests/fixtures/integrity.

Every batch goes through `screen_items` exactly as generation calls it, one `Screen` for the
whole quiz, so repeats and give-aways across batches and modules count. Then a `Screen` is
seeded from the kept rows (what `retry` does) and edits are re-checked with `screen_question`.
Hashed: every accepted and rejected question as stored (data, reasons, note, citation, flags),
the problems a correction names, the texts refused as repeats, and each verdict of the direct
calls (problems, citation, flags, repeats). `--dump FILE` writes the lines hashed, to diff.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "bench" / "data" / "verdict_corpus.json.gz"

ALL_TYPES = (
    "multiple_choice",
    "multiple_answer",
    "true_false",
    "fill_in_blank",
    "matching",
    "categorization",
    "ordering",
    "numeric",
    "essay",
)


# -- building the corpus (only with --build) ---------------------------------------------------


def _contents() -> dict[str, list[tuple[str, str]]]:
    """module id → sections (source, text)."""
    from bench.synthetic import module_notes

    modules: dict[str, list[tuple[str, str]]] = {}
    for index in range(40):
        modules[f"unit{index}"] = [(f"content/unit{index}.md", module_notes(index))]
    biology = ROOT / "examples" / "biology" / "content"
    for path in sorted(biology.glob("*.md")):
        modules[f"bio_{path.stem}"] = [(f"content/{path.name}", path.read_text("utf-8"))]
    prose = ROOT / "tests" / "fixtures" / "prose"
    for path in sorted([*prose.glob("*.txt"), *prose.glob("*.md")]):
        modules[f"prose_{path.stem}"] = [(path.name, path.read_text("utf-8"))]
    raw = (ROOT / "tests" / "fixtures" / "integrity" / "photosynthesis.txt").read_text("utf-8")
    modules["photosynthesis"] = [("photosynthesis.pdf", raw)]
    # Two modules sharing a source: repeats across modules.
    modules["unit0_copy"] = modules["unit0"]
    return modules


def _mock_answers(contents: dict[str, Any]) -> list[dict[str, Any]]:
    import anyio

    from quizgen.llm.base import GenerationTask, LLMRequest
    from quizgen.llm.mock import MockAdapter

    mock = MockAdapter(latency=0)
    batches = []
    for module_id, content in contents.items():
        types = ALL_TYPES
        plan = tuple((f"{module_id}_{t}_20", t, 20) for t in types)
        for key, type_name, count in plan:
            task = GenerationTask(
                "fingerprint", key, module_id, module_id, type_name, count, "en",
                content.text, module_batches=plan,
            )  # fmt: skip
            try:
                answer = anyio.run(mock.complete, LLMRequest(task, (), {}))
                items = json.loads(answer.text)["questions"]
            except Exception as exc:  # a type the mock cannot write here
                print(f"  {key}: no answer ({exc})", file=sys.stderr)
                continue
            batches.append({"key": key, "module": module_id, "type": type_name, "items": items})
    return batches


def _break(raw: Any, rng: random.Random) -> Any:
    """One question broken the way a model breaks one (or left alone, one time in six)."""
    if not isinstance(raw, dict):
        return raw
    q = copy.deepcopy(raw)
    roll = rng.randrange(18)
    text = str(q.get("question_text", ""))
    quote = str(q.get("source_quote", ""))
    if roll == 0:
        q.pop(rng.choice(sorted(q)), None)
    elif roll == 1:
        q["source_quote"] = quote.replace(" the ", " a ", 1) + " indeed"
    elif roll == 2:
        q["question_text"] = "Question 1"
    elif roll == 3 and "options" in q and q["options"]:
        q["options"][-1]["text"] = rng.choice(["None of the above", "Both A and B", "all of these"])
    elif roll == 4 and "options" in q and len(q["options"]) > 1:
        q["options"][1]["text"] = q["options"][0]["text"].upper() + "."
    elif roll == 5 and "options" in q:
        for option in q["options"]:
            option["correct"] = not option["correct"]
    elif roll == 6 and "correct_answer" in q:
        q["correct_answer"] = not q["correct_answer"]
    elif roll == 7:
        words = text.split()
        if len(words) > 3:
            words.insert(rng.randrange(1, len(words)), "not")
            q["question_text"] = " ".join(words)
    elif roll == 8 and "blanks" in q:
        q["question_text"] = text.replace("[blank_1]", "[Blank_1]")
    elif roll == 9 and "blanks" in q and q["blanks"]:
        q["blanks"][0]["answers"] = [*q["blanks"][0]["answers"], q["blanks"][0]["answers"][0]]
    elif roll == 10:
        q["source_quote"] = quote[: len(quote) // 3] + " ... " + quote[2 * len(quote) // 3 :]
    elif roll == 11:
        q["source_quote"] = quote.replace(" ", "  \n", 2).replace("'", "\u2019")
    elif roll == 12 and "options" in q and q["options"]:
        correct = [o for o in q["options"] if o.get("correct")]
        if correct:
            q["question_text"] = f"{text} ({correct[0]['text']})"
    elif roll == 13 and "pairs" in q and q["pairs"]:
        q["pairs"] = q["pairs"][:1]
    elif roll == 14:
        q["question_text"] = text.replace("increase", "decrease").replace("more", "less")
        q["source_quote"] = quote.lower()
    elif roll == 15:
        q["extra_field"] = 1
    elif roll == 16:
        return str(text)
    return q


def _bench_checks_batches() -> list[dict[str, Any]]:
    from bench.bench_checks import build

    batches: list[dict[str, Any]] = []
    contents: dict[int, str] = {}
    for key, kind, content, raw in build(400, 20, seed=11):
        module = f"random{contents.setdefault(id(content), len(contents))}"
        if not batches or batches[-1]["key"] != key:
            batches.append({"key": key, "module": module, "type": kind, "items": []})
        if batches[-1]["type"] != kind:  # a repeat of another type: its own one-item batch
            batches.append({"key": key, "module": module, "type": kind, "items": []})
        batches[-1]["items"].append(raw)
        batches[-1].setdefault("content", content.text)
    return batches


def build_corpus() -> dict[str, Any]:
    from quizgen.content import Section, assemble

    sections = _contents()
    contents = {m: assemble([Section(s, t) for s, t in parts]) for m, parts in sections.items()}
    batches = _mock_answers(contents)
    rng = random.Random(14)
    flawed = []
    for batch in batches:
        broken = [_break(item, rng) for item in batch["items"]]
        flawed.append({**batch, "key": batch["key"] + "_flawed", "items": broken})
    randoms = _bench_checks_batches()
    for batch in randoms:
        text = batch.pop("content")
        sections.setdefault(batch["module"], [(f"{batch['module']}.md", text)])
    labelled = json.loads(
        (ROOT / "tests" / "fixtures" / "integrity" / "labelled.json").read_text("utf-8")
    )["items"]
    return {
        "modules": sections,
        "batches": batches + flawed + randoms,
        "labelled": labelled,
    }


# -- screening and hashing ---------------------------------------------------------------------


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


def _verdict(verdict: Any) -> str:
    return _canon(
        {
            "question": None if verdict.question is None else verdict.question.model_dump(),
            "problems": [[p.code, _said(p.message)] for p in verdict.problems],
            "citation": None if verdict.citation is None else verdict.citation.as_dict(),
            "flags": list(verdict.flags),
            "repeats": _said(verdict.repeats) if verdict.repeats is not None else None,
            "accepted": verdict.accepted,
        }
    )


def _stored(question: Any) -> list[Any]:
    return [
        question.data,
        list(question.rejection_reasons),
        _said(question.rejection_note),
        question.citation,
        list(question.flags),
    ]


STRICT = True
"""False for the codes-only hash: messages (which kept question a repeat names) left out."""


def _said(message: str | None) -> str | None:
    return message if STRICT else None


def screen_corpus(corpus: dict[str, Any], out: list[str]) -> None:
    from quizgen.checks.screen import Screen, screen_question
    from quizgen.content import Section, assemble
    from quizgen.generation.answers import screen_items
    from quizgen.questions import question_type
    from quizgen.review.importing import ImportedQuestion, screen_imports

    modules = {
        m: assemble([Section(s, t) for s, t in parts]) for m, parts in corpus["modules"].items()
    }
    screen = Screen()
    kept: list[tuple[str, str, dict[str, Any]]] = []
    for batch in corpus["batches"]:
        qtype = question_type(batch["type"])
        refused: list[str] = []
        accepted, rejected, problems = screen_items(
            screen, batch["key"], qtype, batch["items"], modules[batch["module"]], 15, refused
        )
        out.append(
            _canon(
                [
                    batch["key"],
                    [_stored(q) for q in accepted],
                    [_stored(q) for q in rejected],
                    [[n, [[p.code, _said(p.message)] for p in ps]] for n, ps in problems],
                    [_said(text) for text in refused],
                ]
            )
        )
        kept += [(batch["key"], batch["type"], q.data) for q in accepted]
    # A retry: a Screen seeded from the kept rows, every batch's answer screened again.
    seeded = Screen.of(kept)
    for batch in corpus["batches"][::7]:
        qtype = question_type(batch["type"])
        for raw in batch["items"]:
            out.append(_verdict(seeded.screen(qtype, raw, modules[batch["module"]])))
    # Edits: one question re-checked against the rest of its quiz, then alone.
    for key, type_name, data in kept[::11]:
        module = next(b["module"] for b in corpus["batches"] if b["key"] == key)
        edited = dict(data, question_text=str(data.get("question_text", "")) + " Explain.")
        out.append(_verdict(screen_question(type_name, edited, modules[module], seeded)))
        out.append(_verdict(screen_question(type_name, data, modules[module])))
    out.append(_verdict(screen_question("no_such_type", {}, modules["unit1"])))
    # The labelled integrity set, as tests/integrity_labelled.py screens it.
    bio = {name: modules[f"bio_{name}"] for name in ("cells", "genetics", "ecology")} | {
        "photosynthesis": modules["photosynthesis"]
    }
    for item in corpus["labelled"]:
        content = bio[item["module"]]
        local = Screen()
        if "after" in item:
            earlier = item["after"]
            verdict = local.screen(
                question_type(earlier["question_type"]), earlier["data"], content
            )
            out.append(_verdict(verdict))
            if verdict.question is not None:
                local.admit(verdict.question, "earlier_batch")
        if "source_quote" not in item["data"]:
            imported = ImportedQuestion(1, item["question_type"], item["data"], item["module"])
            plan = screen_imports([imported], [item["module"]], bio, local, "import_test")
            stored = plan.screened[0].question
            out.append(_canon([item["id"], list(stored.rejection_reasons), list(stored.flags)]))
            continue
        out.append(
            _verdict(local.screen(question_type(item["question_type"]), item["data"], content))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="rewrite the corpus from the mock")
    parser.add_argument("--dump", type=Path, help="write the hashed lines to this file")
    args = parser.parse_args()
    if args.build:
        corpus = build_corpus()
        CORPUS.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(corpus, ensure_ascii=False, separators=(",", ":")).encode()
        CORPUS.write_bytes(gzip.compress(data, 9, mtime=0))
    corpus = json.loads(gzip.decompress(CORPUS.read_bytes()))
    questions = sum(len(b["items"]) for b in corpus["batches"]) + len(corpus["labelled"])
    global STRICT
    lines: list[str] = []
    started = time.process_time()
    screen_corpus(corpus, lines)
    cpu = time.process_time() - started
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    if args.dump:
        args.dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    STRICT = False
    codes: list[str] = []
    screen_corpus(corpus, codes)
    print(f"{questions:,} questions, {len(lines):,} verdict lines, {cpu:.1f} s CPU")
    print(f"verdict sha256: {digest}")
    loose = hashlib.sha256("\n".join(codes).encode()).hexdigest()
    print(f"codes sha256 (reasons only): {loose}")


if __name__ == "__main__":
    main()
