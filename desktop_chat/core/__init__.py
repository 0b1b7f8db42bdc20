"""The Qt-free core: streaming client, storage, settings, secrets, rendering and export.

Nothing under this package may import Qt; ``tests/test_architecture.py`` enforces it.
"""
