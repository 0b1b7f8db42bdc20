"""Tools the model may call, reached over the Model Context Protocol (MCP).

``servers`` says how to reach a server, ``link`` keeps one running and calls its tools, and
``demo_tools`` is a small server that ships with the app.
"""
