"""GET a URL for the editor drivers: prints the HTTP status and the body; never hangs.

The drivers (Lua, Elisp, Vim script) run this with the test's interpreter, so each editor
checks what a browser would see with the same few lines.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def main(url: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            print(reply.status, reply.read().decode(errors="replace"))
    except urllib.error.HTTPError as error:
        print(error.code, error.read().decode(errors="replace"))
    except OSError as error:  # refused, reset, timed out: "not yet"
        print(0, error)


if __name__ == "__main__":
    main(sys.argv[1])
