"""The tests' way of running ``nianbao``: a command that hangs is a failure showing where it hung."""

from __future__ import annotations

import pytest

from tests.subprocesses import run_nianbao


def test_a_command_that_does_not_end_fails_with_its_stack() -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        run_nianbao(["demo-portal", "--port", "0"], timeout=8)  # serves until stopped
    message = str(failed.value)
    assert "did not finish within 8 s" in message
    assert "Fatal Python error: Aborted" in message and "serve_forever" in message  # faulthandler's dump


def test_a_command_that_ends_gives_its_output() -> None:
    done = run_nianbao(["--version"])
    assert done.returncode == 0 and "nianbao" in done.stdout
