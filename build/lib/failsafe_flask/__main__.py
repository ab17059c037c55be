"""``python -m failsafe_flask``: the same commands as the ``failsafe-flask`` script."""

from .cli import main

main()
