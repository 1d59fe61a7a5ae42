"""Progress events of a running flow, for whoever started it in this process.

Flows and tasks call :func:`emit`; a command registers a listener with :func:`listening`
(a progress bar per portal on a terminal, plain lines otherwise).  Events are process-local
and best-effort: a listener that fails never fails the flow, and a flow run by a worker
simply has no listener.

Events: ``portal_started(portal)``, ``portal_crawled(portal, outcome, documents, error)``,
``document_done(portal, status)``, ``portal_done(portal)``, ``message(text)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Listener = Callable[[str, dict[str, Any]], None]

_listeners: list[Listener] = []
_lock = threading.Lock()
log = logging.getLogger(__name__)


def emit(event: str, **data: Any) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(event, data)
        except Exception:  # a display problem must never stop a harvest
            log.debug("progress listener failed on %s", event, exc_info=True)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)
