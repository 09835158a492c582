"""The layout: the core never imports an app (CONVENTIONS), and apps register through the registry."""

from __future__ import annotations

import ast
from pathlib import Path

from baraza.registry import Registry, load_apps
from baraza.settings import DEFAULT_APPS, PROJECT_ROOT

CORE = PROJECT_ROOT / "baraza"
APPS = ("surveys", "workshops", "insights", "tracker")


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
