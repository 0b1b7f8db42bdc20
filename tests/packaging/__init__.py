"""Tests of the installers, the icons and the release workflow (``packaging/``, ``resources/``)."""
