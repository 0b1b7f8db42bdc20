"""The transcript of the open chat: message widgets, their Markdown bodies, menus and version
switchers.
"""
