"""Textual's ``@work`` as this app uses it for work in a background thread.

Given no description, ``work`` builds one from the repr of every argument, eagerly and on the
UI thread: for a worker handed the inventory, that was the repr of every function on each
cache save. Every thread worker here is made by ``in_thread``, which names it by its group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from textual import work
from textual.worker import Worker

Params = ParamSpec("Params")
Result = TypeVar("Result")


def in_thread(
    group: str, *, exclusive: bool = False
) -> Callable[[Callable[Params, Result]], Callable[Params, Worker[Result]]]:
    """A thread worker in ``group``; its failure is reported by the app, not fatal."""

    def decorate(method: Callable[Params, Result]) -> Callable[Params, Worker[Result]]:
        return work(method, thread=True, exclusive=exclusive, exit_on_error=False, group=group,
                    description=group)

    return decorate
