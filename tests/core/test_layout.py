"""The layout: the core never imports an app (CONVENTIONS), apps register through the registry, and
every use case has the same shape."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from baraza.registry import Registry, load_apps
from baraza.settings import DEFAULT_APPS, PROJECT_ROOT

CORE = PROJECT_ROOT / "baraza"
APPS = tuple(DEFAULT_APPS)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            # importlib.import_module("surveys...") with a literal name is an import too.
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def test_the_core_never_imports_an_app():
    modules = sorted(CORE.rglob("*.py"))
    assert len(modules) > 10
    offences = [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {name}"
        for path in modules
        for line, name in _imports(path)
        if name.split(".")[0] in APPS
    ]
    assert not offences, offences



def test_participation_never_imports_governance():
    """Governance sits on participation: its gate reads the notices, its override writes a consent
    record, its exports and purge read and erase participants. The other way round is a circle."""
    offences = [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {name}"
        for path in sorted((CORE / "participation").rglob("*.py"))
        for line, name in _imports(path)
        if name == "baraza.governance" or name.startswith("baraza.governance.")
    ]
    assert not offences, offences

def test_the_check_itself_catches_an_app_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom surveys.models import Survey\nimport tracker\nimportlib.import_module('insights.x')\n")
    assert [name for _, name in _imports(bad) if name.split(".")[0] in APPS] == ["surveys.models", "tracker", "insights.x"]


def test_apps_register_through_the_registry():
    registry = load_apps(DEFAULT_APPS)
    assert isinstance(registry, Registry)
    assert set(APPS) <= set(registry.apps)
    mounts = {spec.mount for spec in registry.apps.values()}
    assert len(mounts) == len(registry.apps)  # no two apps share a mount


def test_no_package_named_platform_shadows_the_standard_library():
    import platform

    assert not (PROJECT_ROOT / "platform").exists()
    assert platform.__file__ and "site-packages" not in platform.__file__
    assert "platform/" in (PROJECT_ROOT / "README.md").read_text()


def _view_modules() -> list[Path]:
    """Every `views.py`, and every module of a `views/` package (surveys splits its views by audience)."""
    roots = [CORE, *(PROJECT_ROOT / app for app in APPS)]
    return sorted(p for root in roots for pattern in ("views.py", "views/*.py") for p in root.rglob(pattern))


def _calls_in(path: Path) -> list[str]:
    """Method names a module calls on anything, e.g. "commit" for `session.commit()`."""
    return [
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]


def test_views_neither_write_nor_fetch_records_by_id_themselves():
    """CONVENTIONS: views parse, call a use case or a permission-checked getter, and render.
    A view that commits, adds rows or calls `session.get(Model, id)` bypasses both."""
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): sorted({c for c in _calls_in(path) if c in {"commit", "add", "add_all", "flush"}})
        for path in _view_modules()
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    fetches = [str(p.relative_to(PROJECT_ROOT)) for p in _view_modules() if "session.get(" in p.read_text() or ").get(Model" in p.read_text()]
    assert fetches == []
    assert len(_view_modules()) >= 6  # the scan really looked at the views


def test_the_view_scan_catches_a_commit(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("def v(request):\n    session.add(x)\n    session.commit()\n")
    assert {"add", "commit"} <= set(_calls_in(sample))


# Use cases: `do_<verb>_<noun>(session, actor, ...)` (CONVENTIONS, docs/architecture.md) ---------

def _use_case_problems(path: Path) -> list[str]:
    """Module-level `do_*` functions whose first two parameters are not `session, actor`, or whose
    name has fewer than two words after `do_` (a verb and a noun)."""
    problems = []
    for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.name.startswith("do_"):
            continue
        shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        where = f"{shown}:{node.lineno} {node.name}"
        parameters = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if parameters[:2] != ["session", "actor"]:
            problems.append(f"{where} takes ({', '.join(parameters[:2])}, ...), not (session, actor, ...)")
        if len([word for word in node.name.removeprefix("do_").split("_") if word]) < 2:
            problems.append(f"{where} names no verb and noun")
    return problems


@pytest.mark.parametrize(
    "root",
    ["baraza", *DEFAULT_APPS],
)
def test_every_use_case_is_do_verb_noun_of_session_and_actor(root):
    modules = sorted((PROJECT_ROOT / root).rglob("*.py"))
    assert modules, root
    problems = [problem for path in modules for problem in _use_case_problems(path)]
    assert problems == []


def test_the_use_case_scan_catches_a_wrong_shape(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text(
        "def do_withdraw(session, actor): ...\n"
        "def do_save_screen(session, settings, actor): ...\n"
        "async def do_vote_now(participant, session, actor): ...\n"
        "def do_join_consultation(session, actor, *, code): ...\n"
        "class Fine:\n    def do_it(self): ...\n"
    )
    assert [problem.split(" ", 1)[1] for problem in _use_case_problems(sample)] == [
        "do_withdraw names no verb and noun",
        "do_save_screen takes (session, settings, ...), not (session, actor, ...)",
        "do_vote_now takes (participant, session, ...), not (session, actor, ...)",
    ]
