"""The conversation database: the schema and its migrations, the records it keeps, and the recorder
that saves a reply while it streams.
"""
