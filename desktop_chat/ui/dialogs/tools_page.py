"""Settings → Tools: the tool (MCP) servers, how to reach each, a Test that starts one and lists
its tools, and per tool whether it runs without asking.

The page edits the dialog's copy of the settings; nothing is saved until the dialog is. A bearer
token typed here goes to the keyring with the API keys when the dialog saves, never to the file.
Test runs in the background: starting a server may take seconds, and its tools' descriptions are
outside text, shown as plain text only.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.config.settings import Settings
from desktop_chat.core.config.tool_servers import (
    BUILTIN_SERVER,
    TOKEN_HEADER,
    ToolServerConfig,
    bearer_value,
    header_secret_id,
    name_value_pairs,
    valid_server_name,
)
from desktop_chat.core.errors import DesktopChatError
from desktop_chat.ui.common.inert import plain_form_labels, plain_label
from desktop_chat.ui.workers.background import start_background

__all__ = ["ToolsPage", "list_server_tools"]

_BUILTIN_NOTE = "Built into Desktop Chat: a clock and a calculator, for trying tools offline."


def list_server_tools(config: ToolServerConfig, token: str | None) -> list[tuple[str, str]]:
    """Start ``config``'s server, list its tools (name, description) and stop it (background).

    Raises:
        DesktopChatError: the server did not start or answer (the message says why).
    """
    from desktop_chat.core.chat.tool_links import server_spec  # noqa: PLC0415 - the MCP SDK
    from desktop_chat.core.tools.link import ServerLink  # noqa: PLC0415

    spec = server_spec(config, None)
    if token:
        spec = replace(spec, headers={**spec.headers, TOKEN_HEADER: bearer_value(token)})
    link = ServerLink(spec)
    try:
        return [(tool.name, tool.description) for tool in link.tools()]
    finally:
        link.close()


def _lines(pairs: dict[str, str]) -> str:
    return "\n".join(f"{name}={value}" for name, value in pairs.items())


class ToolsPage(QWidget):
    """The Tools tab of Settings.

    Args:
        settings: the dialog's copy of the settings, edited in place.
        keys: secrets to store when the dialog saves, by keyring entry (tokens are added here).
        removed: keyring entries to delete when the dialog saves.
        parent: the Qt parent.
    """

    def __init__(
        self,
        settings: Settings,
        keys: dict[str, str],
        removed: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("toolsPage")
        self._settings = settings
        self._keys = keys
        self._removed = removed
        self._current: str | None = None
        self._loading = False
        row = QHBoxLayout(self)
        row.addLayout(self._build_list(), 1)
        row.addLayout(self._build_editor(), 3)
        self._fill(settings.tool_servers[0].name if settings.tool_servers else None)

    def _build_list(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.server_list = QListWidget(self)
        self.server_list.setObjectName("toolServerList")
        self.server_list.currentItemChanged.connect(self._on_server_list_current_item_changed)
        self.server_list.itemChanged.connect(self._on_server_list_item_changed)
        column.addWidget(self.server_list)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setObjectName("addToolServer")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setObjectName("removeToolServer")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        column.addLayout(buttons)
        hint = plain_label(self.tr("Ticked servers are used by new chats."), self)
        hint.setWordWrap(True)
        column.addWidget(hint)
        return column

    def _build_editor(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addLayout(self._build_form())
        self.note = plain_label("", self)
        self.note.setObjectName("toolServerNote")
        self.note.setWordWrap(True)
        column.addWidget(self.note)
        self._build_test(column)
        column.addLayout(self._build_limits())
        return column

    def _build_form(self) -> QFormLayout:
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("toolServerName")
        self.name_edit.editingFinished.connect(self._on_name_edit_editing_finished)
        form.addRow(self.tr("Name"), self.name_edit)
        self.command_edit = QLineEdit(self)
        self.command_edit.setObjectName("toolServerCommand")
        self.command_edit.setPlaceholderText(
            self.tr("a program and its arguments, e.g. uvx mcp-server-time")
        )
        form.addRow(self.tr("Command"), self.command_edit)
        self.env_edit = QPlainTextEdit(self)
        self.env_edit.setObjectName("toolServerEnv")
        self.env_edit.setPlaceholderText(self.tr("NAME=value, one a line"))
        self.env_edit.setFixedHeight(52)
        form.addRow(self.tr("Environment"), self.env_edit)
        self.cwd_edit = QLineEdit(self)
        self.cwd_edit.setObjectName("toolServerFolder")
        form.addRow(self.tr("Starts in folder"), self.cwd_edit)
        self.url_edit = QLineEdit(self)
        self.url_edit.setObjectName("toolServerUrl")
        self.url_edit.setPlaceholderText(self.tr("or a Streamable HTTP address, https://…/mcp"))
        form.addRow(self.tr("URL"), self.url_edit)
        self.token_edit = QLineEdit(self)
        self.token_edit.setObjectName("toolServerToken")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(self.tr("kept in the system keyring"))
        form.addRow(self.tr("Bearer token"), self.token_edit)
        plain_form_labels(form)
        return form

    def _build_test(self, column: QVBoxLayout) -> None:
        test_row = QHBoxLayout()
        self.test_button = QPushButton(self.tr("Test"), self)
        self.test_button.setObjectName("testToolServer")
        self.test_button.setToolTip(self.tr("Start the server and list its tools"))
        self.test_button.clicked.connect(self._on_test_button_clicked)
        test_row.addWidget(self.test_button)
        self.test_result = plain_label("", self)
        self.test_result.setObjectName("toolTestResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row.addWidget(self.test_result, 1)
        column.addLayout(test_row)
        column.addWidget(plain_label(self.tr("Tools (ticked: runs without asking first)"), self))
        self.tool_list = QListWidget(self)
        self.tool_list.setObjectName("toolList")
        self.tool_list.setWordWrap(True)
        self.tool_list.itemChanged.connect(self._on_tool_list_item_changed)
        column.addWidget(self.tool_list, 1)

    def _build_limits(self) -> QFormLayout:
        limits = QFormLayout()
        self.timeout_spin = QSpinBox(self)
        self.timeout_spin.setObjectName("toolTimeout")
        self.timeout_spin.setRange(1, 3600)
        self.timeout_spin.setSuffix(self.tr(" s"))
        self.timeout_spin.setValue(self._settings.tool_timeout)
        limits.addRow(self.tr("A tool call may run for"), self.timeout_spin)
        self.steps_spin = QSpinBox(self)
        self.steps_spin.setObjectName("toolStepLimit")
        self.steps_spin.setRange(1, 100)
        self.steps_spin.setValue(self._settings.tool_step_limit)
        limits.addRow(self.tr("Rounds of tool calls per reply"), self.steps_spin)
        plain_form_labels(limits)
        return limits

    # Showing -----------------------------------------------------------------------------------

    def _fill(self, select: str | None) -> None:
        self._loading = True
        self.server_list.clear()
        for server in self._settings.tool_servers:
            item = QListWidgetItem(server.name)
            item.setData(Qt.ItemDataRole.UserRole, server.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if server.enabled else Qt.CheckState.Unchecked)
            self.server_list.addItem(item)
            if server.name == select:
                self.server_list.setCurrentItem(item)
        self._loading = False
        self._show(self.server(select) if select else None)

    def server(self, name: str | None) -> ToolServerConfig | None:
        """The server ``name`` as edited so far."""
        return None if name is None else self._settings.tool_server(name)

    def _show(self, server: ToolServerConfig | None) -> None:
        self._current = None if server is None else server.name
        editable = server is not None and not server.builtin
        for field in (self.name_edit, self.command_edit, self.env_edit, self.cwd_edit):
            field.setEnabled(editable)
        for field in (self.url_edit, self.token_edit):
            field.setEnabled(editable)
        self.remove_button.setEnabled(editable)
        self.test_button.setEnabled(server is not None)
        self.test_result.clear()
        self.name_edit.setText("" if server is None else server.name)
        self.command_edit.setText(
            ""
            if server is None
            else shlex.join((server.command, *server.args))
            if server.command
            else ""
        )
        self.env_edit.setPlainText("" if server is None else _lines(server.env))
        self.cwd_edit.setText("" if server is None else server.cwd)
        self.url_edit.setText("" if server is None else server.url)
        self.token_edit.clear()
        if server is not None and server.secret_headers:
            self.token_edit.setPlaceholderText(self.tr("stored in the keyring; type to replace"))
        self.note.setText(self.tr(_BUILTIN_NOTE) if server is not None and server.builtin else "")
        self._show_tools([(name, "") for name in (server.always_allowed if server else ())])

    def _show_tools(self, tools: list[tuple[str, str]]) -> None:
        server = self.server(self._current)
        self._loading = True
        self.tool_list.clear()
        for name, description in tools:
            text = name if not description else f"{name} — {description}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            allowed = server is not None and name in server.always_allowed
            item.setCheckState(Qt.CheckState.Checked if allowed else Qt.CheckState.Unchecked)
            self.tool_list.addItem(item)
        self._loading = False

    # Editing -----------------------------------------------------------------------------------

    def commit(self) -> str | None:
        """Take the fields into the settings; returns a problem to show, or None."""
        self._settings.tool_timeout = self.timeout_spin.value()
        self._settings.tool_step_limit = self.steps_spin.value()
        server = self.server(self._current)
        if server is None or server.builtin:
            return None
        try:
            words = shlex.split(self.command_edit.text())
        except ValueError as error:
            return self.tr("The command of “{name}” cannot be read: {error}.").format(
                name=server.name, error=error
            )
        url = self.url_edit.text().strip()
        if bool(words) == bool(url):
            return self.tr("“{name}” needs either a command or a URL.").format(name=server.name)
        secret = server.secret_headers
        token = self.token_edit.text().strip()
        if token and url:
            self._keys[header_secret_id(server.name, TOKEN_HEADER)] = bearer_value(token)
            secret = (TOKEN_HEADER,)
        self._settings.replace_tool_server(
            replace(
                server,
                command=words[0] if words else "",
                args=tuple(words[1:]),
                env=name_value_pairs(self.env_edit.toPlainText().splitlines())[0],
                cwd=self.cwd_edit.text().strip(),
                url=url,
                secret_headers=secret if url else (),
            )
        )
        return None

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_server_list_current_item_changed(
        self, current: QListWidgetItem | None, previous: QListWidgetItem | None
    ) -> None:
        if self._loading:
            return
        del previous
        self.commit()
        name = None if current is None else str(current.data(Qt.ItemDataRole.UserRole))
        self._show(self.server(name))

    @Slot(QListWidgetItem)
    def _on_server_list_item_changed(self, item: QListWidgetItem) -> None:
        if self._loading:
            return
        server = self.server(str(item.data(Qt.ItemDataRole.UserRole)))
        if server is not None:
            checked = item.checkState() == Qt.CheckState.Checked
            self._settings.replace_tool_server(replace(server, enabled=checked))

    @Slot(QListWidgetItem)
    def _on_tool_list_item_changed(self, item: QListWidgetItem) -> None:
        server = self.server(self._current)
        if self._loading or server is None:
            return
        allowed = item.checkState() == Qt.CheckState.Checked
        tool = str(item.data(Qt.ItemDataRole.UserRole))
        self._settings.replace_tool_server(server.with_allowed(tool, allowed))

    @Slot()
    def _on_add_button_clicked(self) -> None:
        self.commit()
        taken = {server.name for server in self._settings.tool_servers}
        name = next(f"server-{n}" for n in range(1, len(taken) + 2) if f"server-{n}" not in taken)
        self._settings.tool_servers.append(ToolServerConfig(name, command="", enabled=True))
        self._fill(name)
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        server = self.server(self._current)
        if server is None or server.builtin:
            return
        self._settings.tool_servers.remove(server)
        self._removed.extend(header_secret_id(server.name, h) for h in server.secret_headers)
        self._fill(BUILTIN_SERVER)

    @Slot()
    def _on_name_edit_editing_finished(self) -> None:
        server = self.server(self._current)
        name = self.name_edit.text().strip()
        if server is None or server.builtin or name == server.name:
            return
        if not valid_server_name(name) or self._settings.tool_server(name) is not None:
            self.note.setText(
                self.tr("A name is letters, digits, '_', '.' and '-', and each server has its own.")
            )
            self.name_edit.setText(server.name)
            return
        index = self._settings.tool_servers.index(server)
        self._settings.tool_servers[index] = replace(server, name=name, secret_headers=())
        self._fill(name)

    # Testing -----------------------------------------------------------------------------------

    @Slot()
    def _on_test_button_clicked(self) -> None:
        problem = self.commit()
        server = self.server(self._current)
        if problem is not None or server is None:
            self.test_result.setText(problem or "")
            return
        self.test_button.setEnabled(False)
        self.test_result.setText(self.tr("Starting {name} …").format(name=server.name))
        token = self.token_edit.text().strip() or None
        call: Callable[[], object] = lambda: list_server_tools(server, token)  # noqa: E731
        start_background(
            call,
            succeeded=self._on_test_call_succeeded,
            failed=self._on_test_call_failed,
            name=server.name,
        )

    @Slot(str, object)
    def _on_test_call_succeeded(self, name: str, tools: object) -> None:
        self.test_button.setEnabled(True)
        if name != self._current or not isinstance(tools, list):
            return
        self.test_result.setText(
            self.tr("{name} works and offers {count} tools.").format(name=name, count=len(tools))
        )
        self._show_tools(tools)

    @Slot(str, object)
    def _on_test_call_failed(self, name: str, error: object) -> None:
        self.test_button.setEnabled(True)
        if name != self._current:
            return
        message = error.message if isinstance(error, DesktopChatError) else str(error)
        tail = getattr(error, "stderr_tail", "")
        self.test_result.setText(message + (f"\n{tail}" if tail else ""))
