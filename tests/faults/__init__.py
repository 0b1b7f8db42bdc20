"""Fault injection: every way a provider or the network can fail, driven through the real window."""
