"""What the user sets up: settings, providers, API keys in the system keyring, and where files
live.
"""
