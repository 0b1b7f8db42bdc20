"""The Qt user interface: the only package that imports PySide6."""

from desktop_chat.ui._refcount_guard import protect_singletons

protect_singletons()
