"""Workers and failure reporting: the interface's bottom floor, which every layer may use.

Database work never runs on the event loop: `run_in_thread` runs a job in a thread worker
and hands the result back on the loop; the core's typed errors become notifications, so
nothing a person types can crash the app. It imports no screen, modal or app module, so
screens, flows and modals all build on it without importing each other.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from textual.app import App
from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

T = TypeVar("T")


class _Collector:
    """How many jobs run with the cyclic collector paused, and whether it was on before."""

    lock = threading.Lock()
    paused = 0
    was_enabled = True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a job allocates millions of objects (the
    duplicates among 100,000 contacts: about 4 million candidate pairs). Each full sweep
    holds the GIL, so it stopped the interface for up to half a second, seven times in a
    scan; reference counting still frees what the job drops. Textual pauses it the same way
    while it scrolls."""
    with _Collector.lock:
        if _Collector.paused == 0:
            _Collector.was_enabled = gc.isenabled()
            gc.disable()
        _Collector.paused += 1
    try:
        yield
    finally:
        with _Collector.lock:
            _Collector.paused -= 1
            if _Collector.paused == 0 and _Collector.was_enabled:
                gc.enable()


def report_failure(app: App[Any], exc: BaseException) -> None:
    """A core error as one line; anything else as an error notification (never a crash)."""
    from pocketcrm.core.errors import CrmError  # light: no SQLModel

    if isinstance(exc, CrmError):
        app.notify(str(exc), title="pocketcrm", severity="warning")
    else:
        app.notify(f"{type(exc).__name__}: {exc}", title="Unexpected error", severity="error")
        app.log.error(repr(exc))


def run_in_thread(
    node: DOMNode,
    job: Callable[[], T],
    done: Callable[[T], Any],
    *,
    group: str,
    exclusive: bool = False,
    failed: Callable[[BaseException], Any] | None = None,
) -> Worker[None]:
    """Run JOB in a thread worker; call DONE (or FAILED) with its outcome on the event loop.

    A cancelled worker (an exclusive one replaced by a newer search) delivers nothing.
    FAILED (or a notification) gets the exception.
    """
    app = node.app

    def deliver(callback: Callable[[Any], Any], value: object) -> None:
        # Never block this thread on the event loop (call_from_thread would wait forever if
        # the app quits meanwhile, and the process would not exit): queue a callback message
        # on the node; a node that has gone away simply drops it.
        with contextlib.suppress(RuntimeError):  # the loop closed while the job ran
            node.call_later(callback, value)

    def work() -> None:
        worker = get_current_worker()
        try:
            result = job()
        except Exception as exc:
            if not worker.is_cancelled:
                deliver(failed or (lambda e: report_failure(app, e)), exc)
            raise  # the worker ends failed (exit_on_error=False: Textual only logs it)
        if not worker.is_cancelled:
            deliver(done, result)

    return cast(
        "Worker[None]",
        node.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False),
    )
