"""Small helpers every window part uses: timers, the theme, a flash, the wording of errors."""
