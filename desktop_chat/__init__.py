"""Desktop Chat: a native desktop client for OpenAI-compatible chat-completions APIs.

``desktop_chat.core`` is plain Python (no Qt) and holds everything that talks to servers, disks and
the keyring; ``desktop_chat.ui`` is the only package that imports PySide6.
"""

from importlib import metadata

__all__ = ["__version__"]

try:
    __version__ = metadata.version("desktop-chat")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
