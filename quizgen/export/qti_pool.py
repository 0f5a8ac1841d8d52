"""A pool (`pick`) in a QTI assessment, as Canvas exports a question group (see qti.py).

Canvas's own export writes a question group as a nested `section` whose
`selection_ordering/selection` holds `selection_number` (how many each student sees) and
`selection_extension/points_per_item`; its QTI importer reads that back as a group, and
text2qti writes its `GROUP` blocks the same way.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from quizgen.export.base import Export, ExportItem, ExportQuiz, stable_id, xml_safe
from quizgen.pools import Pool, pick_note, points_note, shared_points


def pool_section(
    parent: ET.Element, quiz: ExportQuiz, pool: Pool, held: list[ExportItem], result: Export
) -> tuple[ET.Element, float]:
    """A pool as Canvas exports a question group: a `section` whose `selection_ordering` shows
    `selection_number` of its items, each worth `points_per_item`; the section and its points."""
    pick = min(pool.pick, len(held))
    points = shared_points([item.points for item in held])
    section = ET.SubElement(
        parent,
        "section",
        ident="s" + stable_id("pool", quiz.id, pool.batch_key),
        title=xml_safe(f"{pool.batch_key}: {pick} of {len(held)}"),
    )
    selection = ET.SubElement(ET.SubElement(section, "selection_ordering"), "selection")
    ET.SubElement(selection, "selection_number").text = str(pick)
    extension = ET.SubElement(selection, "selection_extension")
    ET.SubElement(extension, "points_per_item").text = f"{points:.1f}"
    notes = (
        pick_note(pool, len(held)),
        points_note(pool, [item.points for item in held], "a question group", f"{points:g}"),
    )
    result.notes += [note for note in notes if note]
    return section, points
