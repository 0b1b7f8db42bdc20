"""The HTTP side: the chat-completions client, its event-stream decoder and typed failures, the
built-in demo server and the probe for local servers. Knows nothing of the history.
"""
