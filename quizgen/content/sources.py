"""Finding and reading each module's content for a spec, with errors that say where.

A module's content comes from exactly one place:
- `sources`: files, folders or glob patterns relative to the spec file's folder
  (`"notes.md"`, `"slides/"`, `"week3/*.pdf"`); folders and patterns expand to the supported
  files they hold, sorted, and one that matches nothing is an error;
- `canvas_module = ID`: that module of the spec's Canvas course (`[course] id`), pulled over
  the API (`quizgen.content.canvas`);
- neither: `--content-dir DIR` if given (files named after the module id, as for the original
  JSON body), else — when the spec names a Canvas course — the Canvas module whose id is the
  module id (the original JSON body's meaning).

`read_modules` reads them all, applies the `[content]` budget, and raises one `ContentError`
listing every problem, so nothing is stored until the whole spec's content is good.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from quizgen.content import SECTION_SEPARATOR, ModuleContent, Section, assemble
from quizgen.content.files import SUPPORTED_SUFFIXES, read_file
from quizgen.errors import ConfigError, ContentError
from quizgen.spec import ContentSpec, LoadedSpec, ModuleSpec

Origin = Literal["local", "canvas"]
_GLOB_CHARS = frozenset("*?[")


@dataclass
class ModuleSource:
    """Where one module's content is to come from, found without reading anything."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    """(path, display name) pairs, display names relative to the spec as the user wrote."""
    canvas: tuple[int, int] | None = None
    """(course id, Canvas module id) when the content comes from Canvas."""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def origin(self) -> Origin:
        return "canvas" if self.canvas else "local"


@dataclass(frozen=True)
class ModuleText:
    """A module's content ready to store, with where it came from."""

    content: ModuleContent
    origin: Origin


def locate_module(
    loaded: LoadedSpec, module_id: str, module: ModuleSpec, content_dir: Path | None
) -> ModuleSource:
    """Where a module's content comes from, and located problems finding it."""
    where = f"{loaded.path}: module {module_id!r}"
    course = loaded.spec.course.id if loaded.spec.course else None
    if module.sources and module.canvas_module is not None:
        return ModuleSource(problems=[f"{where}: give either sources or canvas_module, not both"])
    if module.sources:
        return _expand_sources(loaded, where, module.sources)
    if module.canvas_module is not None:
        if course is None:
            return ModuleSource(
                problems=[
                    f"{where}, canvas_module: needs the Canvas course too; add [course] id = "
                    "<course id> (`quizgen canvas courses` lists yours)"
                ]
            )
        return ModuleSource(canvas=(course, module.canvas_module))
    if content_dir is not None:
        found = sorted(
            path
            for path in content_dir.glob(f"{glob.escape(module_id)}.*")
            if path.suffix.lower() in SUPPORTED_SUFFIXES and path.is_file()
        )
        if found:
            return ModuleSource(files=[(path, str(path)) for path in found])
        return ModuleSource(
            problems=[
                f"{where}: no file named {module_id}.* with a supported extension "
                f"({', '.join(sorted(SUPPORTED_SUFFIXES))}) in --content-dir {content_dir}"
            ]
        )
    if course is not None:
        if not module_id.isdigit():
            return ModuleSource(
                problems=[
                    f"{where}: has no sources, so its content would come from the Canvas module "
                    f"with this id, but {module_id!r} is not a Canvas module id; set "
                    "canvas_module = <id> (`quizgen canvas modules COURSE` lists them), add "
                    "sources, or pass --content-dir DIR"
                ]
            )
        return ModuleSource(canvas=(course, int(module_id)))
    return ModuleSource(
        problems=[
            f'{where}, sources: the module lists no content; add sources = ["file.md", ...] '
            "(paths, folders or patterns relative to the spec), canvas_module = <id> with "
            "[course] id, or pass --content-dir DIR holding a file named after the module id"
        ]
    )


def _expand_sources(loaded: LoadedSpec, where: str, sources: list[str]) -> ModuleSource:
    """Files as given; folders and glob patterns expanded to their supported files, sorted."""
    found = ModuleSource()
    seen: set[Path] = set()
    for index, source in enumerate(sources, start=1):
        field_name = f"{where}, sources[{index}]"
        raw = Path(source).expanduser()
        path = raw if raw.is_absolute() else loaded.base_dir / raw
        is_pattern = bool(_GLOB_CHARS.intersection(source))
        if not is_pattern and not path.is_dir():
            if path not in seen:
                seen.add(path)
                found.files.append((path, source))
            continue
        if is_pattern:
            base = "" if raw.is_absolute() else glob.escape(str(loaded.base_dir)) + "/"
            matches = [Path(p) for p in glob.glob(base + str(raw), recursive=True)]
            what = f"pattern {source!r}"
        else:
            matches = [p for p in path.rglob("*")]
            what = f"folder {source!r}"
        matches = sorted(p for p in matches if p.is_file() and not _hidden(p, path))
        usable = [p for p in matches if p.suffix.lower() in SUPPORTED_SUFFIXES]
        ignored = [p for p in matches if p.suffix.lower() not in SUPPORTED_SUFFIXES]
        if not usable:
            extra = f" ({len(ignored)} file(s) of other types)" if ignored else ""
            found.problems.append(
                f"{field_name}: {what} matches no file quizgen can read{extra}; supported "
                f"types are {', '.join(SUPPORTED_SUFFIXES)}"
            )
            continue
        if ignored:
            names = ", ".join(_display(p, loaded.base_dir) for p in ignored[:5])
            more = f" and {len(ignored) - 5} more" if len(ignored) > 5 else ""
            found.warnings.append(f"{what}: skipped files of unsupported types: {names}{more}")
        for match in usable:
            if match not in seen:
                seen.add(match)
                found.files.append((match, _display(match, loaded.base_dir)))
    return found


def _hidden(path: Path, root: Path) -> bool:
    """Dot files and Office lock files (~$lecture.docx) are never course content."""
    return path.name.startswith((".", "~$"))


def _display(path: Path, base_dir: Path) -> str:
    try:
        return str(path.relative_to(base_dir))
    except ValueError:
        return str(path)


def read_modules(loaded: LoadedSpec, content_dir: Path | None) -> dict[str, ModuleContent]:
    """Every module's content, or one `ContentError` listing every problem found."""
    texts = read_module_texts(loaded, content_dir)
    return {module_id: text.content for module_id, text in texts.items()}


def read_module_texts(loaded: LoadedSpec, content_dir: Path | None) -> dict[str, ModuleText]:
    """Every module's content and origin, budgeted; one `ContentError` lists every problem."""
    texts, problems = collect_module_texts(loaded, content_dir)
    if problems:
        raise ContentError(
            "module content cannot be read:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return texts


def collect_module_texts(
    loaded: LoadedSpec, content_dir: Path | None
) -> tuple[dict[str, ModuleText], list[str]]:
    """The modules whose content could be read, and a located problem for each that could not.

    `create` (through `read_module_texts`) and `validate` both read content here, so a spec
    `validate` passes is one whose content `create` can read: same files, same decoding, same
    extras, same `[content]` budget. Local files are read first; Canvas modules are then
    pulled concurrently with one client. A Canvas failure that may pass (throttling, 5xx after
    retries) is raised as the client's `CanvasError` (exit 1) rather than a content problem,
    since the spec is not at fault.
    """
    settings = loaded.spec.content
    problems: list[str] = []
    sections: dict[str, list[Section]] = {}
    warnings: dict[str, list[str]] = {}
    canvas: dict[str, tuple[int, int]] = {}
    for module_id, module in loaded.spec.modules.items():
        where = f"{loaded.path}: module {module_id!r}"
        source = locate_module(loaded, module_id, module, content_dir)
        problems += source.problems
        warnings[module_id] = list(source.warnings)
        if source.canvas:
            canvas[module_id] = source.canvas
            continue
        module_sections: list[Section] = []
        for index, (path, display) in enumerate(source.files, start=1):
            try:
                section, file_warnings = read_file(
                    path, display_name=display, slide_notes=settings.slide_notes
                )
            except ContentError as exc:
                field_name = f"sources[{index}]" if module.sources else "--content-dir"
                if module.sources and len(source.files) != len(module.sources):
                    field_name = "sources"  # expanded from folders or patterns
                problems.append(f"{where}, {field_name}: {exc.message}")
                continue
            module_sections.append(section)
            warnings[module_id] += file_warnings
        if source.files and len(module_sections) == len(source.files):
            sections[module_id] = module_sections
    if canvas:
        pulled, canvas_problems = _pull_canvas(loaded, canvas, settings)
        problems += canvas_problems
        for module_id, (module_sections, module_warnings) in pulled.items():
            warnings[module_id] += module_warnings
            if module_sections:
                sections[module_id] = module_sections
            else:
                course, module = canvas[module_id]
                shown = "; ".join(module_warnings) or "the module has no items"
                problems.append(
                    f"{loaded.path}: module {module_id!r} (Canvas module {module} of course "
                    f"{course}): no text to make questions from ({shown})"
                )
    texts: dict[str, ModuleText] = {}
    for module_id, module_sections in sections.items():
        where = f"{loaded.path}: module {module_id!r}"
        fitted, budget_warning, budget_problem = fit_budget(module_sections, settings, where)
        if budget_problem:
            problems.append(budget_problem)
            continue
        if budget_warning:
            warnings[module_id].append(budget_warning)
        origin: Origin = "canvas" if module_id in canvas else "local"
        texts[module_id] = ModuleText(assemble(fitted, tuple(warnings[module_id])), origin)
    ordered = {
        module_id: texts[module_id] for module_id in loaded.spec.modules if module_id in texts
    }
    return ordered, problems


def _pull_canvas(
    loaded: LoadedSpec, wanted: dict[str, tuple[int, int]], settings: ContentSpec
) -> tuple[dict[str, tuple[list[Section], list[str]]], list[str]]:
    """Pull every Canvas module at once; (sections, warnings) per module and located problems."""
    import anyio

    from quizgen.canvas.client import CanvasClient, CanvasError
    from quizgen.content.canvas import pull_module

    results: dict[str, tuple[list[Section], list[str]]] = {}
    problems: list[str] = []
    failures: list[CanvasError] = []

    async def pull(client: CanvasClient, module_id: str, course: int, module: int) -> None:
        try:
            got = await pull_module(client, course, module, slide_notes=settings.slide_notes)
        except CanvasError as exc:
            if exc.status == 404:
                problems.append(
                    f"{loaded.path}: module {module_id!r}: Canvas has no module {module} in "
                    f"course {course} that this token can see ({exc.message})"
                )
            else:
                failures.append(exc)
            return
        results[module_id] = (got.sections, got.warnings)

    async def pull_all() -> None:
        async with CanvasClient.from_settings() as client, anyio.create_task_group() as group:
            for module_id, (course, module) in wanted.items():
                group.start_soon(pull, client, module_id, course, module)

    try:
        anyio.run(pull_all)
    except ConfigError as exc:
        names = ", ".join(repr(m) for m in wanted)
        return {}, [f"{loaded.path}: module(s) {names} come from Canvas, but {exc.message}"]
    if failures:
        # A bad token or an outage concerns every module alike: say it once.
        worst = next((f for f in failures if f.exit_code == 2), failures[0])
        raise worst
    return {m: results[m] for m in wanted if m in results}, problems


def fit_budget(
    sections: list[Section], settings: ContentSpec, where: str
) -> tuple[list[Section], str | None, str | None]:
    """Keep a module within `[content] max_chars`: (sections, warning, problem).

    Over the budget, `on_overflow = "truncate"` keeps whole sections while they fit and cuts the
    first that does not at a paragraph break, saying what went; `"error"` refuses with a hint.
    """
    limit = settings.max_chars
    total = _length(sections)
    if total <= limit:
        return sections, None, None
    if settings.on_overflow == "error":
        return (
            sections,
            None,
            f"{where}: content is {total:,} characters, over [content] max_chars = {limit:,}; "
            'split its sources across modules, raise max_chars, or set on_overflow = "truncate"',
        )
    kept: list[Section] = []
    cut_source = ""
    for section in sections:
        room = limit - _length(kept) - (len(SECTION_SEPARATOR) if kept else 0)
        if len(section.text) <= room:
            kept.append(section)
            continue
        if text := _cut(section.text, room):
            kept.append(Section(section.source, text))
        cut_source = section.source
        break
    used = _length(kept)
    dropped = [s.source for s in sections[len(kept) :]]
    if dropped and dropped[0] == cut_source:
        dropped = dropped[1:]
    parts = [f"cut {cut_source!r} short"]
    if dropped:
        parts.append(f"left out {', '.join(repr(d) for d in dropped)}")
    return (
        kept,
        f"content is {total:,} characters, over [content] max_chars = {limit:,}: kept the "
        f"first {used:,}, {' and '.join(parts)}",
        None,
    )


def _length(sections: list[Section]) -> int:
    return sum(len(s.text) for s in sections) + len(SECTION_SEPARATOR) * max(0, len(sections) - 1)


def _cut(text: str, room: int) -> str:
    """`text` cut to at most `room` characters, at a paragraph, line or word break if any."""
    if room <= 0:
        return ""
    head = text[:room]
    for breaker in ("\n\n", "\n", " "):
        at = head.rfind(breaker)
        if at > room // 2:
            return head[:at].rstrip()
    return head.rstrip()
