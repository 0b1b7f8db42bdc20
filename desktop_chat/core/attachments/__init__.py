"""Files attached to a message: reading them within limits, images made ready for a model, text
and PDF text extracted, and the request parts they become. Qt-free; the window runs it off the
GUI thread and the command line in the foreground, with the same rules.
"""
