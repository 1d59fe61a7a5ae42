"""``nianbao serve --workers N``: N server processes, each listening on a socket of its own.

uvicorn's own ``--workers`` shares one listening socket among its processes, and whichever wakes
first takes every connection waiting: twenty clients connecting at once often end up 18 on one
process and 2 on the other, and the busy one answers its clients several times slower while a core
idles.  Here every worker binds the same address with ``SO_REUSEPORT``, and the kernel spreads new
connections over their sockets evenly.

The parent binds all the sockets first (a taken port is one clear error, and port 0 becomes one
port for all), starts the workers, replaces one that dies, and stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import threading
from multiprocessing.context import SpawnProcess
from typing import Any

APP = "nianbao.web.asgi:app"
STARTUP_FAILURE = 3  # uvicorn's exit status when the app cannot start: restarting would fail alike
STOP_SECONDS = 10.0  # a worker still running this long after SIGTERM is killed


def reuse_port_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` listening TCP sockets on one address, the kernel spreading connections over them."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # port 0: the first socket's port for the others too
            sock.listen(2048)
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _worker(sock: socket.socket, log_level: str) -> None:
    import uvicorn

    config = uvicorn.Config(APP, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def serve_workers(sockets: list[socket.socket], *, log_level: str = "warning",
                  stop: threading.Event | None = None) -> int:
    """One worker process per socket until SIGINT/SIGTERM (or ``stop``); returns the exit status."""
    stop = stop or threading.Event()
    context = multiprocessing.get_context("spawn")

    def start(sock: socket.socket) -> SpawnProcess:
        process = context.Process(target=_worker, args=(sock, log_level), daemon=False)
        process.start()
        return process

    def stopping(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, stopping) for sig in (signal.SIGINT, signal.SIGTERM)} \
        if threading.current_thread() is threading.main_thread() else {}
    status = 0
    processes = [start(sock) for sock in sockets]
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:  # the app cannot start: say so and stop
                    status = STARTUP_FAILURE
                    stop.set()
                    break
                processes[i] = start(sockets[i])  # a worker that died is replaced on its socket
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
