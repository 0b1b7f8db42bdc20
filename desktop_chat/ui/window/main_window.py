"""The main window: conversations on the left, the transcript and composer in the middle,
provider and model pickers in the toolbar, reply figures in the status bar."""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QByteArray, QEvent, QSettings, QSize, Qt, QTimer, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QFont,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.chat.options import ChatOptions, options_for, provider_for
from desktop_chat.core.config.paths import app_paths
from desktop_chat.core.config.providers import ProviderConfig, config_from_preset
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import (
    DEFAULT_FONT_SIZE,
    DEMO_PROVIDER_ID,
    MAX_FONT_SIZE,
    MIN_FONT_SIZE,
    Settings,
)
from desktop_chat.core.config.settings_file import SettingsFile
from desktop_chat.core.errors import DesktopChatError, SecretStoreError, SettingsError, StorageError
from desktop_chat.core.history.models import ASSISTANT_ROLE, Attachment
from desktop_chat.core.history.storage import NewAttachment, Storage
from desktop_chat.ui.app.notifications import DesktopNotifier, reply_notice
from desktop_chat.ui.common.flash import flash
from desktop_chat.ui.common.icons import ON_ACCENT, action_icon
from desktop_chat.ui.common.inert import open_plain_message, plain_label
from desktop_chat.ui.common.theme import apply_theme
from desktop_chat.ui.common.timers import single_shot_timer
from desktop_chat.ui.dialogs.welcome import WelcomeView
from desktop_chat.ui.history.database_watch import DatabaseWatch
from desktop_chat.ui.history.history_sidebar import UNDO_SECONDS, HistorySidebar
from desktop_chat.ui.transcript.transcript import Transcript
from desktop_chat.ui.transfer.export_actions import ExportActions
from desktop_chat.ui.window.attachment_tray import AttachmentTray, TrayItem
from desktop_chat.ui.window.chat_session import ChatSession, ReplyStats
from desktop_chat.ui.window.composer import Composer
from desktop_chat.ui.window.find_bar import FindBar
from desktop_chat.ui.window.menus import WindowMenus
from desktop_chat.ui.window.offered_files import offered_files
from desktop_chat.ui.window.window_tools import ToolsButton, WindowTools
from desktop_chat.ui.workers.attacher import Attacher, Source
from desktop_chat.ui.workers.background import start_background
from desktop_chat.ui.workers.title_maker import TitleMaker

if TYPE_CHECKING:
    # The HTTP client, the demo server and the dialogs are loaded when first used, after the
    # window's first paint (tests/ui/test_startup_imports.py keeps them out of it).
    from desktop_chat.core.chat.runner import TurnOutcome
    from desktop_chat.core.client.api import ChatClient
    from desktop_chat.core.client.demo_server import DemoServer
    from desktop_chat.ui.dialogs.chat_settings_dialog import ChatSettingsDialog
    from desktop_chat.ui.dialogs.settings_dialog import SettingsDialog

__all__ = ["MainWindow"]

_PROVIDER_ROLE = Qt.ItemDataRole.UserRole


def _list_models(secrets: SecretStore, provider: ProviderConfig, proxy: str) -> list[str]:
    """The provider's models (in the background: the key is a keyring read, which may block)."""
    from desktop_chat.core.chat.connection import list_models  # noqa: PLC0415 - after first paint

    try:
        key = secrets.get(provider.id)
    except SecretStoreError:
        key = None
    return list_models(provider, key, None, proxy)


class MainWindow(QMainWindow):
    """The application window.

    Args:
        settings: the loaded settings (edited in place and saved when they change).
        storage: the open conversation database.
        database: its path (the streamer's recorder opens its own connection).
        secrets: where API keys are kept.
        first_run: show the welcome screen (no settings were saved yet).
        demo_pace: the demo server's pace (1.0 reads naturally; 0 is as fast as possible).
        save: write settings changes to disk (the self-test turns it off).
    """

    notifier: DesktopNotifier | None = None  # made when a reply first ends out of sight

    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        database: Path,
        secrets: SecretStore,
        *,
        first_run: bool = False,
        demo_pace: float = 1.0,
        save: bool = True,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("Desktop Chat"))
        self.settings = settings
        self._settings_file = SettingsFile(settings)
        self.storage = storage
        self.secrets = secrets
        self._save_enabled = save
        self._demo_pace = demo_pace
        self._demo: DemoServer | None = None
        self._drafts: dict[int | None, str] = {}
        self._closing = False
        self._quit_confirmed = False
        self._quit_requested = False
        self._welcome_provider: ProviderConfig | None = None
        self._deleted_while_open = False
        self._model_generation = 0
        # Each provider's model list, asked once (and again after Settings change).
        self._model_lists: dict[str, list[str]] = {}
        self._models_asked: dict[str, str] = {}
        self._notices: list[str] = []
        self._start_attaching()

        self._build_toolbar()
        self._add_shortcuts()
        self._build_central()
        self._build_status_bar()
        self._new_chat_options: ChatOptions | None = None
        self.tools = WindowTools(settings, secrets, self._save_settings)
        self.session = ChatSession(
            storage,
            database,
            self.transcript,
            self.chat_options,
            self._connect,
            tools=self.tools.maker_for,
            parent=self,
        )
        self._wire_session()
        self.title_maker = TitleMaker(storage, self)
        self.title_maker.titled.connect(self._on_title_maker_titled)
        # The title is asked for once the conversation has been idle a moment, so it never competes
        # with the user's next question (a local server often serves one request at a time).
        self._title_for: int | None = None
        self._title_timer = single_shot_timer(
            self, 4000, self._on_title_timer_timeout, "titleTimer"
        )
        self._wire_transcript()
        self.export_actions = ExportActions(self, storage, self.session)
        self.export_actions.conversations_imported.connect(
            self._on_export_actions_conversations_imported
        )
        self._build_menus()

        self._draft_timer = single_shot_timer(self, 1500, self._on_draft_timer_timeout)
        self.composer.textChanged.connect(self._on_composer_text_changed)
        self.composer.set_send_key(settings.send_key)
        self._apply_font()
        self._fill_provider_picker()
        # What the command line adds while the window runs shows up in the list.
        self.database_watch = DatabaseWatch(storage, parent=self)
        self.database_watch.list_changed.connect(self._on_database_watch_list_changed)
        self.refresh_conversations()
        self.new_chat()
        self._show_first_page(welcome=first_run and not self.conversation_list.count())
        self.resize(1100, 740)
        self._restore_geometry()

    # Building ----------------------------------------------------------------------------------

    def _start_attaching(self) -> None:
        self._notice_picks_model = False
        # Files waiting to be sent, per conversation (like drafts), and those being prepared.
        self._draft_files: dict[int | None, list[TrayItem]] = {}
        self._preparing: dict[int, TrayItem] = {}
        # The model last warned about (it cannot see images): a second Send goes ahead.
        self._image_warning: tuple[str, str] | None = None
        self.attacher = Attacher(self)
        self.attacher.prepared.connect(self._on_attacher_prepared)
        self.attacher.refused.connect(self._on_attacher_refused)
        self.setAcceptDrops(True)

    def _show_first_page(self, *, welcome: bool) -> None:
        self._stack.setCurrentWidget(self.welcome if welcome else self._chat_page)

    @Slot()
    def _on_welcome_key_storage_wanted(self) -> None:
        # In the background: the answer loads the keyring (a tenth of a second or more), and
        # only changes the welcome's words when no secure keyring is found.
        secrets = self.secrets
        start_background(
            lambda: secrets.is_secure,
            succeeded=self._on_key_storage_call_succeeded,
            name="keyStorage",
        )

    @Slot(str, object)
    def _on_key_storage_call_succeeded(self, name: str, secure: object) -> None:
        del name
        self.welcome.set_key_storage(bool(secure))

    def _wire_transcript(self) -> None:
        self.transcript.settings_requested.connect(self._on_transcript_settings_requested)
        self.transcript.new_chat_requested.connect(self.new_chat)
        self.transcript.edit_requested.connect(self._on_transcript_edit_requested)

    def _wire_session(self) -> None:
        self.session.streaming_changed.connect(self._on_session_streaming_changed)
        self.session.live_changed.connect(self._on_session_live_changed)
        self.session.send_refused.connect(self._on_session_send_refused)
        self.session.message_deleted.connect(self._on_session_message_deleted)
        self.session.tool_always_allowed.connect(self._on_session_tool_always_allowed)
        # The card's buttons hide once answered: the keyboard goes back to the message box.
        self.session.approval_answered.connect(self.composer.setFocus)
        self._undo_delete_timer = single_shot_timer(
            self, UNDO_SECONDS * 1000, self._on_undo_delete_timer_timeout, "undoDeleteTimer"
        )
        self.session.conversation_changed.connect(self._on_session_conversation_changed)
        self.session.reply_finished.connect(self._on_session_reply_finished)
        self.session.reply_ended.connect(self._on_session_reply_ended)
        self.session.problem_reported.connect(self._on_problem_reported)
        self.session.images_refused.connect(self._on_session_images_refused)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Main"), self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setIconSize(QSize(18, 18))
        self.addToolBar(toolbar)
        self.new_chat_action = QAction(self.tr("New chat"), self)
        self.new_chat_action.setObjectName("newChatAction")
        self.new_chat_action.setIcon(action_icon("new-chat"))
        self.new_chat_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.new_chat_action.triggered.connect(self.new_chat)
        toolbar.addAction(self.new_chat_action)
        toolbar.addSeparator()
        toolbar.addWidget(plain_label(self.tr(" Provider ")))
        self.provider_picker = QComboBox(self)
        self.provider_picker.setObjectName("providerPicker")
        self.provider_picker.setAccessibleName(self.tr("Provider"))
        self.provider_picker.setMinimumWidth(160)
        self.provider_picker.activated.connect(self._on_provider_picker_activated)
        toolbar.addWidget(self.provider_picker)
        toolbar.addWidget(plain_label(self.tr("  Model ")))
        self.model_picker = QComboBox(self)
        self.model_picker.setObjectName("modelPicker")
        self.model_picker.setAccessibleName(self.tr("Model"))
        self.model_picker.setEditable(True)
        self.model_picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_picker.setMinimumWidth(220)
        self.model_picker.currentTextChanged.connect(self._on_model_picker_current_text_changed)
        toolbar.addWidget(self.model_picker)
        self._build_chat_buttons(toolbar)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.settings_button = QToolButton(self)
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.setText(self.tr("Settings"))
        self.settings_button.setIcon(action_icon("settings"))
        self.settings_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.settings_button.setAccessibleName(self.tr("Settings"))
        self.settings_button.setToolTip(self.tr("Providers, keys and appearance"))
        self.settings_button.clicked.connect(self.open_settings)
        toolbar.addWidget(self.settings_button)

    def _build_chat_buttons(self, toolbar: QToolBar) -> None:
        self.chat_settings_button = QToolButton(self)
        self.chat_settings_button.setObjectName("chatSettingsButton")
        self.chat_settings_button.setText(self.tr("Chat settings…"))
        self.chat_settings_button.setIcon(action_icon("chat-settings"))
        self.chat_settings_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.chat_settings_button.setAccessibleName(self.tr("Chat settings"))
        self.chat_settings_button.setToolTip(
            self.tr("This chat's system prompt, temperature and reply length")
        )
        self.chat_settings_button.clicked.connect(self.open_chat_settings)
        toolbar.addWidget(self.chat_settings_button)
        self.tools_button = ToolsButton(self)
        self.tools_button.servers_chosen.connect(self._on_tools_button_servers_chosen)
        self.tools_button.settings_requested.connect(self._on_tools_button_settings_requested)
        toolbar.addWidget(self.tools_button)

    def _build_menus(self) -> None:
        self.menus = WindowMenus(self, self, self.export_actions.menu, self.new_chat_action)
        self.menus.show_theme(self.settings.theme)

    def _add_shortcuts(self) -> None:
        """Esc stops the reply anywhere in the window (the menus hold the other keys)."""
        stop_action = QAction(self.tr("Stop the reply"), self)
        stop_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        stop_action.triggered.connect(self._on_composer_stop_requested)
        self.addAction(stop_action)

    # Menu commands -----------------------------------------------------------------------------

    @Slot()
    def show_about(self) -> None:
        """Show the About box."""
        from desktop_chat.ui.dialogs.about import show_about  # noqa: PLC0415 - rarely used

        show_about(self)

    @Slot()
    def show_shortcuts(self) -> None:
        """Show the keyboard shortcuts sheet."""
        from desktop_chat.ui.dialogs.shortcuts_dialog import ShortcutsDialog  # noqa: PLC0415

        dialog = ShortcutsDialog(self.menus.actions, self.settings.send_key, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot()
    def copy_selection(self) -> None:
        """Copy what is selected in the widget that has the keyboard focus."""
        focused = QApplication.focusWidget()
        copy_text = getattr(focused, "copy", None)
        if callable(copy_text):
            copy_text()

    @Slot()
    def show_find_bar(self) -> None:
        """Find in the open conversation (Ctrl+F)."""
        if self._stack.currentWidget() is self._chat_page:
            self.find_bar.open_bar()

    @Slot()
    def show_search(self) -> None:
        """Search every conversation (Ctrl+K); shows the list of chats if it was hidden."""
        if not self._sidebar.isVisible():
            self.set_sidebar_shown(True)
        self.history.focus_search()

    @Slot()
    def focus_composer(self) -> None:
        """Put the cursor in the message box (Ctrl+L)."""
        if self._stack.currentWidget() is self._chat_page:
            self.composer.setFocus()

    @Slot()
    def regenerate_last(self) -> None:
        """Ask again for the last reply of the open conversation (Ctrl+R)."""
        views = [v for v in self.transcript.views() if v.role == ASSISTANT_ROLE]
        if views and not self.session.is_streaming:
            views[-1].request_regenerate()

    def set_sidebar_shown(self, shown: bool) -> None:
        """Show or hide the list of chats (Ctrl+B); the choice is kept for the next start."""
        self._sidebar.setVisible(shown)
        self.menus.sidebar_action.setChecked(shown)
        if self._save_enabled:
            self._view_state().setValue("sidebar", shown)

    def zoom(self, step: int) -> None:
        """Make the text larger (``1``), smaller (``-1``) or its usual size (``0``); kept."""
        size = DEFAULT_FONT_SIZE if step == 0 else self.settings.font_size + step
        size = max(MIN_FONT_SIZE, min(MAX_FONT_SIZE, size))
        if size != self.settings.font_size:
            self.settings.font_size = size
            self._apply_font()
            self._save_settings()
        self.statusBar().showMessage(self.tr("Text size {size} pt").format(size=size), 2000)

    def set_theme(self, theme: str) -> None:
        """Use the ``system``, ``light`` or ``dark`` theme, at once, and keep it."""
        if theme == self.settings.theme:
            return
        self.settings.theme = theme
        self._apply_theme()
        self._save_settings()

    def step_chat(self, offset: int) -> None:
        """Open the chat ``offset`` places down the list (up when negative), wrapping around."""
        ids = self.conversation_list.ids()
        if not ids:
            return
        current = self.session.conversation_id
        index = ids.index(current) + offset if current in ids else (0 if offset > 0 else -1)
        self.open_conversation(ids[index % len(ids)])

    def _build_central(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("mainSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_sidebar(splitter))

        self._stack = QStackedWidget(splitter)
        self.welcome = WelcomeView(self._stack)
        self.welcome.openai_key_submitted.connect(self._on_welcome_openai_key_submitted)
        self.welcome.session_key_chosen.connect(self._on_welcome_session_key_chosen)
        self.welcome.local_server_chosen.connect(self._on_welcome_local_server_chosen)
        self.welcome.demo_chosen.connect(self._on_welcome_demo_chosen)
        self.welcome.key_storage_wanted.connect(self._on_welcome_key_storage_wanted)
        self._stack.addWidget(self.welcome)

        self._chat_page = QWidget(self._stack)
        chat_layout = QVBoxLayout(self._chat_page)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        chat_layout.setSpacing(0)
        self.transcript = Transcript(self._chat_page)
        self.find_bar = FindBar(self.transcript, self._chat_page)
        self.find_bar.closed.connect(self._on_find_bar_closed)
        chat_layout.addWidget(self.find_bar)
        chat_layout.addWidget(self.transcript, 1)
        chat_layout.addWidget(self._build_composer_notice())
        chat_layout.addWidget(self._build_undo_bar())
        chat_layout.addLayout(self._build_composer_row())
        self._stack.addWidget(self._chat_page)
        splitter.addWidget(self._stack)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 860])
        self.setCentralWidget(splitter)
        self._splitter = splitter

    def _build_sidebar(self, splitter: QSplitter) -> QWidget:
        """New chat above the history list and its search."""
        sidebar = QWidget(splitter)
        sidebar.setObjectName("sidebar")
        self._sidebar = sidebar
        sidebar_layout = QVBoxLayout(sidebar)
        sidebar_layout.setContentsMargins(8, 8, 0, 8)
        new_button = QPushButton(self.tr("+ New chat"), sidebar)
        new_button.setObjectName("newChatButton")
        new_button.setToolTip(
            self.new_chat_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        )
        new_button.clicked.connect(self.new_chat)
        sidebar_layout.addWidget(new_button)
        self.history = HistorySidebar(self.storage, sidebar)
        self.conversation_list = self.history.conversation_list
        # A chat renamed in the list renames the window too.
        self.conversation_list.model().dataChanged.connect(self._on_list_model_data_changed)
        self.history.conversation_selected.connect(self._on_list_conversation_selected)
        self.history.result_chosen.connect(self._on_history_result_chosen)
        self.history.conversation_deleted.connect(self._on_history_conversation_deleted)
        self.history.conversation_restored.connect(self._on_history_conversation_restored)
        self.history.problem_reported.connect(self._on_problem_reported)
        sidebar_layout.addWidget(self.history)
        return sidebar

    def _build_composer_notice(self) -> QWidget:
        """Why the last send was refused, with the one action that helps."""
        self.composer_notice = QWidget(self._chat_page)
        self.composer_notice.setObjectName("composerNotice")
        layout = QHBoxLayout(self.composer_notice)
        layout.setContentsMargins(16, 6, 16, 0)
        layout.addStretch(1)
        self.composer_notice_text = plain_label("", self.composer_notice)
        self.composer_notice_text.setObjectName("composerNoticeText")
        self.composer_notice_text.setWordWrap(True)
        layout.addWidget(self.composer_notice_text)
        self.composer_notice_action = QPushButton(self.composer_notice)
        self.composer_notice_action.setObjectName("composerNoticeAction")
        self.composer_notice_action.clicked.connect(self._on_composer_notice_action_clicked)
        layout.addWidget(self.composer_notice_action)
        layout.addStretch(1)
        self.composer_notice.hide()
        return self.composer_notice

    def _build_undo_bar(self) -> QWidget:
        """ "Message deleted — Undo", offered until the next change or for a few seconds."""
        self.message_undo_bar = QWidget(self._chat_page)
        self.message_undo_bar.setObjectName("messageUndoBar")
        layout = QHBoxLayout(self.message_undo_bar)
        layout.setContentsMargins(16, 6, 16, 0)
        layout.addStretch(1)
        layout.addWidget(plain_label(self.tr("Message deleted, with what followed it."), self))
        undo = QPushButton(self.tr("Undo"), self.message_undo_bar)
        undo.setObjectName("undoDeleteButton")
        undo.clicked.connect(self._on_undo_delete_button_clicked)
        layout.addWidget(undo)
        layout.addStretch(1)
        self.message_undo_bar.hide()
        return self.message_undo_bar

    @Slot(int)
    def _on_session_message_deleted(self, message_id: int) -> None:
        del message_id
        self.message_undo_bar.show()
        self._undo_delete_timer.start()

    @Slot()
    def _on_undo_delete_button_clicked(self) -> None:
        self._undo_delete_timer.stop()
        self.message_undo_bar.hide()
        self.session.undo_delete()

    @Slot()
    def _on_undo_delete_timer_timeout(self) -> None:
        self.message_undo_bar.hide()
        self.session.finish_pending_delete()

    @Slot()
    def _on_composer_notice_action_clicked(self) -> None:
        self.composer_notice.hide()
        if self._notice_picks_model:
            self.model_picker.setFocus()
            self.model_picker.showPopup()
        else:
            self.open_settings()

    def _build_composer_row(self) -> QHBoxLayout:
        """The composer with Send and Stop, centred under the transcript."""
        bottom = QHBoxLayout()
        bottom.setContentsMargins(16, 8, 16, 12)
        frame = QFrame(self._chat_page)
        frame.setObjectName("composerFrame")
        self._composer_frame = frame
        frame.setMaximumWidth(900)
        column = QVBoxLayout(frame)
        column.setContentsMargins(10, 6, 6, 6)
        column.setSpacing(4)
        self.attachment_tray = AttachmentTray(frame)
        self.attachment_tray.item_removed.connect(self._on_attachment_tray_item_removed)
        column.addWidget(self.attachment_tray)
        frame_layout = QHBoxLayout()
        frame_layout.setSpacing(8)
        column.addLayout(frame_layout)
        self.attach_button = QToolButton(frame)
        self.attach_button.setObjectName("attachButton")
        self.attach_button.setText(self.tr("Attach…"))
        self.attach_button.setIcon(action_icon("attach"))
        self.attach_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.attach_button.setAccessibleName(self.tr("Attach files"))
        self.attach_button.setToolTip(
            self.tr("Attach images, PDFs or text files (or paste or drop them here)")
        )
        self.attach_button.setAutoRaise(True)
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        frame_layout.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.composer = Composer(frame)
        self.composer.send_requested.connect(self._on_composer_send_requested)
        self.composer.stop_requested.connect(self._on_composer_stop_requested)
        self.composer.files_offered.connect(self._on_composer_files_offered)
        self.composer.drag_hovered.connect(self._on_drag_hovered)
        frame_layout.addWidget(self.composer, 1)
        self.send_button = QPushButton(self.tr("Send"), frame)
        self.send_button.setObjectName("sendButton")
        self.send_button.setIcon(action_icon("send", ON_ACCENT))
        self.send_button.setAccessibleName(self.tr("Send"))
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.stop_button = QPushButton(self.tr("Stop"), frame)
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setIcon(action_icon("stop", ON_ACCENT))
        self.stop_button.setAccessibleName(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the reply (Esc)"))
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        self.stop_button.hide()
        frame_layout.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        frame_layout.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignBottom)
        bottom.addStretch(1)
        bottom.addWidget(frame, 100)
        bottom.addStretch(1)
        return bottom

    def _build_status_bar(self) -> None:
        self.provider_status = plain_label("", self)
        self.provider_status.setObjectName("providerStatus")
        self.reply_status = plain_label("", self)
        self.reply_status.setObjectName("statusDetail")
        self.statusBar().addWidget(self.provider_status)
        self.statusBar().addPermanentWidget(self.reply_status)

    # Providers and models ----------------------------------------------------------------------

    def active_provider(self) -> ProviderConfig | None:
        """The provider the open chat's replies come from."""
        options = self.chat_options(self.session_conversation_id())
        return None if options is None else self.settings.provider(options.provider_id)

    def chat_options(self, conversation_id: int | None) -> ChatOptions | None:
        """The options of ``conversation_id`` (None: the new chat), or None with no provider."""
        if conversation_id is None:
            return self._new_chat_options or options_for(None, self.settings)
        try:
            conversation = self.storage.get_conversation(conversation_id)
        except StorageError:
            conversation = None
        return options_for(conversation, self.settings)

    def set_chat_options(self, options: ChatOptions) -> None:
        """Give the open chat ``options``: saved at once, whatever is sent next."""
        conversation_id = self.session_conversation_id()
        if conversation_id is None:
            self._new_chat_options = options
        else:
            try:
                self.storage.update_conversation(conversation_id, **options.stored_fields())
            except (StorageError, KeyError, ValueError) as error:
                self._on_problem_reported(str(error))
        self._update_provider_status()
        self._show_tool_servers()

    def _show_tool_servers(self) -> None:
        options = self.chat_options(self.session_conversation_id())
        available = [server.name for server in self.settings.tool_servers]
        self.tools_button.show_servers(available, () if options is None else options.tool_servers)

    @Slot(object)
    def _on_tools_button_servers_chosen(self, servers: object) -> None:
        options = self.chat_options(self.session_conversation_id())
        if options is not None:
            self.set_chat_options(
                options.with_changes(tool_servers=cast("tuple[str, ...]", servers))
            )

    @Slot()
    def _on_tools_button_settings_requested(self) -> None:
        self.open_settings().show_page("tools")

    @Slot(str, str)
    def _on_session_tool_always_allowed(self, server: str, tool: str) -> None:
        self.tools.allow_always(server, tool)

    def _connect(self, options: ChatOptions) -> tuple[ProviderConfig, Callable[[], ChatClient]]:
        from desktop_chat.core.chat.connection import client_for  # noqa: PLC0415 - on first send

        self._save_settings()
        provider = provider_for(options, self.settings)
        base_url = self.demo_base_url() if provider.preset.is_demo else None
        # A copy: the worker reads it while Settings may change the original.
        return provider, functools.partial(
            client_for,
            copy.copy(provider),
            self.secrets.get,
            base_url=base_url,
            proxy=self.settings.proxy,
        )

    @Slot()
    def open_chat_settings(self) -> ChatSettingsDialog | None:
        """Show the open chat's own settings (modal); what is saved applies at once."""
        options = self.chat_options(self.session_conversation_id())
        if options is None:
            self.open_settings()
            return None
        provider = self.settings.provider(options.provider_id)
        from desktop_chat.ui.dialogs.chat_settings_dialog import (  # noqa: PLC0415 - first use
            ChatSettingsDialog,
        )

        dialog = ChatSettingsDialog(options, provider, self)
        dialog.set_sees_images(self.settings.sees_images(options.provider_id, options.model))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.options_chosen.connect(self._on_chat_settings_dialog_options_chosen)
        dialog.open()
        return dialog

    @Slot(object)
    def _on_chat_settings_dialog_options_chosen(self, options: object) -> None:
        # Loaded already: the dialog that sent this is one.
        from desktop_chat.ui.dialogs.chat_settings_dialog import (  # noqa: PLC0415
            ChatSettingsDialog,
        )

        if isinstance(options, ChatOptions):
            self.set_chat_options(options)
            dialog = self.sender()
            if isinstance(dialog, ChatSettingsDialog):
                self.settings.set_sees_images(
                    options.provider_id, options.model, dialog.sees_images()
                )
                self._image_warning = None
                self._save_settings()

    def demo_base_url(self) -> str:
        """The demo server's base URL, starting it if needed."""
        if self._demo is None:
            from desktop_chat.core.client.demo_server import DemoServer  # noqa: PLC0415

            self._demo = DemoServer(pace=self._demo_pace)
        return self._demo.start()

    def _provider_label(self, provider: ProviderConfig) -> str:
        if provider.preset.is_demo and "demo" not in provider.name.lower():
            return self.tr("{name} (Demo)").format(name=provider.name)
        return provider.name

    def _fill_provider_picker(self) -> None:
        self.provider_picker.blockSignals(True)
        self.provider_picker.clear()
        for listed in self.settings.providers:
            self.provider_picker.addItem(self._provider_label(listed), listed.id)
        provider = self.active_provider()
        index = self.provider_picker.findData(None if provider is None else provider.id)
        self.provider_picker.setCurrentIndex(index)
        self.provider_picker.blockSignals(False)
        self._fill_model_picker()

    def _fill_model_picker(self) -> None:
        provider = self.active_provider()
        options = self.chat_options(self.session_conversation_id())
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        self.model_picker.setEditText(options.model if options is not None else "")
        self.model_picker.blockSignals(False)
        self._update_provider_status()
        if provider is None:
            return
        if provider.preset.is_demo:
            # The demo serves one model, its preset's; no need to start it just to ask.
            self._show_models([provider.preset.default_model or ""])
            return
        known = self._model_lists.get(provider.id)
        if known is not None:
            self._show_models(known)
            return
        if provider.id in self._models_asked.values():
            return  # shown when the answer comes
        self._model_generation += 1
        name = f"models-{self._model_generation}"
        self._models_asked[name] = provider.id
        start_background(
            functools.partial(_list_models, self.secrets, copy.copy(provider), self.settings.proxy),
            succeeded=self._on_models_call_succeeded,
            failed=self._on_models_call_failed,
            name=name,
        )

    @Slot(str, object)
    def _on_models_call_succeeded(self, name: str, models: object) -> None:
        provider_id = self._models_asked.pop(name, None)
        if provider_id is None or not isinstance(models, list):
            return  # asked before the settings changed
        names = [str(model) for model in models]
        self._model_lists[provider_id] = names
        provider = self.active_provider()
        if provider is not None and provider.id == provider_id:
            self._show_models(names)

    @Slot(str, object)
    def _on_models_call_failed(self, name: str, error: object) -> None:
        del error  # the picker stays editable: a model can still be typed
        self._models_asked.pop(name, None)

    def _show_models(self, names: list[str]) -> None:
        options = self.chat_options(self.session_conversation_id())
        if options is None:
            return
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        self.model_picker.addItems(names)
        chosen = options.model or (names[0] if names else "")
        self.model_picker.setEditText(chosen)
        self.model_picker.blockSignals(False)
        if chosen != options.model:
            self._choose_model(chosen)
        self._update_provider_status()

    @Slot(int)
    def _on_provider_picker_activated(self, index: int) -> None:
        provider = self.settings.provider(self.provider_picker.itemData(index))
        options = self.chat_options(self.session_conversation_id())
        if provider is None or (options is not None and options.provider_id == provider.id):
            return
        # New chats start with the provider chosen last.
        self.settings.active_provider_id = provider.id
        self._save_settings()
        if options is None or self.session_conversation_id() is None:
            self.set_chat_options(ChatOptions.from_provider(provider, self.settings))
        else:
            self.set_chat_options(
                options.with_changes(provider_id=provider.id, model=provider.model)
            )
        self._fill_model_picker()

    @Slot(str)
    def _on_model_picker_current_text_changed(self, text: str) -> None:
        options = self.chat_options(self.session_conversation_id())
        if options is not None and text.strip() != options.model:
            self._choose_model(text.strip())

    def _choose_model(self, model: str) -> None:
        options = self.chat_options(self.session_conversation_id())
        if options is None:
            return
        self.set_chat_options(options.with_changes(model=model))
        provider = self.settings.provider(options.provider_id)
        if provider is not None:
            provider.model = model  # the default of the next new chat; saved with the next send

    def _update_provider_status(self) -> None:
        self._show_tool_servers()
        options = self.chat_options(self.session_conversation_id())
        provider = None if options is None else self.settings.provider(options.provider_id)
        if options is None or provider is None:
            self.provider_status.setText(self.tr("No provider: open Settings to add one"))
            return
        parts = [self._provider_label(provider), options.model or self.tr("no model chosen")]
        if options.temperature is not None:
            parts.append(self.tr("temperature {value:g}").format(value=options.temperature))
        if options.max_tokens is not None:
            parts.append(self.tr("at most {count} tokens").format(count=options.max_tokens))
        if options.system_prompt.strip():
            parts.append(self.tr("system prompt set"))
        self.provider_status.setText(" · ".join(parts))

    def _save_settings(self) -> None:
        if not self._save_enabled:
            return
        try:
            saved = self._settings_file.save(self.settings)
        except SettingsError as error:
            self.statusBar().showMessage(error.message, 8000)
            return
        if saved.providers != self.settings.providers:
            # Another process (desktop-chat provider add) changed the providers meanwhile.
            for name in ("providers", "active_provider_id"):
                setattr(self.settings, name, getattr(saved, name))
            self._fill_provider_picker()

    # Conversations -----------------------------------------------------------------------------

    def refresh_conversations(self) -> None:
        """Reload the conversation list (newest first)."""
        self.conversation_list.reload(self.session_conversation_id())
        self.database_watch.settle()
        self._update_window_title()

    @Slot()
    def _on_list_model_data_changed(self) -> None:
        self._update_window_title()

    def _update_window_title(self) -> None:
        """The open chat's title, then the app's name (a window title is always plain text)."""
        conversation_id = self.session_conversation_id()
        conversation = None
        if conversation_id is not None:
            with contextlib.suppress(StorageError):
                conversation = self.storage.get_conversation(conversation_id)
        title = " ".join(conversation.title.split())[:80] if conversation is not None else ""
        app_name = self.tr("Desktop Chat")
        self.setWindowTitle(f"{title} — {app_name}" if title else app_name)

    @Slot()
    def _on_database_watch_list_changed(self) -> None:
        self.refresh_conversations()

    def changeEvent(self, event: QEvent) -> None:
        """Look at the database when the user comes back to the window."""
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.database_watch.check()
        super().changeEvent(event)

    @Slot(object)
    def _on_export_actions_conversations_imported(self, report: object) -> None:
        del report
        self.refresh_conversations()

    def session_conversation_id(self) -> int | None:
        """The open conversation's id (None for an unsaved new chat)."""
        session = getattr(self, "session", None)
        return session.conversation_id if session is not None else None

    @Slot()
    def new_chat(self) -> None:
        """Open an empty conversation (saved when the first message is sent)."""
        self._new_chat_options = None
        self._open(None)
        self._stack.setCurrentWidget(self._chat_page)
        self.composer.setFocus()

    def open_conversation(self, conversation_id: int) -> None:
        """Show a saved conversation."""
        self._open(conversation_id)
        self._stack.setCurrentWidget(self._chat_page)

    def _open(self, conversation_id: int | None) -> None:
        self._keep_draft()
        if conversation_id != self.session.conversation_id:
            self.reply_status.clear()  # the figures were the other chat's last reply
        self.session.open(conversation_id)
        self.export_actions.update_enabled()
        self.conversation_list.select(conversation_id)
        draft = self._drafts.get(conversation_id)
        if draft is None and conversation_id is not None:
            conversation = self.storage.get_conversation(conversation_id)
            draft = conversation.draft if conversation is not None else ""
        self.composer.setPlainText(draft or "")
        self.composer.moveCursor(self.composer.textCursor().MoveOperation.End)
        self.attachment_tray.set_items(self._draft_files.get(conversation_id, []))
        self._draft_timer.stop()
        self._fill_provider_picker()
        self._update_window_title()
        if self.find_bar.isVisible():
            self.find_bar.refresh()

    def _keep_draft(self) -> None:
        current = self.session.conversation_id
        text = self.composer.toPlainText()
        self._drafts[current] = text
        self._draft_files[current] = self.attachment_tray.items()
        if current is not None:
            with contextlib.suppress(StorageError, KeyError):
                self.storage.update_conversation(current, draft=text)

    @Slot(int)
    def _on_list_conversation_selected(self, conversation_id: int) -> None:
        if conversation_id != self.session.conversation_id:
            self.open_conversation(conversation_id)

    @Slot(int)
    def _on_history_conversation_deleted(self, conversation_id: int) -> None:
        self._deleted_while_open = conversation_id == self.session.conversation_id
        if self._deleted_while_open:
            # The chat below it in the list takes its place (above it, for the last one), as
            # in a mail program; an empty new chat only when it was the only one.
            ids = self.conversation_list.ids()
            index = ids.index(conversation_id) if conversation_id in ids else -1
            others = ids[index + 1 :] + ids[:index][::-1] if index >= 0 else []
            if others:
                self.open_conversation(others[0])
            else:
                self.new_chat()
        self.refresh_conversations()

    @Slot(int)
    def _on_history_conversation_restored(self, conversation_id: int) -> None:
        self.refresh_conversations()
        if self._deleted_while_open:
            self._deleted_while_open = False
            self.open_conversation(conversation_id)  # Undo brings the chat back on screen

    @Slot(int, object)
    def _on_history_result_chosen(self, conversation_id: int, message_id: object) -> None:
        self.open_at(conversation_id, message_id if isinstance(message_id, int) else None)

    def open_at(self, conversation_id: int, message_id: int | None) -> None:
        """Open a conversation at ``message_id`` (switching to its branch) and flash it."""
        if message_id is not None:
            on_screen = conversation_id == self.session.conversation_id and any(
                m.id == message_id for m in self.transcript.messages()
            )
            if not on_screen and not self.session.is_streaming:
                with contextlib.suppress(StorageError, KeyError):
                    path = {m.id for m in self.storage.current_path(conversation_id)}
                    if message_id not in path:
                        self.storage.select_branch(message_id)
                if conversation_id == self.session.conversation_id:
                    self.session.open(conversation_id)
        if conversation_id != self.session.conversation_id:
            self.open_conversation(conversation_id)
        view = self.transcript.reveal_message(message_id) if message_id is not None else None
        if view is not None:
            flash(view)

    @Slot()
    def _on_find_bar_closed(self) -> None:
        self.composer.setFocus()

    @Slot()
    def _on_composer_text_changed(self) -> None:
        self.composer_notice.hide()
        if self.session.conversation_id is not None:
            self._draft_timer.start()

    @Slot()
    def _on_draft_timer_timeout(self) -> None:
        # Saved while typing too, so a draft outlives a crash, not only a clean exit.
        current = self.session.conversation_id
        if current is not None:
            with contextlib.suppress(StorageError, KeyError):
                self.storage.update_conversation(current, draft=self.composer.toPlainText())

    @Slot(int)
    def _on_session_conversation_changed(self, conversation_id: int) -> None:
        del conversation_id
        self.refresh_conversations()

    # Sending -----------------------------------------------------------------------------------

    def send_current(self) -> bool:
        """Send what the composer holds, with the files in the tray; True when a reply started."""
        text = self.composer.toPlainText()
        items = self.attachment_tray.items()
        if (not text.strip() and not items) or self.session.is_streaming:
            return False
        if any(not item.ready for item in items):
            self._on_session_send_refused(
                self.tr("Files are still being prepared; send again in a moment.")
            )
            return False
        files: list[NewAttachment] = [item.attachment for item in items if item.attachment]
        if not self._images_may_go(files):
            return False
        if self.session.send(text, files):
            self._image_warning = None
            self.attachment_tray.set_items([])
            self._draft_files.pop(self.session.conversation_id, None)
            self._draft_files.pop(None, None)
            self.composer.clear()
            self._draft_timer.stop()
            self._drafts.pop(self.session.conversation_id, None)
            self._drafts.pop(None, None)
            self._new_chat_options = None
            self.composer_notice.hide()
            return True
        return False

    def _images_may_go(self, files: list[NewAttachment]) -> bool:
        """False (with a warning) when images go to a model known not to see them; a second
        Send goes ahead."""
        options = self.chat_options(self.session_conversation_id())
        if options is None or not any(item.kind == "image" for item in files):
            return True
        model = (options.provider_id, options.model.strip())
        if self.settings.sees_images(*model) or self._image_warning == model:
            return True
        self._image_warning = model
        self._show_notice(
            self.tr(
                "{model} refused images before: it may not see them. Choose a vision model, or "
                "press Send again to send anyway."
            ).format(model=options.model.strip()),
            pick_model=True,
        )
        return False

    @Slot(int, str)
    def _on_session_images_refused(self, conversation_id: int, model: str) -> None:
        options = self.chat_options(conversation_id)
        if options is not None:
            self.settings.set_sees_images(options.provider_id, model, False)
            self._save_settings()

    # Attaching ---------------------------------------------------------------------------------

    def attach(self, offered: list[tuple[Source, str]]) -> list[TrayItem]:
        """Prepare files (paths, pasted bytes or pictures) off the GUI thread; chips show them."""
        self.attachment_tray.clear_problem()
        added = []
        for source, name in offered:
            item = TrayItem(name)
            item.job_id = self.attacher.submit(source, name, self.settings.max_image_side)
            self._preparing[item.job_id] = item
            self.attachment_tray.add(item)
            added.append(item)
        return added

    def attach_files(self, paths: list[Path]) -> list[TrayItem]:
        """Attach the files at ``paths`` (as the file picker does)."""
        return self.attach([(Path(path), Path(path).name) for path in paths])

    @Slot()
    def _on_attach_button_clicked(self) -> None:
        dialog = QFileDialog(self, self.tr("Attach files"))
        dialog.setObjectName("attachDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(self._on_attach_dialog_files_selected)
        dialog.open()

    @Slot(list)
    def _on_attach_dialog_files_selected(self, paths: list[str]) -> None:
        self.attach_files([Path(path) for path in paths])
        self.composer.setFocus()

    @Slot(object)
    def _on_composer_files_offered(self, offered: object) -> None:
        if isinstance(offered, list):
            self.attach(offered)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept files dragged onto the window, to attach them, and show where they go."""
        offered = offered_files(event.mimeData())
        if self._stack.currentWidget() is self._chat_page and offered:
            event.acceptProposedAction()
            self._on_drag_hovered(len(offered))
        else:
            super().dragEnterEvent(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        """The drag went elsewhere: the composer looks as before."""
        self._on_drag_hovered(0)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Attach the files dropped onto the window."""
        self._on_drag_hovered(0)
        offered = offered_files(event.mimeData())
        if offered and self._stack.currentWidget() is self._chat_page:
            event.acceptProposedAction()
            self.attach(offered)
        else:
            super().dropEvent(event)

    @Slot(int)
    def _on_drag_hovered(self, count: int) -> None:
        """Mark the message box as where ``count`` dragged files go (0: as before)."""
        shown = count > 0
        if shown:
            self.statusBar().showMessage(
                self.tr("Drop to attach the file to the message")
                if count == 1
                else self.tr("Drop to attach {count} files to the message").format(count=count)
            )
        elif self._composer_frame.property("dropTarget"):
            self.statusBar().clearMessage()
        if self._composer_frame.property("dropTarget") is not shown:
            self._composer_frame.setProperty("dropTarget", shown)
            self._composer_frame.style().unpolish(self._composer_frame)
            self._composer_frame.style().polish(self._composer_frame)

    def _find_item(self, job_id: int) -> TrayItem | None:
        return self._preparing.pop(job_id, None)

    @Slot(int, object)
    def _on_attacher_prepared(self, job_id: int, prepared: object) -> None:
        from desktop_chat.core.attachments.prepare import (  # noqa: PLC0415 - on first attach
            PreparedAttachment,
        )

        item = self._find_item(job_id)
        if item is None or not isinstance(prepared, PreparedAttachment):
            return
        item.job_id = None
        item.attachment = prepared
        item.thumbnail = prepared.thumbnail
        self.attachment_tray.refresh(item)

    @Slot(int, str)
    def _on_attacher_refused(self, job_id: int, message: str) -> None:
        item = self._find_item(job_id)
        if item is None:
            return
        self.attachment_tray.remove(item)
        for items in self._draft_files.values():
            if item in items:
                items.remove(item)
        self.attachment_tray.show_problem(message)

    @Slot(object)
    def _on_attachment_tray_item_removed(self, item: object) -> None:
        if isinstance(item, TrayItem) and item.job_id is not None:
            self._preparing.pop(item.job_id, None)
            self.attacher.cancel(item.job_id)
        self.composer.setFocus()

    def _edit_items(self, attachments: tuple[Attachment, ...]) -> list[TrayItem]:
        items = []
        for attachment in attachments:
            if attachment.sha256 is None:
                continue  # nothing to send again
            thumbnail = None
            if attachment.kind == "image":
                with contextlib.suppress(StorageError, KeyError):
                    thumbnail = self.storage.attachment_thumbnail(attachment.sha256)
            items.append(TrayItem(attachment.name, attachment=attachment, thumbnail=thumbnail))
        return items

    @Slot()
    def _on_composer_send_requested(self) -> None:
        self.send_current()

    @Slot()
    def _on_send_button_clicked(self) -> None:
        self.send_current()
        self.composer.setFocus()

    @Slot()
    def _on_composer_stop_requested(self) -> None:
        if self.session.is_streaming:
            self.session.stop()
        elif self.session.editing:
            self.session.cancel_edit()
            self.attachment_tray.set_items([])
            self.open_conversation_again()

    def open_conversation_again(self) -> None:
        """Reload the open conversation (after an edit was cancelled)."""
        self.session.open(self.session.conversation_id)

    @Slot()
    def _on_stop_button_clicked(self) -> None:
        self.session.stop()

    @Slot(int)
    def _on_transcript_edit_requested(self, message_id: int) -> None:
        text = self.session.begin_edit(message_id)
        edited = self.session.edited_message
        if edited is not None:
            self.attachment_tray.set_items(self._edit_items(edited.attachments))
        if text or edited is not None:
            self.composer.setPlainText(text)
            self.composer.setFocus()
            self.statusBar().showMessage(
                self.tr("Editing an earlier message: sending replaces it (Esc cancels)."), 8000
            )

    @Slot(object)
    def _on_session_live_changed(self, live: object) -> None:
        if isinstance(live, frozenset):
            self.conversation_list.set_streaming(live)

    @Slot(str)
    def _on_session_send_refused(self, message: str) -> None:
        self._show_notice(message, pick_model=False)

    def _show_notice(self, message: str, *, pick_model: bool) -> None:
        """Say above the composer why nothing was sent, with the action that helps."""
        self.composer_notice_text.setText(message)
        no_model = (
            self.active_provider() is not None and not self.model_picker.currentText().strip()
        )
        self._notice_picks_model = pick_model or no_model
        if self._notice_picks_model:
            self.composer_notice_action.setText(self.tr("Choose a model"))
            self.model_picker.setFocus()
        else:
            self.composer_notice_action.setText(self.tr("Open Settings"))
        self.composer_notice.show()

    @Slot(bool)
    def _on_session_streaming_changed(self, streaming: bool) -> None:
        self.send_button.setVisible(not streaming)
        self.stop_button.setVisible(streaming)
        self.provider_picker.setEnabled(not streaming)
        # The figures of the reply that ended follow at once (reply_finished).
        self.reply_status.setText(self.tr("Streaming the reply … (Esc stops)") if streaming else "")

    @Slot(object)
    def _on_session_reply_finished(self, stats: object) -> None:
        if isinstance(stats, ReplyStats):
            self.reply_status.setText(self.describe_stats(stats))
        self._maybe_ask_title()

    @Slot(int, object)
    def _on_session_reply_ended(self, conversation_id: int, outcome: object) -> None:
        if not self.settings.notify_when_done or self.isActiveWindow():
            return
        try:
            conversation = self.storage.get_conversation(conversation_id)
        except StorageError:
            conversation = None
        title = conversation.title if conversation is not None else ""
        notice = reply_notice(title, cast("TurnOutcome", outcome))
        if notice is None:
            return
        if self.notifier is None:
            self.notifier = DesktopNotifier(self.windowIcon(), parent=self)
        self.notifier.notify(*notice)

    def _maybe_ask_title(self) -> None:
        conversation_id = self.session.conversation_id
        if self._title_for is not None:
            self._title_timer.start()  # still waiting for a quiet moment
        if not self.settings.generate_titles or conversation_id is None:
            return
        provider = self.active_provider()
        if provider is None or provider.preset.is_demo:
            return  # the demo answers with canned text, never a title
        shown = self.transcript.messages()
        if len(shown) != 2 or shown[1].role != "assistant" or shown[1].status != "complete":
            return
        try:
            if len(self.storage.conversation_messages(conversation_id)) != 2:
                return  # a regenerated first reply: the conversation was titled already
        except StorageError:
            return
        self._title_for = conversation_id
        self._title_timer.start()

    @Slot()
    def _on_title_timer_timeout(self) -> None:
        conversation_id = self._title_for
        if conversation_id is None or self._closing:
            return
        if self.session.is_streaming:
            return  # asked again when that reply ends
        self._title_for = None
        try:
            first = [m for m in self.storage.current_path(conversation_id) if m.role != "system"]
            if len(first) < 2 or first[1].role != "assistant":
                return
            options = self.chat_options(conversation_id)
            if options is None:
                return
            _provider, client = self._connect(options)
        except (DesktopChatError, StorageError):
            return
        self.title_maker.request(
            conversation_id, client, options.model, first[0].content, first[1].content
        )

    @Slot(int)
    def _on_title_maker_titled(self, conversation_id: int) -> None:
        del conversation_id
        self.refresh_conversations()

    def describe_stats(self, stats: ReplyStats) -> str:
        """The status-bar text for the last reply's figures."""
        parts: list[str] = []
        if stats.ttft_ms is not None:
            parts.append(
                self.tr("first token {seconds:.2f} s").format(seconds=stats.ttft_ms / 1000)
            )
        rate = stats.tokens_per_second
        if rate is not None:
            parts.append(self.tr("{rate:.1f} tokens/s").format(rate=rate))
        if stats.usage is not None:
            parts.append(
                self.tr("{prompt} prompt + {completion} reply = {total} tokens").format(
                    prompt=stats.usage.prompt_tokens,
                    completion=stats.usage.completion_tokens,
                    total=stats.usage.total_tokens,
                )
            )
        elif stats.deltas:
            parts.append(
                self.tr("{count} pieces (the server sent no token count)").format(
                    count=stats.deltas
                )
            )
        return " · ".join(parts)

    @Slot(str)
    def _on_problem_reported(self, message: str) -> None:
        open_plain_message(
            self, QMessageBox.Icon.Warning, self.tr("Desktop Chat"), message, "windowMessage"
        )

    # Welcome -----------------------------------------------------------------------------------

    def _use_provider(self, provider: ProviderConfig) -> None:
        if self.settings.provider(provider.id) is None:
            self.settings.providers.append(provider)
        self.settings.active_provider_id = provider.id
        self._save_settings()
        self._fill_provider_picker()
        self.new_chat()

    @Slot(str)
    def _on_welcome_openai_key_submitted(self, key: str) -> None:
        provider = config_from_preset("openai")
        self._welcome_provider = provider
        self.welcome.use_key_button.setEnabled(False)
        # A keyring write may wait on an unlock prompt: it runs in the background.
        start_background(
            functools.partial(self.secrets.set, provider.id, key),
            succeeded=self._on_welcome_key_call_succeeded,
            failed=self._on_welcome_key_call_failed,
            name=f"welcome-key-{provider.id}",
        )

    @Slot(str, object)
    def _on_welcome_key_call_succeeded(self, name: str, result: object) -> None:
        del result
        provider = self._welcome_provider
        self.welcome.use_key_button.setEnabled(True)
        if provider is None or name != f"welcome-key-{provider.id}":
            return
        self._welcome_provider = None
        self._use_provider(provider)
        if not self.secrets.is_secure:
            self.statusBar().showMessage(self.secrets.explanation, 15000)

    @Slot(str, object)
    def _on_welcome_key_call_failed(self, name: str, error: object) -> None:
        del name
        self._welcome_provider = None
        self.welcome.use_key_button.setEnabled(True)
        message = error.message if isinstance(error, DesktopChatError) else str(error)
        self.welcome.show_key_error(message, offer_session=True)

    @Slot(str)
    def _on_welcome_session_key_chosen(self, key: str) -> None:
        provider = config_from_preset("openai")
        self.secrets.keep_for_session(provider.id, key)
        self._use_provider(provider)
        self.statusBar().showMessage(
            self.tr("The key is kept in memory for this session only."), 15000
        )

    @Slot(object)
    def _on_welcome_local_server_chosen(self, server: object) -> None:
        from desktop_chat.core.client.discovery import LocalServer  # noqa: PLC0415 - was scanned

        if not isinstance(server, LocalServer):
            return
        provider = config_from_preset(server.kind)
        provider.base_url = server.base_url
        if server.models:
            provider.model = server.models[0]
        self._use_provider(provider)

    @Slot()
    def _on_welcome_demo_chosen(self) -> None:
        provider = next((p for p in self.settings.providers if p.preset.is_demo), None)
        if provider is None:
            provider = config_from_preset("demo", provider_id=DEMO_PROVIDER_ID, name="Demo")
        self.demo_base_url()
        self._use_provider(provider)

    # Settings ----------------------------------------------------------------------------------

    @Slot()
    def open_settings(self) -> SettingsDialog:
        """Show the Settings dialog (modal) and apply what was saved."""
        from desktop_chat.ui.dialogs.settings_dialog import SettingsDialog  # noqa: PLC0415

        demo_url = (self._demo.base_url if self._demo is not None else None) or ""
        dialog = SettingsDialog(
            self.settings, self.secrets, demo_url, self, settings_file=self._settings_file
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._on_settings_dialog_accepted)
        dialog.open()
        return dialog

    @Slot(str)
    def _on_transcript_settings_requested(self, field: str) -> None:
        """An error banner's Open Settings: the open chat's provider, at the field to fix."""
        dialog = self.open_settings()
        options = self.chat_options(self.session_conversation_id())
        if options is not None:
            dialog.focus_field(options.provider_id, field)

    @Slot()
    def _on_settings_dialog_accepted(self) -> None:
        from desktop_chat.ui.dialogs.settings_dialog import SettingsDialog  # noqa: PLC0415

        dialog = self.sender()
        if not isinstance(dialog, SettingsDialog):
            return
        self.apply_settings(dialog.result_settings())

    def apply_settings(self, settings: Settings) -> None:
        """Use new settings (already saved) in the window."""
        self.settings = settings
        self.tools.settings = settings
        self._model_lists.clear()
        self._models_asked.clear()
        self.composer.set_send_key(settings.send_key)
        self._apply_theme()
        self._apply_font()
        self._fill_provider_picker()
        self._show_tool_servers()
        if self._stack.currentWidget() is self.welcome and settings.providers:
            self.new_chat()

    def _apply_font(self) -> None:
        font = QFont(self.transcript.font())
        font.setPointSize(self.settings.font_size)
        self.transcript.set_text_font(font)
        self.composer.setFont(font)

    def _apply_theme(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.settings.theme)
        self.menus.show_theme(self.settings.theme)
        # Messages carry their colours in their rendering: render them again.
        self.transcript.restyle()

    # Window state ------------------------------------------------------------------------------

    def _view_state(self) -> QSettings:
        path = app_paths().config_dir / "window.ini"
        return QSettings(str(path), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        state = self._view_state()
        geometry = state.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self._fit_to_screen()
        splitter = state.value("splitter")
        if isinstance(splitter, QByteArray):
            self._splitter.restoreState(splitter)
        self.set_sidebar_shown(state.value("sidebar", True, type=bool) is not False)

    def showEvent(self, event: QShowEvent) -> None:
        """Fit the window to its screen again once shown: only then are its frame's sizes known."""
        super().showEvent(event)
        if not event.spontaneous():
            self._fit_to_screen()

    def _fit_to_screen(self) -> None:
        """Keep the whole window on its screen: a size saved on a larger screen, or at another
        scale factor, is cut to what this one has free, and the window moved onto it."""
        free = self.screen().availableGeometry()
        frame = self.frameGeometry()
        extra_width = frame.width() - self.width()
        extra_height = frame.height() - self.height()
        width = min(self.width(), free.width() - extra_width)
        height = min(self.height(), free.height() - extra_height)
        if (width, height) != (self.width(), self.height()):
            self.resize(max(width, self.minimumWidth()), max(height, self.minimumHeight()))
        frame = self.frameGeometry()
        left = min(max(frame.left(), free.left()), free.right() - frame.width() + 1)
        top = min(max(frame.top(), free.top()), free.bottom() - frame.height() + 1)
        if (left, top) != (frame.left(), frame.top()):
            self.move(left, top)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask first while replies stream; then stop them, keep the draft and the window state."""
        # The user closing the window, or quitting, is asked; a close from code (the session
        # ending, tests) just stops the replies.
        asks = event.spontaneous() or self._quit_requested
        self._quit_requested = False
        if (
            asks
            and not self._closing
            and self.session.live_conversations
            and not self._quit_confirmed
        ):
            event.ignore()
            self._confirm_quit()
            return
        if not self._closing:
            self._closing = True
            self.database_watch.stop()
            self.attacher.close()
            self.session.shutdown()
            self._draft_timer.stop()
            self._keep_draft()
            self.history.finish_pending_delete()
            if self._save_enabled:
                state = self._view_state()
                state.setValue("geometry", self.saveGeometry())
                state.setValue("splitter", self._splitter.saveState())
                state.sync()
            if self._demo is not None:
                self._demo.stop()
            # Servers may take a moment to exit: never on the GUI thread. One still running
            # when the process ends gets its end-of-parent signal (see core.tools).
            start_background(self.tools.close, name="tools-close")
        if self.session.threads_running:
            # Never wait on the GUI thread: close once the stopped replies have ended (a thread
            # still in a keyring read ends when that call returns).
            event.ignore()
            self.setEnabled(False)
            self.statusBar().showMessage(self.tr("Stopping the replies …"))
            self.session.stopped.connect(self.close, Qt.ConnectionType.UniqueConnection)
            return
        super().closeEvent(event)

    @Slot()
    def request_quit(self) -> bool:
        """Close the window as the user asked to: first ask if replies are streaming."""
        self._quit_requested = True
        return self.close()

    def _confirm_quit(self) -> None:
        count = len(self.session.live_conversations)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Desktop Chat"),
            (
                self.tr("A reply is still streaming.")
                if count == 1
                else self.tr("{count} replies are still streaming.").format(count=count)
            )
            + " "
            + self.tr("Stop and quit? The text that has arrived is kept."),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("quitConfirmation")
        box.setTextFormat(Qt.TextFormat.PlainText)
        stop = box.addButton(self.tr("Stop and quit"), QMessageBox.ButtonRole.AcceptRole)
        stop.setObjectName("stopAndQuitButton")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(self._on_quit_confirmation_accepted)
        box.open()

    @Slot()
    def _on_quit_confirmation_accepted(self) -> None:
        self._quit_confirmed = True
        self.close()

    @Slot()
    def bring_forward(self) -> None:
        """Show the window on top, restored if minimised (another launch asked for it)."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    @Slot(list)
    def import_offered_files(self, paths: list[str]) -> None:
        """Import files another launch (or this one's command line) was given, in front."""
        self.bring_forward()
        if not self.export_actions.import_files([Path(path) for path in paths]):
            self.statusBar().showMessage(
                self.tr("An import is already running; import these files when it ends."), 10_000
            )

    def show_notices(self, notices: list[str]) -> None:
        """Tell the user, once the window is up, about files that had to be set aside."""
        self._notices = list(notices)
        if self._notices:
            QTimer.singleShot(0, self._on_notice_timer_timeout)

    @Slot()
    def _on_notice_timer_timeout(self) -> None:
        text = "\n\n".join(self._notices)
        self._notices = []
        open_plain_message(
            self, QMessageBox.Icon.Information, self.tr("Desktop Chat"), text, "windowMessage"
        )

    @Slot(Qt.ColorScheme)
    def on_system_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        """Follow the system's light/dark switch when the theme is "system"."""
        del scheme
        if self.settings.theme == "system":
            self._apply_theme()

    def is_welcome_shown(self) -> bool:
        """Whether the first-run screen is showing."""
        return self._stack.currentWidget() is self.welcome
