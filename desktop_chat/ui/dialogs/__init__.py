"""Settings, a chat's own settings, the welcome screen and About."""
