"""The layering rules that the folder layout promises, checked."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import desktop_chat

PACKAGE = Path(desktop_chat.__file__).parent
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "shiboken2")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_sources_import_no_qt() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in _imported_modules(path) if name.split(".")[0] in QT_MODULES
        )
        for path in (PACKAGE / "core").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_only_ui_imports_qt() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts
        and any(name.split(".")[0] in QT_MODULES for name in _imported_modules(path))
    ]
    assert offenders == []


def test_core_runs_with_qt_missing() -> None:
    """Importing every core module with PySide6 made unimportable must still work."""
    modules = sorted(
        "desktop_chat.core." + ".".join(path.relative_to(PACKAGE / "core").with_suffix("").parts)
        for path in (PACKAGE / "core").rglob("*.py")
        if path.name != "__init__.py"
    )
    script = (
        "import sys, importlib\n"
        f"for name in {QT_MODULES!r}: sys.modules[name] = None\n"
        f"for module in {modules!r}: importlib.import_module(module)\n"
        "print('ok', len(" + repr(modules) + "))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_the_import_contracts_hold() -> None:
    """The layers in pyproject's [tool.importlinter]: Qt out of core, ui above core, and more."""
    # In a process of its own: import-linter configures logging, which would silence ours.
    config = str(PACKAGE.parent / "pyproject.toml")
    script = (
        "import sys\n"
        "from importlinter.cli import lint_imports\n"
        f"sys.exit(lint_imports(config_filename={config!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


#: The only modules that may start threads: the GUI thread must never wait on one it did not
#: hand to a worker, and every other module stays single-threaded.
THREAD_STARTERS = {
    "ui/workers/streamer.py",  # one QThread per streaming reply
    "ui/workers/background.py",  # one-off calls (model lists, keyring, imports)
    "core/client/_exchange.py",  # the helper that makes an HTTP exchange cancellable
    "core/client/discovery.py",  # probes local ports side by side
    "core/client/demo_server.py",  # the built-in demo server
    "core/history/recorder.py",  # saves a streaming reply through pauses
    "core/markdown/math.py",  # reads the formula typesetter's answers within a deadline
    "ui/workers/attacher.py",  # prepares attached files one at a time, off the GUI thread
    "core/tools/link.py",  # one event loop per tool server, for the asynchronous MCP SDK
}
THREAD_NAMES = ("threading", "QThread", "QThreadPool", "ThreadPoolExecutor", "ThreadingHTTPServer")


def _starts_threads(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("Thread", "Timer")
            and isinstance(node.value, ast.Name)
            and node.value.id == "threading"
        ):
            return True
        if isinstance(node, ast.Name) and node.id in THREAD_NAMES[1:]:
            return True
    return False


def test_only_the_allowed_modules_start_threads() -> None:
    starters = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if _starts_threads(path)
    }
    assert starters == THREAD_STARTERS


def _type_checking_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, (ast.Import, ast.ImportFrom)):
                    names.update(a.asname or a.name.split(".")[-1] for a in statement.names)
    return names


def test_names_imported_for_the_type_checker_only_are_not_used_at_run_time() -> None:
    # Modules loaded after the first paint are imported under TYPE_CHECKING for annotations; an
    # isinstance() or a call on such a name is a NameError waiting for its first user.
    misuses = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _type_checking_names(tree)
        if not names:
            continue
        in_annotations = {
            id(inner)
            for node in ast.walk(tree)
            for field in ("annotation", "returns")
            if getattr(node, field, None) is not None
            for inner in ast.walk(getattr(node, field))
        }
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            imported_here = {
                alias.asname or alias.name.split(".")[-1]
                for statement in ast.walk(function)
                if isinstance(statement, (ast.Import, ast.ImportFrom))
                for alias in statement.names
            }
            misuses += [
                f"{path.relative_to(PACKAGE)}:{node.lineno} {node.id}"
                for node in ast.walk(function)
                if isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id in names - imported_here
                and id(node) not in in_annotations
            ]
    assert misuses == []
