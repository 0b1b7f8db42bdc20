"""The first-run screen: paste an OpenAI key, use a server on this computer, or try the demo."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.ui.common.inert import plain_label
from desktop_chat.ui.workers.background import start_background

__all__ = ["WelcomeView"]

_SERVER_ROLE = Qt.ItemDataRole.UserRole
_CARD_MIN_WIDTH = 220
_CARD_MAX_WIDTH = 340
_NO_LIMIT = 16777215  # Qt's QWIDGETSIZE_MAX
#: The narrowest view that holds the three cards side by side (their minimum widths, the gaps
#: between them and the margins).
_SIDE_BY_SIDE_WIDTH = 3 * _CARD_MIN_WIDTH + 2 * 16 + 2 * 40


def _probe() -> object:
    """Look for local servers (in a worker thread: the HTTP client loads there, when asked)."""
    from desktop_chat.core.client.discovery import probe_local_servers  # noqa: PLC0415

    return probe_local_servers()


class WelcomeView(QScrollArea):
    """Offers the three ways to start chatting, side by side, or one above the other (and
    scrolling) when the window is too narrow for three.

    Signals:
        openai_key_submitted(str): use OpenAI with this key.
        session_key_chosen(str): use OpenAI with this key, kept in memory for this session only
            (the keyring refused it).
        local_server_chosen(object): use this ``LocalServer``.
        demo_chosen(): use the built-in offline demo.
        key_storage_wanted(): the first text typed or pasted into the key field: time to find
            out where a key would be kept (``set_key_storage``). Asking earlier (the field has
            the focus from the start) would load the keyring, and its cryptography, for people
            who never paste a key.
    """

    openai_key_submitted = Signal(str)
    session_key_chosen = Signal(str)
    local_server_chosen = Signal(object)
    demo_chosen = Signal()
    key_storage_wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget(self)
        content.setObjectName("welcomeContent")
        self._content = content
        outer = QVBoxLayout(content)
        outer.setContentsMargins(40, 32, 40, 32)
        outer.addStretch(1)
        title = plain_label(self.tr("Welcome to Desktop Chat"), content)
        title.setObjectName("welcomeTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        outer.addWidget(title)
        hint = plain_label(
            self.tr("Chat with any OpenAI-compatible model. Choose how to start:"), content
        )
        hint.setObjectName("welcomeHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        outer.addWidget(hint)
        outer.addSpacing(16)
        self._cards = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._cards.setSpacing(16)
        self._card_frames = [self._openai_card(), self._local_card(), self._demo_card()]
        for card in self._card_frames:
            self._cards.addWidget(card)
        outer.addLayout(self._cards)
        outer.addStretch(2)
        self.setWidget(content)

    @property
    def stacked(self) -> bool:
        """Whether the cards stand one above the other (a narrow window)."""
        return self._cards.direction() == QBoxLayout.Direction.TopToBottom

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Three cards side by side when they fit, else one above the other."""
        fits = event.size().width() >= _SIDE_BY_SIDE_WIDTH
        direction = QBoxLayout.Direction.LeftToRight if fits else QBoxLayout.Direction.TopToBottom
        if self._cards.direction() != direction:
            self._cards.setDirection(direction)
            # One above the other, each card takes the whole width, so its text wraps to fit.
            for card in self._card_frames:
                card.setMaximumWidth(_CARD_MAX_WIDTH if fits else _NO_LIMIT)
        super().resizeEvent(event)

    def _card(self, title: str, text: str) -> tuple[QFrame, QVBoxLayout]:
        card = QFrame(self._content)
        card.setObjectName("welcomeCard")
        card.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        card.setMinimumWidth(_CARD_MIN_WIDTH)
        card.setMaximumWidth(_CARD_MAX_WIDTH)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(10)
        heading = plain_label(title, card)
        heading.setObjectName("welcomeCardTitle")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        body = plain_label(text, card)
        body.setObjectName("welcomeHint")
        body.setWordWrap(True)
        layout.addWidget(body)
        return card, layout

    def _openai_card(self) -> QFrame:
        card, layout = self._card(
            self.tr("Use OpenAI"),
            self.tr("Paste an API key from platform.openai.com. It is kept in the system keyring."),
        )
        self._key_text = card.findChildren(QLabel, "welcomeHint")[-1]
        self.key_edit = QLineEdit(card)
        self.key_edit.setObjectName("welcomeKey")
        self.key_edit.setAccessibleName(self.tr("OpenAI API key"))
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("sk-…")
        self.key_edit.returnPressed.connect(self._on_use_key_clicked)
        self.key_edit.textEdited.connect(self._want_key_storage)
        layout.addWidget(self.key_edit)
        self.use_key_button = QPushButton(self.tr("Use this key"), card)
        self.use_key_button.setObjectName("useKeyButton")
        self.use_key_button.clicked.connect(self._on_use_key_clicked)
        layout.addWidget(self.use_key_button)
        self.key_error = plain_label("", card)
        self.key_error.setObjectName("welcomeError")
        self.key_error.setWordWrap(True)
        self.key_error.hide()
        layout.addWidget(self.key_error)
        self.keep_session_button = QPushButton(self.tr("Keep it for this session only"), card)
        self.keep_session_button.setObjectName("keepSessionButton")
        self.keep_session_button.clicked.connect(self._on_keep_session_clicked)
        self.keep_session_button.hide()
        layout.addWidget(self.keep_session_button)
        layout.addStretch(1)
        return card

    @Slot()
    def _want_key_storage(self) -> None:
        self.key_edit.textEdited.disconnect(self._want_key_storage)  # once is enough
        self.key_storage_wanted.emit()

    def set_key_storage(self, secure: bool) -> None:
        """Say where a pasted key goes: the system keyring, or memory for this session."""
        if secure:
            return
        self._key_text.setText(
            self.tr(
                "Paste an API key from platform.openai.com. No secure keyring was found on this "
                "computer, so it is kept in memory for this session only, never on disk."
            )
        )

    def _local_card(self) -> QFrame:
        card, layout = self._card(
            self.tr("Use a server on this computer"),
            self.tr("Ollama, LM Studio, llama.cpp or vLLM running locally."),
        )
        self.scan_button = QPushButton(self.tr("Look for local servers"), card)
        self.scan_button.setObjectName("scanButton")
        self.scan_button.clicked.connect(self._on_scan_clicked)
        layout.addWidget(self.scan_button)
        self.scan_status = plain_label("", card)
        self.scan_status.setObjectName("welcomeHint")
        self.scan_status.setWordWrap(True)
        self.scan_status.hide()
        layout.addWidget(self.scan_status)
        self.server_list = QListWidget(card)
        self.server_list.setObjectName("localServers")
        self.server_list.setMaximumHeight(110)
        self.server_list.itemActivated.connect(self._on_server_list_item_activated)
        self.server_list.hide()
        layout.addWidget(self.server_list)
        self.add_server_button = QPushButton(self.tr("Use the selected server"), card)
        self.add_server_button.setObjectName("useServerButton")
        self.add_server_button.clicked.connect(self._on_add_server_clicked)
        self.add_server_button.hide()
        layout.addWidget(self.add_server_button)
        layout.addStretch(1)
        return card

    def _demo_card(self) -> QFrame:
        card, layout = self._card(
            self.tr("Try the offline demo"),
            self.tr(
                "A small server built into the app streams canned replies. No account, no "
                "network: a quick way to look around."
            ),
        )
        self.demo_button = QPushButton(self.tr("Try the demo"), card)
        self.demo_button.setObjectName("demoButton")
        self.demo_button.clicked.connect(self._on_demo_clicked)
        layout.addWidget(self.demo_button)
        layout.addStretch(1)
        return card

    def show_key_error(self, message: str, *, offer_session: bool = False) -> None:
        """Say why the key could not be stored; with ``offer_session``, offer to keep it in
        memory for this session instead."""
        self.key_error.setText(message)
        self.key_error.setVisible(bool(message))
        self.keep_session_button.setVisible(offer_session)

    @Slot()
    def _on_keep_session_clicked(self) -> None:
        key = self.key_edit.text().strip()
        if key:
            self.show_key_error("")
            self.session_key_chosen.emit(key)

    @Slot()
    def _on_use_key_clicked(self) -> None:
        key = self.key_edit.text().strip()
        if not key:
            self.show_key_error(self.tr("Paste the key first."))
            return
        self.show_key_error("")
        self.openai_key_submitted.emit(key)

    @Slot()
    def _on_demo_clicked(self) -> None:
        self.demo_chosen.emit()

    @Slot()
    def _on_scan_clicked(self) -> None:
        self.scan_button.setEnabled(False)
        self.scan_status.setText(self.tr("Looking on ports 11434, 1234, 8080 and 8000 …"))
        self.scan_status.show()
        start_background(_probe, succeeded=self._on_scan_succeeded, failed=self._on_scan_failed)

    @Slot(str, object)
    def _on_scan_succeeded(self, name: str, servers: object) -> None:
        del name  # one scan at a time: the button is disabled meanwhile
        from desktop_chat.core.client.discovery import LocalServer  # noqa: PLC0415 - loaded

        self.scan_button.setEnabled(True)
        found = (
            [s for s in servers if isinstance(s, LocalServer)] if isinstance(servers, list) else []
        )
        self.server_list.clear()
        for server in found:
            models = ", ".join(server.models[:3]) or self.tr("no models listed")
            item = QListWidgetItem(f"{server.base_url}  ({models})")
            item.setData(_SERVER_ROLE, server)
            self.server_list.addItem(item)
        if found:
            self.server_list.setCurrentRow(0)
            self.scan_status.setText(self.tr("Found {count}:").format(count=len(found)))
        else:
            self.scan_status.setText(
                self.tr("No local server answered. Start one, then look again.")
            )
        self.server_list.setVisible(bool(found))
        self.add_server_button.setVisible(bool(found))

    @Slot(str, object)
    def _on_scan_failed(self, name: str, error: object) -> None:
        del name
        self.scan_button.setEnabled(True)
        self.scan_status.setText(self.tr("Looking failed: {error}").format(error=error))

    @Slot(QListWidgetItem)
    def _on_server_list_item_activated(self, item: QListWidgetItem) -> None:
        self.local_server_chosen.emit(item.data(_SERVER_ROLE))

    @Slot()
    def _on_add_server_clicked(self) -> None:
        item = self.server_list.currentItem()
        if item is not None:
            self.local_server_chosen.emit(item.data(_SERVER_ROLE))
