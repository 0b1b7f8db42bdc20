"""The text of a conversation list heading: translated, months in the locale's own words."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QDate, QLocale

from desktop_chat.core.history.groups import GroupKey

__all__ = ["group_label"]


def group_label(key: GroupKey) -> str:
    """The heading's text, translated; months use the locale's month name."""
    fixed = {
        "pinned": "Pinned",
        "today": "Today",
        "yesterday": "Yesterday",
        "week": "Previous 7 days",
        "unknown": "Unknown date",
    }
    if key.kind in fixed:
        return QCoreApplication.translate("HistoryGroups", fixed[key.kind])
    return QLocale().toString(QDate(key.year, key.month, 1), "MMMM yyyy")
