"""A debug port another program holds is refused in one sentence, never a traceback or a
retry loop: the pure explanation of each bind error, and the check on a held port."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from failsafe_flask.child.debugport import explain, port_problem, taken_message
from failsafe_flask.config import AppConfig
from failsafe_flask.supervisor import debugport


@pytest.fixture
def held() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


def test_a_port_in_use_says_which_and_how_to_choose_another() -> None:
    problem = explain("127.0.0.1", 5678, errno.EADDRINUSE)
    assert problem.message == (
        "the debug port 5678 on 127.0.0.1 is in use by another program: stop that program"
        " or choose another debug port (--debugpy HOST:PORT, or the failsafeFlask.debugpy"
        " setting); 0 picks a free one"
    )
    assert not problem.permanent  # a retiring app process of ours may still be letting go


def test_the_owner_is_named_when_known() -> None:
    assert "in use by pid 7 (nc)" in taken_message("::1", 5678, "pid 7 (nc)")


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (errno.EACCES, "ports below 1024 need root"),
        (errno.EADDRNOTAVAIL, "this machine has no such address"),
        (errno.EINVAL, f"error {errno.EINVAL}"),
        (None, "unknown error"),
    ],
)
def test_other_errors_are_one_line_and_not_waited_for(error: int | None, says: str) -> None:
    problem = explain("127.0.0.1", 80, error)
    assert says in problem.message
    assert "\n" not in problem.message
    assert problem.permanent


def test_a_held_port_is_found_and_a_free_one_is_not(held: int) -> None:
    found = port_problem("127.0.0.1", held)
    assert found is not None and f"debug port {held} on 127.0.0.1 is in use" in found.message
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = int(free.getsockname()[1])
    assert port_problem("127.0.0.1", port) is None


def test_the_supervisor_refuses_a_held_debug_port_in_one_sentence(
    held: int, tmp_path: Path
) -> None:
    refusal = debugport.refusal(AppConfig(project_root=tmp_path, debugpy=("127.0.0.1", held)))
    assert refusal is not None
    assert refusal.startswith(f"The debug port {held} on 127.0.0.1 is in use by ")
    assert refusal.endswith("0 picks a free one.")
    assert debugport.refusal(AppConfig(project_root=tmp_path)) is None
