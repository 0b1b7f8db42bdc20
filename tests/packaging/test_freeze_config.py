"""Which collected Qt files the frozen app keeps."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from appinfo import PROJECT_ROOT
from freeze_config import EXCLUDED_MODULES, QT_HOOKED_MODULES, keep_collected_file, write_qt_hooks


@pytest.mark.parametrize(
    "path",
    [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6\\plugins\\platforms\\qwindows.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "httpx/__init__.pyc",
    ],
)
def test_kept(path: str) -> None:
    assert keep_collected_file(path)


@pytest.mark.parametrize(
    "path",
    [
        "PySide6/Qt/plugins/platforms/libqwayland-egl.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/sqldrivers/libqsqlite.so",
        "PySide6/Qt/plugins/qmltooling/libqmldbg_debugger.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6\\plugins\\tls\\qschannelbackend.dll",
        "PySide6/Qt/translations/qtdeclarative_de.qm",
    ],
)
def test_dropped(path: str) -> None:
    assert not keep_collected_file(path)


def test_hooks_are_written_for_each_module_and_compile(tmp_path: Path) -> None:
    directory = write_qt_hooks(tmp_path / "hooks")
    hooks = sorted(path.name for path in directory.iterdir())
    assert hooks == sorted(f"hook-PySide6.{module}.py" for module in QT_HOOKED_MODULES)
    for hook in directory.iterdir():
        source = hook.read_text(encoding="utf-8")
        compile(source, str(hook), "exec")
        assert "keep_collected_file" in source


def test_the_app_imports_nothing_the_freeze_leaves_out() -> None:
    package = PROJECT_ROOT / "desktop_chat"
    imported: set[str] = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
    excluded = set(EXCLUDED_MODULES)
    clashes = {
        name
        for name in imported
        if any(name == gone or name.startswith(gone + ".") for gone in excluded)
    }
    assert clashes == set()
