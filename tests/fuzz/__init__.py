"""Property-based fuzzing of the parsers that read untrusted input."""
