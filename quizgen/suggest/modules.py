"""The proposal for every module that was read, named and ready to render (pure)."""

from __future__ import annotations

from collections.abc import Collection

from quizgen.errors import InputError
from quizgen.spec_limits import LimitsSpec
from quizgen.suggest.propose import propose
from quizgen.suggest.render import SuggestedModule
from quizgen.suggest.sources import Read


def propose_modules(
    read: Read, types: Collection[str], limits: LimitsSpec
) -> tuple[list[SuggestedModule], list[str]]:
    """(modules, skipped): a local module with nothing to ask about is an `InputError` naming
    it; a Canvas module is skipped with a note, and so is one the reading skipped. A local
    module is named after its first heading, a Canvas module keeps its Canvas name."""
    modules: list[SuggestedModule] = []
    skipped = list(read.skipped)
    for draft in read.drafts:
        text = read.texts.get(draft.module_id)
        if text is None:
            continue
        proposal = propose(
            text.content.text,
            types=types,
            max_batches=limits.max_batches_per_module,
            max_count=limits.max_questions_per_batch,
            topic=draft.name,
        )
        if not proposal.batches:
            problem = (
                f"module {draft.module_id!r} ({draft.given}): nothing to ask about: "
                f"{proposal.profile.sentences} usable sentences (quizgen asks about sentences "
                "of 5–60 words ending in a full stop)"
            )
            if draft.canvas_module is None:
                raise InputError(f"{problem}; add prose notes, or leave the source out")
            skipped.append(problem)
            continue
        name = draft.name
        if draft.canvas_module is None and proposal.profile.heading:
            name = proposal.profile.heading[:255]
        modules.append(
            SuggestedModule(draft.module_id, name, proposal, draft.sources, draft.canvas_module)
        )
    if not modules:
        raise InputError(
            "quizgen suggest: no module has text to ask about:\n"
            + "\n".join(f"  {note}" for note in skipped)
        )
    return modules, skipped
