"""The package's import structure: no import cycle, and no module reaching for another module's private names.

Every module of ``generator/`` is read with ``ast`` (nothing is imported), and every
import counts wherever it is written: at module level, inside a function, under
``TYPE_CHECKING``, relative or absolute.  An import inside a function still ties the
two modules together (each needs the other to be understood), so a cycle through one
is a cycle.  A package's ``__init__`` is a module too: ``from generator.site import x``
where ``x`` is not a submodule imports ``generator/site/__init__.py``, so a submodule
that imports its own package back while the package imports it is a cycle as well.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "generator"


@dataclass(frozen=True)
class Module:
    name: str  # dotted: generator.site.api; a package is named by its folder (generator.site)
    path: Path
    is_package: bool
    tree: ast.Module


def project_modules(package: Path = PACKAGE) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        modules[name] = Module(name, path, is_package, ast.parse(path.read_text("utf-8"), str(path)))
    return modules


def _base(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module an ``from … import`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    anchor = package[: len(package) - (node.level - 1)]
    return ".".join([*anchor, *([node.module] if node.module else [])])


def _existing(name: str, modules: dict[str, Module]) -> str | None:
    """``name`` or its longest prefix that is a project module."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


@dataclass(frozen=True)
class Imported:
    target: str  # the project module the import depends on
    name: str | None  # the name taken from it (``from target import name``), if any
    line: int


def imports_of(module: Module, modules: dict[str, Module]) -> Iterator[Imported]:
    """Every project module ``module`` imports, anywhere in the file."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _existing(alias.name, modules)
                if target is not None:
                    yield Imported(target, None, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:  # ``from package import submodule``
                    yield Imported(submodule, None, node.lineno)
                    continue
                target = _existing(base, modules)
                if target is not None:
                    yield Imported(target, alias.name, node.lineno)


def import_graph(modules: dict[str, Module]) -> dict[str, set[str]]:
    return {name: {i.target for i in imports_of(module, modules) if i.target != name} for name, module in modules.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_aliases(module: Module, modules: dict[str, Module]) -> dict[str, str]:
    """Local names bound to project modules: ``import a.b as x``, ``from a import b`` (b a module), ``import a.b`` (binds ``a``)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in modules:
                    aliases[alias.asname] = alias.name
                elif not alias.asname and alias.name.split(".")[0] in modules:
                    aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, node)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
    return aliases


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _own_private_names(module: Module) -> set[str]:
    """Private names ``module`` defines itself: functions, classes, assignments, attributes it sets on anything."""
    names: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {name for name in names if _private(name)}


def private_uses(module: Module, modules: dict[str, Module]) -> Iterator[str]:
    """``from other import _name``, ``other._name`` on a project module, and ``thing._name`` of a name ``module`` never defines."""
    for imported in imports_of(module, modules):
        if imported.name is not None and _private(imported.name) and imported.target != module.name:
            yield f"{module.path.relative_to(ROOT)}:{imported.line}: from {imported.target} import {imported.name}"
    aliases = _module_aliases(module, modules)
    imported_names = {alias.asname or alias.name.split(".")[0] for node in ast.walk(module.tree)
                      if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    own = _own_private_names(module)
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Attribute) or not _private(node.attr):
            continue
        where = f"{module.path.relative_to(ROOT)}:{node.lineno}"
        owner = _dotted(node.value)
        if owner is not None and (owner in aliases or owner in modules):
            target = aliases.get(owner, owner)
            if target != module.name:
                yield f"{where}: {target}.{node.attr}"
            continue
        root = owner.split(".")[0] if owner else None
        if root in {"self", "cls"} or (root in imported_names and root not in aliases):
            continue  # the object's own attribute, or a third-party module's (``os._exit``)
        if node.attr not in own:
            yield f"{where}: {ast.unparse(node)} (a private attribute defined in another module)"


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    """The real package, read when a test asks (not at collection, which every xdist worker repeats)."""
    return project_modules()


def test_the_walk_sees_every_kind_of_import() -> None:
    """The walker itself: function-level, TYPE_CHECKING and relative imports all count."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import sibling\n"
        "from .sibling import thing\n"
        "if TYPE_CHECKING:\n    from generator.errors import Diagnostic\n"
        "def f():\n    import generator.clock\n    from generator.render.markdown import _parser\n    return generator.clock._x\n"
    )
    modules = {
        "generator": Module("generator", PACKAGE / "__init__.py", True, ast.parse("")),
        "generator.pkg": Module("generator.pkg", PACKAGE / "pkg" / "__init__.py", True, ast.parse("")),
        "generator.pkg.sibling": Module("generator.pkg.sibling", PACKAGE / "pkg" / "sibling.py", False, ast.parse("")),
        "generator.pkg.user": Module("generator.pkg.user", PACKAGE / "pkg" / "user.py", False, ast.parse(source)),
        "generator.errors": Module("generator.errors", PACKAGE / "errors.py", False, ast.parse("")),
        "generator.clock": Module("generator.clock", PACKAGE / "clock.py", False, ast.parse("")),
        "generator.render": Module("generator.render", PACKAGE / "render" / "__init__.py", True, ast.parse("")),
        "generator.render.markdown": Module("generator.render.markdown", PACKAGE / "render" / "markdown.py", False, ast.parse("")),
    }
    graph = import_graph(modules)
    assert graph["generator.pkg.user"] == {"generator.pkg.sibling", "generator.errors", "generator.clock", "generator.render.markdown"}
    problems = list(private_uses(modules["generator.pkg.user"], modules))
    assert any("import _parser" in p for p in problems) and any("generator.clock._x" in p for p in problems), problems


def test_a_package_importing_a_submodule_that_imports_it_back_is_a_cycle() -> None:
    modules = {
        "generator.site": Module("generator.site", PACKAGE / "site" / "__init__.py", True, ast.parse("from generator.site.api import x\n")),
        "generator.site.api": Module("generator.site.api", PACKAGE / "site" / "api.py", False,
                                     ast.parse("def f():\n    from generator.site import page_path\n")),
    }
    assert strongly_connected(import_graph(modules)) == [["generator.site", "generator.site.api"]]


def test_the_walk_reads_the_real_package(modules: dict[str, Module]) -> None:
    assert len(modules) > 40 and "generator.cli" in modules


def test_no_import_cycle_in_generator(modules: dict[str, Module]) -> None:
    cycles = strongly_connected(import_graph(modules))
    assert not cycles, "modules that import each other (directly or in a loop):\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_no_module_uses_another_modules_private_names(modules: dict[str, Module]) -> None:
    problems = [problem for module in modules.values() for problem in private_uses(module, modules)]
    assert not problems, "private names of another module:\n" + "\n".join(problems)
