"""lsp/publish.py: diagnostics per app, as the client receives them (what is sent, in order)."""

from __future__ import annotations

from lsprotocol import types as lsp

from failsafe_flask.lsp.publish import DiagnosticsPublisher


def _diagnostic(line: int, message: str) -> lsp.Diagnostic:
    start = lsp.Position(line=line, character=0)
    return lsp.Diagnostic(range=lsp.Range(start=start, end=start), message=message)


class Client:
    """Keeps what a client would show: the last list sent per file."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[str]]] = []
        self.shows: dict[str, list[str]] = {}

    def send(self, path: str, items: list[lsp.Diagnostic]) -> None:
        messages = [d.message for d in items]
        self.sent.append((path, messages))
        self.shows[path] = messages


A = _diagnostic(1, "NameError: a")
B = _diagnostic(2, "KeyError: b")
SHARED = _diagnostic(3, "shared")


def test_one_apps_publish_never_clears_another_apps_files() -> None:
    client = Client()
    publisher = DiagnosticsPublisher(client.send)
    publisher.publish("web", {"/p/web.py": [A]})
    publisher.publish("api", {"/p/api.py": [B]})
    publisher.publish("web", {})  # web is ready again
    assert client.shows == {"/p/web.py": [], "/p/api.py": ["KeyError: b"]}
    assert publisher.shown("api") == {"/p/api.py": [B]} and publisher.shown("web") == {}


def test_a_shared_file_shows_every_apps_diagnostics_until_each_clears() -> None:
    client = Client()
    publisher = DiagnosticsPublisher(client.send)
    publisher.publish("web", {"/p/models.py": [A]})
    publisher.publish("api", {"/p/models.py": [SHARED]})
    assert client.shows["/p/models.py"] == ["shared", "NameError: a"]  # by app id
    publisher.clear("web")
    assert client.shows["/p/models.py"] == ["shared"]
    publisher.clear("api")
    assert client.shows["/p/models.py"] == []


def test_only_changes_are_sent_and_add_keeps_what_was_there() -> None:
    client = Client()
    publisher = DiagnosticsPublisher(client.send)
    publisher.clear("web")  # nothing shown: nothing to clear
    publisher.publish("web", {"/p/app.py": [A]})
    publisher.publish("web", {"/p/app.py": [A]})  # the same again: not resent
    publisher.add("web", {"/p/app.py": [B], "/p/views.py": [B]})
    assert client.sent == [
        ("/p/app.py", ["NameError: a"]),
        ("/p/app.py", ["NameError: a", "KeyError: b"]),
        ("/p/views.py", ["KeyError: b"]),
    ]
