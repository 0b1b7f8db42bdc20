"""Export and import as the window offers them, and PDF writing through Qt."""
