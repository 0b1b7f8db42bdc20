"""Markdown to safe HTML, incrementally while a reply streams."""
