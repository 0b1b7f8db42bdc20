"""The main window and its parts: the engine glue, the composer and find-in-chat."""
