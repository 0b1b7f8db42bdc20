"""Safety checks: untrusted content, secrets, cleartext warnings."""
