"""Architecture rules a newcomer can rely on: no import circle among the project's modules
(counting imports inside functions too), and the shared answer types import no stage."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ingest")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports() -> dict[str, set[str]]:
    modules = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            targets |= {c for c in candidates if c in modules and c != name}
        graph[name] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            # a package's __init__ importing its own submodules is not a circle
            if target.startswith(node + "."):
                continue
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if not state.get(target):
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if not state.get(node):
            found = visit(node)
            if found:
                return found
    return []


def test_no_import_circle():
    cycle = find_cycle(project_imports())
    assert not cycle, " → ".join(cycle)


def test_answer_types_import_no_answer_stage():
    imported = project_imports()["assistant.types"]
    assert imported <= {"assistant.retrieve"}, imported


def test_public_api_answer_survives_submodule_imports():
    import importlib

    import assistant

    function = assistant.answer
    for name in ("assistant.engine", "assistant.compose", "assistant.answers", "assistant.types"):
        importlib.import_module(name)
    assert assistant.answer is function and callable(assistant.answer)
