"""``python -m failsafe_flask.child``: see ``failsafe_flask.child.main``."""

from __future__ import annotations

from failsafe_flask.child.main import main

if __name__ == "__main__":
    main()
