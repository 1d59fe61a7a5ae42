"""External programs (LibreOffice, antiword) run by the parsers and renderers."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence


def run_tool(cmd: Sequence[str], env: Mapping[str, str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """``cmd`` to its end, output captured, in a process group of its own.

    When ``timeout`` passes the whole group is killed and :class:`subprocess.TimeoutExpired` raised:
    ``soffice`` starts ``soffice.bin``, which would outlive a kill of ``soffice`` alone and hold the
    output pipes open, so waiting for the output would never end.
    """
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=dict(env), start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)
