"""The open chat's own settings: system prompt, temperature and reply length limit, and whether
its model can see images.

They belong to the chat, not to its provider: saving here changes this chat only, and changing a
provider's defaults later never rewrites it. "Provider defaults" copies the provider's current
values into the form.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.chat.options import ChatOptions
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.ui.common.inert import plain_form_labels, plain_label

__all__ = ["MAX_TOKENS_LIMIT", "ChatSettingsDialog"]

#: The largest reply length limit the form accepts.
MAX_TOKENS_LIMIT = 1_000_000


class ChatSettingsDialog(QDialog):
    """Edits one chat's :class:`ChatOptions`.

    Args:
        options: the chat's options now.
        provider: the chat's provider (for its defaults), or None when it is gone.
        parent: the Qt parent.

    Signals:
        options_chosen(object): Save was pressed; carries the new ``ChatOptions``.
    """

    options_chosen = Signal(object)

    def __init__(
        self, options: ChatOptions, provider: ProviderConfig | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chatSettingsDialog")
        self.setWindowTitle(self.tr("Chat settings"))
        self._options = options
        self._provider = provider
        layout = QVBoxLayout(self)
        uses = plain_label("", self)
        uses.setObjectName("chatSettingsUses")
        uses.setWordWrap(True)
        uses.setText(
            self.tr("This chat uses {provider} · {model}. Change them in the toolbar.").format(
                provider=provider.name if provider is not None else self.tr("a removed provider"),
                model=options.model or self.tr("no model chosen"),
            )
        )
        layout.addWidget(uses)
        form = QFormLayout()
        self.system_prompt_edit = QPlainTextEdit(self)
        self.system_prompt_edit.setObjectName("chatSystemPrompt")
        self.system_prompt_edit.setPlaceholderText(self.tr("None: the model's own behaviour"))
        self.system_prompt_edit.setTabChangesFocus(True)
        form.addRow(self.tr("System prompt"), self.system_prompt_edit)
        self.temperature_check = QCheckBox(self.tr("Set"), self)
        self.temperature_check.setObjectName("chatTemperatureSet")
        self.temperature_spin = QDoubleSpinBox(self)
        self.temperature_spin.setObjectName("chatTemperature")
        self.temperature_spin.setRange(0.0, 2.0)
        self.temperature_spin.setSingleStep(0.1)
        self.temperature_spin.setDecimals(2)
        form.addRow(
            self.tr("Temperature"), self._optional(self.temperature_check, self.temperature_spin)
        )
        self.max_tokens_check = QCheckBox(self.tr("Set"), self)
        self.max_tokens_check.setObjectName("chatMaxTokensSet")
        self.max_tokens_spin = QSpinBox(self)
        self.max_tokens_spin.setObjectName("chatMaxTokens")
        self.max_tokens_spin.setRange(1, MAX_TOKENS_LIMIT)
        form.addRow(
            self.tr("Reply length limit (tokens)"),
            self._optional(self.max_tokens_check, self.max_tokens_spin),
        )
        self.images_check = QCheckBox(
            self.tr("Can see images (when off, sending images asks first)"), self
        )
        self.images_check.setObjectName("chatModelSeesImages")
        self.images_check.setChecked(True)
        form.addRow(self.tr("This model"), self.images_check)
        plain_form_labels(form)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        defaults = buttons.addButton(
            self.tr("Provider defaults"), QDialogButtonBox.ButtonRole.ResetRole
        )
        defaults.setObjectName("chatDefaultsButton")
        defaults.setEnabled(provider is not None)
        defaults.clicked.connect(self._on_defaults_clicked)
        self._save = buttons.button(QDialogButtonBox.StandardButton.Save)
        self._save.setObjectName("chatSettingsSave")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show(options.system_prompt, options.temperature, options.max_tokens)
        self.resize(520, 360)

    def _optional(self, check: QCheckBox, spin: QWidget) -> QWidget:
        row = QWidget(self)
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(check)
        row_layout.addWidget(spin, 1)
        check.toggled.connect(spin.setEnabled)
        return row

    def _show(self, prompt: str, temperature: float | None, max_tokens: int | None) -> None:
        self.system_prompt_edit.setPlainText(prompt)
        self.temperature_check.setChecked(temperature is not None)
        self.temperature_spin.setEnabled(temperature is not None)
        self.temperature_spin.setValue(1.0 if temperature is None else temperature)
        self.max_tokens_check.setChecked(max_tokens is not None)
        self.max_tokens_spin.setEnabled(max_tokens is not None)
        self.max_tokens_spin.setValue(1024 if max_tokens is None else max_tokens)

    def set_sees_images(self, sees: bool) -> None:
        """Show whether the chat's model is known to see images."""
        self.images_check.setChecked(sees)

    def sees_images(self) -> bool:
        """Whether the form says the model can see images."""
        return self.images_check.isChecked()

    def accept_button(self) -> QPushButton:
        """The Save button."""
        return self._save

    def chosen_options(self) -> ChatOptions:
        """The options the form shows."""
        return self._options.with_changes(
            system_prompt=self.system_prompt_edit.toPlainText(),
            temperature=(
                self.temperature_spin.value() if self.temperature_check.isChecked() else None
            ),
            max_tokens=self.max_tokens_spin.value() if self.max_tokens_check.isChecked() else None,
        )

    @Slot()
    def _on_defaults_clicked(self) -> None:
        provider = self._provider
        if provider is not None:
            self._show(provider.system_prompt, provider.temperature, provider.max_tokens)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.options_chosen.emit(self.chosen_options())
        self.accept()
