"""The window-less commands: conversations (list, export, import), providers, and send.

They run the same core code as the window, on the files ``DESKTOP_CHAT_HOME`` (or the platform's
folders) points to, and never import Qt except to write PDF.
"""
