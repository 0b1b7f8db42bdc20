"""The window's tool servers: started on a reply's thread when it first needs them, kept running
for the next replies, stopped when the window closes, and the chat's choice of servers.

Nothing here loads the MCP SDK on the GUI thread: the links are made on the first reply that
uses tools, on its worker thread. "Always allow" answers are saved in the settings, per server
and tool, and Settings → Tools can revoke them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from desktop_chat.core.chat.options import ChatOptions
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.ui.common.icons import action_icon

if TYPE_CHECKING:
    from desktop_chat.core.chat.tool_links import ToolLinks
    from desktop_chat.core.chat.toolbox import Approver, Toolbox
    from desktop_chat.ui.workers.streamer import ToolboxMaker

__all__ = ["ToolsButton", "WindowTools"]


class WindowTools:
    """The tool servers of one window.

    Args:
        settings: the window's settings (read by replies' threads: servers, answers, limits).
        secrets: where secret headers are read, on the reply's thread.
        save: saves the settings after an "Always allow" (GUI thread).
    """

    def __init__(self, settings: Settings, secrets: SecretStore, save: Callable[[], None]) -> None:
        self.settings = settings
        self._secrets = secrets
        self._save = save
        self._links: ToolLinks | None = None
        self._lock = threading.Lock()

    def maker_for(self, options: ChatOptions) -> ToolboxMaker | None:
        """What makes a reply's toolbox for a chat with ``options`` (None: it uses no tools)."""
        names = tuple(
            name for name in options.tool_servers if self.settings.tool_server(name) is not None
        )
        if not names:
            return None
        settings = self.settings

        def make(approve: Approver) -> Toolbox | None:
            from desktop_chat.core.chat.toolbox import Toolbox  # noqa: PLC0415 - tools load late

            links, problems = self._ensure_links().links(settings, names)
            toolbox = Toolbox(
                links,
                approve,
                always_allowed=self.always_allowed,
                timeout=settings.tool_timeout,
                step_limit=settings.tool_step_limit,
            )
            toolbox.problems += problems
            return toolbox

        return make

    def _ensure_links(self) -> ToolLinks:
        from desktop_chat.core.chat.tool_links import ToolLinks  # noqa: PLC0415 - the MCP SDK

        with self._lock:
            if self._links is None:
                self._links = ToolLinks(self._secrets)
            return self._links

    def always_allowed(self, server: str, tool: str) -> bool:
        """Whether ``server``'s ``tool`` runs without asking (any thread)."""
        config = self.settings.tool_server(server)
        return config is not None and tool in config.always_allowed

    def allow_always(self, server: str, tool: str) -> None:
        """Remember that ``server``'s ``tool`` runs without asking, and save."""
        config = self.settings.tool_server(server)
        if config is None:
            return
        self.settings.replace_tool_server(config.with_allowed(tool, True))
        self._save()

    def close(self) -> None:
        """Stop every server this window started (it may wait for them to exit)."""
        with self._lock:
            links, self._links = self._links, None
        if links is not None:
            links.close()


class ToolsButton(QToolButton):
    """The toolbar's "Tools" button: which of the set-up servers the chat on screen uses.

    Signals:
        servers_chosen(object): the tuple of server names the chat now uses.
        settings_requested(): the user wants to set up servers.
    """

    servers_chosen = Signal(object)
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolsButton")
        self.setIcon(action_icon("tools"))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setAccessibleName(self.tr("Tools for this chat"))
        self.setToolTip(self.tr("Which tool servers the model may use in this chat"))
        self._menu = QMenu(self)
        self._menu.setObjectName("toolsMenu")
        self.setMenu(self._menu)
        self._chosen: tuple[str, ...] = ()
        self._available: list[str] = []
        self.show_servers([], ())

    def show_servers(self, available: list[str], chosen: tuple[str, ...]) -> None:
        """Offer ``available`` servers, ``chosen`` ticked."""
        self._available = list(available)
        self._chosen = tuple(name for name in chosen if name in available)
        count = len(self._chosen)
        self.setText(self.tr("Tools: {count}").format(count=count) if count else self.tr("Tools"))
        self._menu.clear()
        for name in self._available:
            action = self._menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in self._chosen)
            action.setObjectName(f"toolServer_{name}")
            action.toggled.connect(lambda checked, n=name: self._on_server_toggled(n, checked))
        if self._available:
            self._menu.addSeparator()
        manage = self._menu.addAction(self.tr("Set up tool servers…"))
        manage.triggered.connect(self.settings_requested)

    def chosen(self) -> tuple[str, ...]:
        """The servers ticked."""
        return self._chosen

    @Slot()
    def _on_server_toggled(self, name: str, checked: bool) -> None:
        kept = [server for server in self._chosen if server != name]
        if checked:
            kept.append(name)
        chosen = tuple(server for server in self._available if server in kept)
        self.show_servers(self._available, chosen)
        self.servers_chosen.emit(chosen)
