"""Keeps ``None``, ``True`` and ``False`` alive despite a reference-count bug in PySide6 6.12.

With PySide6/shiboken6 6.12.0 on CPython 3.11, every Qt method that returns ``void`` hands back
``None`` without a new reference, and ``SignalInstance.emit()`` does the same with ``True``. Each
call therefore takes one reference the interpreter never gave away; after about five thousand
calls ``None``'s count reaches zero and CPython aborts ("Fatal Python error: none_dealloc"). A chat
window makes that many calls in its first minute.

These three objects are static singletons that are never freed, so a surplus of references is
harmless (CPython 3.12 makes them immortal for the same reason). :func:`protect_singletons` adds a
large surplus once, but only when the running PySide6 is measured to have the bug.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

__all__ = ["SURPLUS", "protect_singletons", "steals_references"]

#: References added to each singleton: more than any session can take.
SURPLUS = 1 << 40
_PROBES = 32
_protected = False


class _Probe(QObject):
    fired = Signal()


def steals_references() -> bool:
    """Whether void Qt calls or ``emit()`` take references to ``None`` or ``True``."""
    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.setObjectName("probe")
        probe.fired.emit()
    lost_none = none_before - sys.getrefcount(None)
    lost_true = true_before - sys.getrefcount(True)
    # Give back what the probe itself took before deciding anything else.
    for obj, lost in ((None, lost_none), (True, lost_true)):
        for _ in range(max(0, lost)):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    return lost_none >= _PROBES or lost_true >= _PROBES


def protect_singletons() -> bool:
    """Add the surplus when needed (once per process); True when it was added."""
    global _protected  # noqa: PLW0603 - a process-wide fix, applied once
    if _protected or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if not steals_references():
        return False
    for obj in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(obj))
        before = sys.getrefcount(obj)
        count.value += SURPLUS
        if sys.getrefcount(obj) != before + SURPLUS:
            # Not the layout expected (a debug build): undo, and say nothing was done.
            count.value -= SURPLUS
            return False
    _protected = True
    return True
