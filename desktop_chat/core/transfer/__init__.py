"""Export (Markdown, text, JSON, HTML, PDF through a writer) and import (our JSON, ChatGPT's
export), with their private helpers.
"""
