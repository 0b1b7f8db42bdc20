"""The conversation engine: what a chat turn is, from the saved conversation to the recorded reply.

Qt-free. The window runs it in a worker thread and the command line runs it in the foreground;
both get the same requests, the same saved rows and the same worded errors.
"""
