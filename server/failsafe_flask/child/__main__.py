"""``python -m failsafe_flask.child``: see ``failsafe_flask.child.main``."""

from __future__ import annotations

import signal

if hasattr(signal, "pthread_sigmask"):
    # failsafe-flask run starts its first app process while it holds Ctrl+C and SIGTERM
    # (stopsignals, supervisor.headstart), and a blocked mask is inherited: the
    # supervisor's SIGTERM must reach this process, and whatever the app starts.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGINT, signal.SIGTERM))

from failsafe_flask.child.main import main  # after the mask: imports are long

if __name__ == "__main__":
    main()
