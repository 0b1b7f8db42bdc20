"""The Settings dialog: providers (from presets, with the key in the keyring) and app preferences.

It edits a copy of the settings; Save stores the keys in the keyring first, then writes the
settings file (which never holds a key). Test connection runs off the GUI thread.
"""

from __future__ import annotations

import copy
import functools

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.chat.connection import list_models
from desktop_chat.core.client.api import endpoint_url
from desktop_chat.core.client.proxies import proxy_route
from desktop_chat.core.config.providers import (
    AUTH_STYLES,
    PRESETS,
    ProviderConfig,
    base_url_problem,
    config_from_preset,
    is_cleartext_remote,
)
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import (
    MAX_FONT_SIZE,
    MAX_IMAGE_SIDE_RANGE,
    MIN_FONT_SIZE,
    Settings,
)
from desktop_chat.core.config.settings_file import SettingsFile
from desktop_chat.core.errors import DesktopChatError, SecretStoreError, SettingsError
from desktop_chat.ui.common.inert import (
    open_plain_message,
    plain_form_labels,
    plain_label,
    plain_message,
)
from desktop_chat.ui.dialogs.tools_page import ToolsPage
from desktop_chat.ui.workers.background import start_background

__all__ = ["SettingsDialog"]

_ID_ROLE = Qt.ItemDataRole.UserRole
_NO_TEMPERATURE = -0.1


class _FittedLabel(QLabel):
    """A word-wrapped plain-text label that asks for the height its text takes at its width.

    QLabel's own size hint wraps the text at a narrow width of its choosing, so a one-line
    sentence asks for four or five lines; in the settings form, which has no height to spare,
    those lines were taken from the rows above and the fields moved under the mouse.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:
        """QLabel's hint, with the height the text needs at the label's present width."""
        hint = super().sizeHint()
        if self.width() > 0:
            hint.setHeight(max(self.minimumHeight(), self.heightForWidth(self.width())))
        return hint


def _reserve_lines(label: QLabel, lines: int, *, fixed: bool = True) -> None:
    """Give ``label`` room for ``lines`` lines, empty or not, so that the fields under it do
    not move under the mouse when a warning or a test result comes or goes (with ``fixed``
    False it may still grow past them)."""
    height = label.fontMetrics().lineSpacing() * lines + 2
    if fixed:
        label.setFixedHeight(height)
    else:
        label.setMinimumHeight(height)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)


def _store_keys(secrets: SecretStore, keys: dict[str, str], removed: list[str]) -> None:
    """Store the typed keys and delete those of removed providers (in the background)."""
    for provider_id, key in keys.items():
        secrets.set(provider_id, key)
    for provider_id in removed:
        secrets.delete(provider_id)


def _stored_key_state(secrets: SecretStore, provider_id: str) -> bool | str:
    """Whether a key is stored (True/False), or the keyring's problem in words (background)."""
    try:
        return bool(secrets.get(provider_id))
    except SecretStoreError as error:
        return error.message


def _list_models(
    secrets: SecretStore,
    typed: str | None,
    provider: ProviderConfig,
    base_url: str,
    proxy: str,
) -> list[str]:
    """The models, with the typed key or else the stored one (read here, in the background)."""
    key = typed
    if key is None and not provider.preset.is_demo:
        key = secrets.get(provider.id)
    return list_models(provider, key, base_url, proxy)


class SettingsDialog(QDialog):
    """Edits providers, keys and app preferences.

    Args:
        settings: the current settings (not modified; see ``result_settings``).
        secrets: where API keys are kept.
        demo_base_url: the running demo server's base URL, or "" when it is not running.
        parent: the Qt parent.

    Signals:
        models_listed(object): Test connection succeeded with this list of model names.
        connection_failed(str): Test connection failed with this message.
    """

    models_listed = Signal(object)
    connection_failed = Signal(str)

    def __init__(
        self,
        settings: Settings,
        secrets: SecretStore,
        demo_base_url: str = "",
        parent: QWidget | None = None,
        *,
        settings_file: SettingsFile | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setAccessibleName(self.tr("Settings"))
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumSize(780, 560)
        self._settings = copy.deepcopy(settings)
        self._settings_file = settings_file if settings_file is not None else SettingsFile(settings)
        self._secrets = secrets
        self._demo_base_url = demo_base_url
        self._keys: dict[str, str] = {}
        self._removed: list[str] = []
        self._current: ProviderConfig | None = None
        self._loading = False

        layout = QVBoxLayout(self)
        self._tabs = QTabWidget(self)
        self._tabs.addTab(self._build_providers_tab(), self.tr("Providers"))
        self._tabs.addTab(self._build_app_tab(), self.tr("Appearance and keys"))
        self.tools_page = ToolsPage(self._settings, self._keys, self._removed, self)
        self._tabs.addTab(self.tools_page, self.tr("Tools"))
        layout.addWidget(self._tabs)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._fill_provider_list(self._settings.active_provider_id)

    # Building ----------------------------------------------------------------------------------

    def _build_providers_tab(self) -> QWidget:
        page = QWidget(self)
        row = QHBoxLayout(page)
        row.addLayout(self._build_provider_list(page))
        self._form_page = QWidget(page)
        form = QFormLayout(self._form_page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._build_connection_rows(form)
        self._build_model_rows(form)
        plain_form_labels(form)
        row.addWidget(self._form_page, 1)
        self.models_listed.connect(self._on_self_models_listed)
        self.connection_failed.connect(self._on_self_connection_failed)
        return page

    def _build_provider_list(self, page: QWidget) -> QVBoxLayout:
        """The list of providers with Add and Remove under it."""
        left = QVBoxLayout()
        self.provider_list = QListWidget(page)
        self.provider_list.setObjectName("providerList")
        self.provider_list.setAccessibleName(self.tr("Providers"))
        self.provider_list.setMaximumWidth(220)
        self.provider_list.currentItemChanged.connect(self._on_provider_list_current_item_changed)
        left.addWidget(self.provider_list)
        buttons = QHBoxLayout()
        self.add_button = QToolButton(page)
        self.add_button.setObjectName("addProviderButton")
        self.add_button.setText(self.tr("Add…"))
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        for preset in PRESETS:
            action = menu.addAction(preset.label)
            action.setData(preset.kind)
        menu.triggered.connect(self._on_add_menu_triggered)
        self.add_button.setMenu(menu)
        self.remove_button = QPushButton(self.tr("Remove"), page)
        self.remove_button.setObjectName("removeProviderButton")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        left.addLayout(buttons)
        return left

    def _build_connection_rows(self, form: QFormLayout) -> None:
        """Name, type, address and key: where requests go and how they are signed."""
        self.name_edit = QLineEdit(self._form_page)
        self.name_edit.setObjectName("providerName")
        self.name_edit.textEdited.connect(self._on_name_edit_text_edited)
        form.addRow(self.tr("Name"), self.name_edit)
        self.kind_label = plain_label("", self._form_page)
        form.addRow(self.tr("Type"), self.kind_label)

        self.base_url_edit = QLineEdit(self._form_page)
        self.base_url_edit.setObjectName("baseUrl")
        self.base_url_edit.setPlaceholderText("https://api.example.com/v1")
        self.base_url_edit.textChanged.connect(self._on_base_url_edit_text_changed)
        form.addRow(self.tr("Base URL"), self.base_url_edit)
        self.endpoint_preview = plain_label("", self._form_page)
        self.endpoint_preview.setObjectName("endpointPreview")
        self.endpoint_preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.endpoint_preview.setWordWrap(True)
        _reserve_lines(self.endpoint_preview, 2)
        form.addRow(self.tr("Requests go to"), self.endpoint_preview)
        self._build_proxy_rows(form)
        self.url_warning = plain_label("", self._form_page)
        self.url_warning.setObjectName("urlWarning")
        self.url_warning.setWordWrap(True)
        _reserve_lines(self.url_warning, 4)
        form.addRow("", self.url_warning)

        key_row = QHBoxLayout()
        self.key_edit = QLineEdit(self._form_page)
        self.key_edit.setObjectName("apiKey")
        self.key_edit.setAccessibleName(self.tr("API key"))
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.textEdited.connect(self._on_key_edit_text_edited)
        self.show_key = QCheckBox(self.tr("Show"), self._form_page)
        self.show_key.toggled.connect(self._on_show_key_toggled)
        key_row.addWidget(self.key_edit)
        key_row.addWidget(self.show_key)
        form.addRow(self.tr("API key"), key_row)
        self.keyring_status = plain_label(self._secrets.explanation, self._form_page)
        self.keyring_status.setObjectName("keyringStatus")
        self.keyring_status.setWordWrap(True)
        if not self._secrets.is_secure:
            self.keyring_status.setProperty("warning", True)
        form.addRow("", self.keyring_status)
        self.auth_combo = QComboBox(self._form_page)
        self.auth_combo.addItem(self.tr("Authorization: Bearer header"), "bearer")
        self.auth_combo.addItem(self.tr("api-key header (Azure)"), "api-key")
        self.auth_combo.currentIndexChanged.connect(self._on_auth_combo_current_index_changed)
        form.addRow(self.tr("Send the key as"), self.auth_combo)

    def _build_proxy_rows(self, form: QFormLayout) -> None:
        """The provider's own proxy, and the route its requests take."""
        self.proxy_edit = QLineEdit(self._form_page)
        self.proxy_edit.setObjectName("providerProxy")
        self.proxy_edit.setAccessibleName(self.tr("Proxy for this provider"))
        self.proxy_edit.setPlaceholderText(
            self.tr("As the system; or a proxy URL, or none to connect directly")
        )
        self.proxy_edit.textEdited.connect(self._on_proxy_edit_text_edited)
        form.addRow(self.tr("Proxy"), self.proxy_edit)
        self.proxy_status = plain_label("", self._form_page)
        self.proxy_status.setObjectName("proxyStatus")
        self.proxy_status.setWordWrap(True)
        _reserve_lines(self.proxy_status, 2)
        form.addRow("", self.proxy_status)

    def _build_model_rows(self, form: QFormLayout) -> None:
        """The model, Test connection, and what each request asks of it."""
        model_row = QHBoxLayout()
        self.model_combo = QComboBox(self._form_page)
        self.model_combo.setObjectName("providerModel")
        self.model_combo.setEditable(True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_combo.editTextChanged.connect(self._on_model_combo_edit_text_changed)
        self.test_button = QPushButton(self.tr("Test connection"), self._form_page)
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.clicked.connect(self._on_test_button_clicked)
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.test_button)
        form.addRow(self.tr("Model"), model_row)
        self.test_result = _FittedLabel(self._form_page)
        self.test_result.setObjectName("testResult")
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        _reserve_lines(self.test_result, 4, fixed=False)  # a server's words are not cut
        form.addRow("", self.test_result)

        self.system_prompt_edit = QPlainTextEdit(self._form_page)
        self.system_prompt_edit.setObjectName("systemPrompt")
        self.system_prompt_edit.setPlaceholderText(self.tr("Optional instructions sent first"))
        self.system_prompt_edit.setMaximumHeight(90)
        self.system_prompt_edit.textChanged.connect(self._on_system_prompt_edit_text_changed)
        form.addRow(self.tr("System prompt"), self.system_prompt_edit)
        self.temperature_spin = QDoubleSpinBox(self._form_page)
        self.temperature_spin.setRange(_NO_TEMPERATURE, 2.0)
        self.temperature_spin.setSingleStep(0.1)
        self.temperature_spin.setDecimals(1)
        self.temperature_spin.setSpecialValueText(self.tr("Server default"))
        self.temperature_spin.valueChanged.connect(self._on_temperature_spin_value_changed)
        form.addRow(self.tr("Temperature"), self.temperature_spin)
        self.max_tokens_spin = QSpinBox(self._form_page)
        self.max_tokens_spin.setRange(0, 1_000_000)
        self.max_tokens_spin.setSingleStep(256)
        self.max_tokens_spin.setSpecialValueText(self.tr("Server default"))
        self.max_tokens_spin.valueChanged.connect(self._on_max_tokens_spin_value_changed)
        form.addRow(self.tr("Max tokens"), self.max_tokens_spin)

    def _build_app_tab(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.theme_combo = QComboBox(page)
        self.theme_combo.setObjectName("themeChoice")
        for value, label in (
            ("system", self.tr("Follow the system")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme_combo.addItem(label, value)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(self._settings.theme)))
        form.addRow(self.tr("Theme"), self.theme_combo)
        self.font_spin = QSpinBox(page)
        self.font_spin.setObjectName("fontSize")
        self.font_spin.setRange(MIN_FONT_SIZE, MAX_FONT_SIZE)
        self.font_spin.setSuffix(self.tr(" pt"))
        self.font_spin.setValue(self._settings.font_size)
        form.addRow(self.tr("Font size"), self.font_spin)
        self.send_combo = QComboBox(page)
        self.send_combo.setObjectName("sendKeyChoice")
        self.send_combo.addItem(self.tr("Enter sends, Shift+Enter adds a line"), "enter")
        self.send_combo.addItem(self.tr("Ctrl+Enter sends, Enter adds a line"), "ctrl+enter")
        self.send_combo.setCurrentIndex(max(0, self.send_combo.findData(self._settings.send_key)))
        form.addRow(self.tr("Sending"), self.send_combo)
        self.image_side_spin = QSpinBox(page)
        self.image_side_spin.setObjectName("maxImageSide")
        self.image_side_spin.setRange(*MAX_IMAGE_SIDE_RANGE)
        self.image_side_spin.setSingleStep(256)
        self.image_side_spin.setSuffix(self.tr(" px"))
        self.image_side_spin.setValue(self._settings.max_image_side)
        self.image_side_spin.setToolTip(
            self.tr("Attached images larger than this are scaled down before they are sent")
        )
        form.addRow(self.tr("Largest image side"), self.image_side_spin)
        self.notify_check = QCheckBox(
            self.tr("Notify me when a reply finishes while the window is in the background"), page
        )
        self.notify_check.setObjectName("notifyWhenDone")
        self.notify_check.setChecked(self._settings.notify_when_done)
        form.addRow(self.tr("Notifications"), self.notify_check)
        self.titles_check = QCheckBox(
            self.tr("Ask the model for a short title after the first reply (one more request)"),
            page,
        )
        self.titles_check.setObjectName("generateTitles")
        self.titles_check.setChecked(self._settings.generate_titles)
        form.addRow(self.tr("Titles"), self.titles_check)
        where = plain_label(self._secrets.explanation, page)
        where.setWordWrap(True)
        form.addRow(self.tr("API keys"), where)
        plain_form_labels(form)
        return page

    # Provider list -----------------------------------------------------------------------------

    def _fill_provider_list(self, select_id: str | None) -> None:
        self.provider_list.clear()
        for provider in self._settings.providers:
            item = QListWidgetItem(self._display_name(provider))
            item.setData(_ID_ROLE, provider.id)
            self.provider_list.addItem(item)
            if provider.id == select_id:
                self.provider_list.setCurrentItem(item)
        if self.provider_list.currentItem() is None and self.provider_list.count():
            self.provider_list.setCurrentRow(0)
        self._form_page.setEnabled(self.provider_list.count() > 0)
        self.remove_button.setEnabled(self.provider_list.count() > 0)

    def _display_name(self, provider: ProviderConfig) -> str:
        if provider.preset.is_demo and "demo" not in provider.name.lower():
            return self.tr("{name} (Demo)").format(name=provider.name)
        return provider.name

    def select_provider(self, provider_id: str) -> None:
        """Show the provider ``provider_id`` in the form."""
        for row in range(self.provider_list.count()):
            if self.provider_list.item(row).data(_ID_ROLE) == provider_id:
                self.provider_list.setCurrentRow(row)

    def focus_field(self, provider_id: str, field: str) -> None:
        """Show ``provider_id`` with the cursor in ``field`` ("api_key", "base_url", "model" or
        "proxy"; anything else leaves the focus where it is)."""
        self.select_provider(provider_id)
        self._tabs.setCurrentIndex(0)
        widgets: dict[str, QWidget] = {
            "api_key": self.key_edit,
            "base_url": self.base_url_edit,
            "model": self.model_combo,
            "proxy": self.proxy_edit,
        }
        widget = widgets.get(field)
        if widget is not None and widget.isEnabled():
            widget.setFocus()
            if isinstance(widget, QLineEdit):
                widget.selectAll()

    def add_provider(self, kind: str) -> ProviderConfig:
        """Add a provider from the preset ``kind`` and select it."""
        provider = config_from_preset(kind)
        self._settings.providers.append(provider)
        self._settings.active_provider_id = provider.id  # a provider just added is wanted
        self._fill_provider_list(provider.id)
        self.name_edit.setFocus()
        return provider

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_provider_list_current_item_changed(
        self, current: QListWidgetItem | None, previous: QListWidgetItem | None
    ) -> None:
        del previous
        provider = self._settings.provider(current.data(_ID_ROLE)) if current else None
        self._current = provider
        if provider is not None:
            # Looking at a provider here does not make new chats use it (the toolbar does).
            self._load_provider(provider)

    def _load_provider(self, provider: ProviderConfig) -> None:
        self._loading = True
        try:
            demo = provider.preset.is_demo
            self.name_edit.setText(provider.name)
            self.kind_label.setText(provider.preset.label)
            self.base_url_edit.setText(self._demo_base_url if demo else provider.base_url)
            self.base_url_edit.setReadOnly(demo)
            self.key_edit.setEnabled(not demo)
            self.key_edit.setText(self._keys.get(provider.id, ""))
            self._show_key_placeholder(provider)
            self.auth_combo.setCurrentIndex(max(0, self.auth_combo.findData(provider.auth_style)))
            self.auth_combo.setEnabled(not demo)
            self.proxy_edit.setText(provider.proxy)
            self.proxy_edit.setEnabled(not demo)
            self.model_combo.clear()
            self.model_combo.setEditText(provider.model)
            self.system_prompt_edit.setPlainText(provider.system_prompt)
            self.temperature_spin.setValue(
                _NO_TEMPERATURE if provider.temperature is None else provider.temperature
            )
            self.max_tokens_spin.setValue(provider.max_tokens or 0)
            self.test_result.clear()
            self._update_url_feedback()
        finally:
            self._loading = False

    def _show_key_placeholder(self, provider: ProviderConfig) -> None:
        if provider.preset.is_demo:
            self.key_edit.setPlaceholderText(self.tr("Not needed for the demo"))
            return
        # A keyring read may block on an unlock prompt: it runs in the background.
        self.key_edit.setPlaceholderText(self.tr("Looking in the keyring …"))
        start_background(
            functools.partial(_stored_key_state, self._secrets, provider.id),
            succeeded=self._on_key_state_succeeded,
            name=f"key-{provider.id}",
        )

    @Slot(str, object)
    def _on_key_state_succeeded(self, name: str, state: object) -> None:
        provider = self._current
        if provider is None or name != f"key-{provider.id}":
            return  # another provider is shown now
        if isinstance(state, str):
            self.key_edit.setPlaceholderText(state)  # the keyring's own words
        else:
            self.key_edit.setPlaceholderText(self._key_placeholder(provider, bool(state)))

    def _key_placeholder(self, provider: ProviderConfig, stored: bool) -> str:
        if stored and (not self._secrets.is_secure or self._secrets.kept_for_session(provider.id)):
            return self.tr("A key is kept for this session only; type to replace it")
        if stored:
            return self.tr("A key is stored in {backend}; type to replace it").format(
                backend=self._secrets.backend_name
            )
        if provider.needs_key:
            return self.tr("Paste your API key")
        return self.tr("Optional for this server")

    @Slot(object)
    def _on_add_menu_triggered(self, action: object) -> None:
        kind = getattr(action, "data", lambda: None)()
        if isinstance(kind, str):
            self.add_provider(kind)

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        if self._current is None:
            return
        self._removed.append(self._current.id)
        self._keys.pop(self._current.id, None)
        self._settings.providers = [p for p in self._settings.providers if p is not self._current]
        self._current = None
        first = self._settings.providers[0].id if self._settings.providers else None
        self._settings.active_provider_id = first
        self._fill_provider_list(first)

    # Field edits -------------------------------------------------------------------------------

    @Slot(str)
    def _on_name_edit_text_edited(self, text: str) -> None:
        if self._current is not None:
            self._current.name = text.strip() or self._current.preset.label
            item = self.provider_list.currentItem()
            if item is not None:
                item.setText(self._display_name(self._current))

    @Slot(str)
    def _on_base_url_edit_text_changed(self, text: str) -> None:
        if self._current is not None and not self._loading and not self._current.preset.is_demo:
            self._current.base_url = text.strip()
            self.test_result.clear()
        self._update_url_feedback()

    def _update_url_feedback(self) -> None:
        url = self.base_url_edit.text().strip()
        demo = self._current is not None and self._current.preset.is_demo
        problem = None if demo else base_url_problem(url)
        if demo and not url:
            self.endpoint_preview.setText(self.tr("The built-in demo server (started when used)"))
        else:
            preview = endpoint_url(url) + "/chat/completions" if url and problem is None else "—"
            self.endpoint_preview.setText(preview)
        self.proxy_status.setText(self._proxy_text(url if problem is None and not demo else ""))
        warning = ""
        if problem is not None:
            warning = problem
        elif is_cleartext_remote(url):
            warning = self.tr(
                "Warning: this is plain http:// to another computer. Your API key and your "
                "messages would travel unencrypted. Use https:// unless you trust the network."
            )
        elif self._current is not None and self._current.preset.hint:
            warning = self._current.preset.hint
        self.url_warning.setText(warning)
        self.url_warning.setProperty("warning", bool(problem) or is_cleartext_remote(url))
        self.url_warning.style().unpolish(self.url_warning)
        self.url_warning.style().polish(self.url_warning)

    def _proxy_text(self, url: str) -> str:
        """How requests to ``url`` travel: directly, or through which proxy (no credentials)."""
        if not url or self._current is None:
            return "—"
        explicit, trust_env = self._current.proxy_choice(self._settings.proxy)
        own = bool(self._current.proxy.strip())
        route = proxy_route(url, explicit, trust_env=trust_env, from_provider=own)
        if route.via == "loopback":
            return self.tr("None: a server on this computer is always reached directly")
        if route.via == "direct":
            return self.tr("None (direct connection)")
        if route.via == "provider":
            return self.tr("{proxy} (set for this provider)").format(proxy=route.proxy)
        if route.via == "settings":
            return self.tr("{proxy} (from the settings file)").format(proxy=route.proxy)
        return self.tr(
            "{proxy} (from the environment: HTTPS_PROXY, HTTP_PROXY or ALL_PROXY)"
        ).format(proxy=route.proxy)

    @Slot(str)
    def _on_proxy_edit_text_edited(self, text: str) -> None:
        if self._current is not None:
            self._current.proxy = text.strip()
            self.test_result.clear()
        self._update_url_feedback()

    @Slot(str)
    def _on_key_edit_text_edited(self, text: str) -> None:
        if self._current is not None:
            self._keys[self._current.id] = text.strip()

    @Slot(bool)
    def _on_show_key_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.key_edit.setEchoMode(mode)

    @Slot(int)
    def _on_auth_combo_current_index_changed(self, index: int) -> None:
        value = self.auth_combo.itemData(index)
        if self._current is not None and not self._loading and value in AUTH_STYLES:
            self._current.auth_style = value

    @Slot(str)
    def _on_model_combo_edit_text_changed(self, text: str) -> None:
        if self._current is not None and not self._loading:
            self._current.model = text.strip()

    @Slot()
    def _on_system_prompt_edit_text_changed(self) -> None:
        if self._current is not None and not self._loading:
            self._current.system_prompt = self.system_prompt_edit.toPlainText()

    @Slot(float)
    def _on_temperature_spin_value_changed(self, value: float) -> None:
        if self._current is not None and not self._loading:
            self._current.temperature = None if value <= _NO_TEMPERATURE + 1e-9 else round(value, 1)

    @Slot(int)
    def _on_max_tokens_spin_value_changed(self, value: int) -> None:
        if self._current is not None and not self._loading:
            self._current.max_tokens = value or None

    # Test connection ---------------------------------------------------------------------------

    @Slot()
    def _on_test_button_clicked(self) -> None:
        provider = self._current
        if provider is None:
            return
        base_url = self.base_url_edit.text().strip()
        if not provider.preset.is_demo and base_url_problem(base_url):
            self.connection_failed.emit(base_url_problem(base_url) or "")
            return
        typed = self._keys.get(provider.id)
        self.test_button.setEnabled(False)
        self.test_result.setProperty("warning", False)
        self.test_result.setText(self.tr("Connecting to {url} …").format(url=base_url))
        start_background(
            functools.partial(
                _list_models,
                self._secrets,
                typed,
                copy.copy(provider),
                base_url,
                self._settings.proxy,
            ),
            succeeded=self._on_test_call_succeeded,
            failed=self._on_test_call_failed,
        )

    @Slot(str, object)
    def _on_test_call_succeeded(self, name: str, models: object) -> None:
        del name  # one test runs at a time: the button is disabled meanwhile
        self.models_listed.emit(models)

    @Slot(str, object)
    def _on_test_call_failed(self, name: str, error: object) -> None:
        del name
        if isinstance(error, DesktopChatError):
            self.connection_failed.emit(error.message)
        else:
            self.connection_failed.emit(f"{type(error).__name__}: {error}")

    @Slot(object)
    def _on_self_models_listed(self, models: object) -> None:
        names = [str(name) for name in models] if isinstance(models, list) else []
        self.test_button.setEnabled(True)
        current = self.model_combo.currentText()
        self.model_combo.clear()
        self.model_combo.addItems(names)
        self.model_combo.setEditText(current or (names[0] if names else ""))
        if names:
            shown = ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
            if len(names) == 1:
                text = self.tr("Connected. One model: {names}").format(names=shown)
            else:
                text = self.tr("Connected. {count} models: {names}").format(
                    count=len(names), names=shown
                )
        else:
            text = self.tr("Connected, but the server listed no models; type the model name.")
        self.test_result.setProperty("warning", False)
        self.test_result.setText(text)
        self._repolish(self.test_result)

    @Slot(str)
    def _on_self_connection_failed(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setProperty("warning", True)
        self.test_result.setText(self.tr("Connection failed: {message}").format(message=message))
        self._repolish(self.test_result)

    def _repolish(self, widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    # Saving ------------------------------------------------------------------------------------

    def show_page(self, name: str) -> None:
        """Show the tab ``name``: ``"providers"``, ``"app"`` or ``"tools"``."""
        pages = {"providers": 0, "app": 1, "tools": 2}
        self._tabs.setCurrentIndex(pages.get(name, 0))

    def result_settings(self) -> Settings:
        """The edited settings (saved when the dialog was accepted)."""
        return self._settings

    def accept(self) -> None:
        """Store the keys in the keyring, then save the settings file; stay open on a problem."""
        self._settings.theme = str(self.theme_combo.currentData())
        self._settings.font_size = self.font_spin.value()
        self._settings.send_key = str(self.send_combo.currentData())
        self._settings.max_image_side = self.image_side_spin.value()
        self._settings.notify_when_done = self.notify_check.isChecked()
        self._settings.generate_titles = self.titles_check.isChecked()
        tools_problem = self.tools_page.commit()
        if tools_problem is not None:
            self.show_page("tools")
            open_plain_message(
                self,
                QMessageBox.Icon.Warning,
                self.tr("Settings"),
                tools_problem,
                "settingsProblem",
            )
            return
        for provider in self._settings.providers:
            problem = None if provider.preset.is_demo else base_url_problem(provider.base_url)
            if problem is not None:
                self.select_provider(provider.id)
                self._tabs.setCurrentIndex(0)
                open_plain_message(
                    self,
                    QMessageBox.Icon.Warning,
                    self.tr("Settings"),
                    f"{provider.name}: {problem}",
                    "settingsProblem",
                )
                return
        # Keyring writes may wait on an unlock prompt: they run in the background, and the
        # settings file is written only once the keys are safe.
        self.setEnabled(False)
        start_background(
            functools.partial(_store_keys, self._secrets, dict(self._keys), list(self._removed)),
            succeeded=self._on_keys_call_succeeded,
            failed=self._on_keys_call_failed,
            name="settings-keys",
        )

    @Slot(str, object)
    def _on_keys_call_succeeded(self, name: str, stored: object) -> None:
        del name, stored
        self._keys.clear()
        self._removed.clear()
        self.setEnabled(True)
        try:
            self._settings = self._settings_file.save(self._settings)
        except SettingsError as error:
            open_plain_message(
                self,
                QMessageBox.Icon.Warning,
                self.tr("Settings"),
                error.message,
                "settingsProblem",
            )
            return
        super().accept()

    @Slot(str, object)
    def _on_keys_call_failed(self, name: str, error: object) -> None:
        del name
        self.setEnabled(True)
        message = error.message if isinstance(error, DesktopChatError) else str(error)
        # The keyring's trouble is no reason to lose the other changes: they are saved now.
        try:
            self._settings = self._settings_file.save(self._settings)
        except SettingsError as problem:
            message += "\n\n" + problem.message
            saved = False
        else:
            saved = True
        box = plain_message(
            self,
            QMessageBox.Icon.Warning,
            self.tr("Settings"),
            message
            + "\n\n"
            + (self.tr("Your other settings are saved. ") if saved else "")
            + self.tr(
                "You can keep the key in memory for this session only: it is used until "
                "Desktop Chat closes and is never written to disk."
            ),
            QMessageBox.StandardButton.NoButton,
        )
        box.setObjectName("keyringProblem")
        keep = box.addButton(self.tr("Keep for this session"), QMessageBox.ButtonRole.AcceptRole)
        keep.setObjectName("keepForSessionButton")
        back = box.addButton(self.tr("Back to Settings"), QMessageBox.ButtonRole.RejectRole)
        back.setObjectName("backToSettingsButton")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(self._on_keyring_problem_accepted)
        box.open()

    @Slot()
    def _on_keyring_problem_accepted(self) -> None:
        for provider_id, key in self._keys.items():
            if key:
                self._secrets.keep_for_session(provider_id, key)
        self._keys.clear()
        self._removed.clear()
        super().accept()
