"""Desktop Chat: a native desktop client for OpenAI-compatible chat-completions APIs.

``desktop_chat.core`` is plain Python (no Qt) and holds everything that talks to servers, disks and
the keyring; ``desktop_chat.ui`` is the only package that imports PySide6.
"""

__all__ = ["__version__"]

#: The installed version; read from the package metadata on first use (``importlib.metadata``
#: takes longer to load than a window takes to paint, so start-up does not read it).
__version__: str


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import metadata  # noqa: PLC0415 - see above

    try:
        version = metadata.version("desktop-chat")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        version = "0.0.0+unknown"
    globals()["__version__"] = version
    return version
