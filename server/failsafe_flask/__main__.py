"""``python -m failsafe_flask``: the same commands as the ``failsafe-flask`` script."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl+C while importing: as main() itself answers it
    sys.exit(130)

main()
