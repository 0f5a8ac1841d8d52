"""Finding and reading each module's content for a spec, with errors that say where.

Native specs list `sources` per module (paths relative to the spec file's folder). The original
JSON body names no files: its modules' content is read from `--content-dir DIR`, one or more
files named after the module id with any supported extension.
"""

from __future__ import annotations

from pathlib import Path

from quizgen.content import ModuleContent, Section, assemble
from quizgen.content.files import SUPPORTED_SUFFIXES, extract_file
from quizgen.errors import ContentError
from quizgen.spec import LoadedSpec, ModuleSpec


def module_files(
    loaded: LoadedSpec, module_id: str, module: ModuleSpec, content_dir: Path | None
) -> tuple[list[tuple[Path, str]], list[str]]:
    """The (path, display name) pairs of a module, and located problems finding them."""
    where = f"{loaded.path}: module {module_id!r}"
    if module.sources:
        files = []
        for source in module.sources:
            path = Path(source).expanduser()
            files.append((path if path.is_absolute() else loaded.base_dir / path, source))
        return files, []
    if content_dir is not None:
        found = sorted(
            path
            for path in content_dir.glob(f"{module_id}.*")
            if path.suffix.lower() in SUPPORTED_SUFFIXES and path.is_file()
        )
        if found:
            return [(path, str(path)) for path in found], []
        return [], [
            f"{where}: no file named {module_id}.* with a supported extension "
            f"({', '.join(sorted(SUPPORTED_SUFFIXES))}) in --content-dir {content_dir}"
        ]
    return [], [
        f'{where}, sources: the module lists no content; add sources = ["file.md", ...] '
        "(paths relative to the spec) or pass --content-dir DIR holding a file named after "
        "the module id"
    ]


def read_modules(loaded: LoadedSpec, content_dir: Path | None) -> dict[str, ModuleContent]:
    """Every module's content, or one `ContentError` listing every problem found."""
    problems: list[str] = []
    contents: dict[str, ModuleContent] = {}
    for module_id, module in loaded.spec.modules.items():
        files, missing = module_files(loaded, module_id, module, content_dir)
        problems.extend(missing)
        sections: list[Section] = []
        for index, (path, display) in enumerate(files, start=1):
            try:
                sections.append(extract_file(path, display_name=display))
            except ContentError as exc:
                field = f"sources[{index}]" if module.sources else "--content-dir"
                problems.append(f"{loaded.path}: module {module_id!r}, {field}: {exc.message}")
        if files and len(sections) == len(files):
            contents[module_id] = assemble(sections)
    if problems:
        raise ContentError(
            "module content cannot be read:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return contents
