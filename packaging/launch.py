"""Entry script of the frozen app: the same ``main`` as the ``desktop-chat`` command."""

import sys

from desktop_chat.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
