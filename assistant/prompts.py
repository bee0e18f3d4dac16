"""Prompt templates for LLM mode: loading, start-up checking, and fencing the passages.

Templates are plain-text files in ``prompts/`` (``<name>.<language>.txt``) filled with
``str.format``, so deployers can edit the wording without touching code; a literal
brace must be written ``{{`` / ``}}``.
"""
from __future__ import annotations

import string
from collections.abc import Sequence
from pathlib import Path

from assistant.retrieve import Passage
from assistant.settings import PROMPTS_DIR

LANGUAGES = ("zh", "en")
REQUIRED_PLACEHOLDERS: dict[str, set[str]] = {
    "answer": {"question", "passages"},
    "rewrite": {"history", "question"},
    "system": set(),
}

# Passage text must not be able to close (or open) a fence, so angle brackets become
# full-width look-alikes; a quote would end an attribute value early.
_TEXT_ESCAPES = str.maketrans({"<": "＜", ">": "＞"})
_ATTRIBUTE_ESCAPES = str.maketrans({"<": "＜", ">": "＞", '"': "＂", "\n": " "})


class PromptError(ValueError):
    """A prompt file is missing, unreadable or has the wrong placeholders."""


def prompt_path(name: str, language: str, prompts_dir: Path = PROMPTS_DIR) -> Path:
    return Path(prompts_dir) / f"{name}.{language}.txt"


def load_prompt(name: str, language: str, prompts_dir: Path = PROMPTS_DIR) -> str:
    path = prompt_path(name, language, prompts_dir)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PromptError(f"cannot read prompt file {path}: {error}") from error


def fill_prompt(name: str, language: str, prompts_dir: Path = PROMPTS_DIR, **values: str) -> str:
    """A template filled with ``values``; a bad template raises ``PromptError``, not KeyError."""
    template = load_prompt(name, language, prompts_dir)
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as error:
        path = prompt_path(name, language, prompts_dir)
        raise PromptError(f"{path}: cannot fill the template ({type(error).__name__}: {error})") from error


def placeholders(template: str, path: Path | str = "<template>") -> set[str]:
    """The ``{names}`` a template uses (raises ``PromptError`` on an unescaped brace)."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError as error:
        raise PromptError(f"{path}: {error} (write a literal brace as {{{{ or }}}})") from error


def check_prompts(prompts_dir: Path = PROMPTS_DIR) -> None:
    """Fail fast at start-up, naming each bad file, instead of failing on the first question."""
    problems = []
    for name, required in REQUIRED_PLACEHOLDERS.items():
        for language in LANGUAGES:
            try:
                _check_prompt(name, language, required, prompts_dir)
            except PromptError as error:
                problems.append(str(error))
    if problems:
        raise PromptError("\n".join(problems))


def _check_prompt(name: str, language: str, required: set[str], prompts_dir: Path) -> None:
    path = prompt_path(name, language, prompts_dir)
    found = placeholders(load_prompt(name, language, prompts_dir), path)
    if missing := sorted(required - found):
        raise PromptError(f"{path}: missing placeholder {_braced(missing)}")
    if unknown := sorted(found - required):
        raise PromptError(f"{path}: unknown placeholder {_braced(unknown)} "
                          f"(allowed: {_braced(sorted(required)) or 'none'}; write a literal brace as {{{{ or }}}})")


def render_passages(passages: Sequence[Passage]) -> str:
    """Passages numbered 1..n, each fenced so the model can tell document data from instructions."""
    return "\n\n".join(_render_passage(n, passage) for n, passage in enumerate(passages, start=1))


def _render_passage(number: int, passage: Passage) -> str:
    chunk = passage.chunk
    source = f"{chunk.title}（{chunk.doc_number}）" if chunk.doc_number else chunk.title
    attributes = {"n": str(number), "source": source, "jurisdiction": chunk.jurisdiction, "section": chunk.section}
    rendered = " ".join(f'{key}="{value.translate(_ATTRIBUTE_ESCAPES)}"' for key, value in attributes.items() if value)
    return f"<passage {rendered}>\n{chunk.text.translate(_TEXT_ESCAPES)}\n</passage>"


def _braced(names: list[str]) -> str:
    return ", ".join("{" + name + "}" for name in names)
