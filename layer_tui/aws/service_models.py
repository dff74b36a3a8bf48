"""The process's one botocore model loader, which finds a service without listing them all.

A botocore session parses a service's model (Lambda's, STS's, the endpoint rules) the first
time it makes a client of it, about 20 ms each: with a session per account, per profile switch
and per test, that was most of what making a client cost. Models are the installed botocore's
files whatever the session, so every session shares the first one's loader (``AWS_DATA_PATH``
is read once, by that first session).

Before loading a model, botocore's loader also checks the name against every installed
service: one directory read per service folder (about 400) and search path, for each kind of
model, 70 to 90 ms of each process's start before its first request. The shared loader asks
only for the named service's folder; the full listing is made when someone reads it (botocore's
"unknown service" message, which names them all).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import botocore.session

_lock = threading.Lock()
_loader: Any = None


class InstalledServices(Sequence[str]):
    """The services a loader has models of (of one kind), asked one name at a time."""

    def __init__(self, loader: Any, type_name: str, list_all: Any) -> None:
        self._loader = loader
        self._type_name = type_name
        self._list_all = list_all
        self._names: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        from botocore.exceptions import DataNotFoundError

        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            return False
        try:
            # Reads the one service's folders (and is cached by the loader).
            return bool(self._loader.list_api_versions(name, self._type_name))
        except DataNotFoundError:
            return False

    def _all(self) -> list[str]:
        if self._names is None:
            self._names = list(self._list_all(self._type_name))
        return self._names

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())


def _answering_by_name(loader: Any) -> Any:
    """``loader`` with ``list_available_services`` answering ``in`` without a full listing."""
    list_all = loader.list_available_services  # bound, with botocore's own cache

    def list_available_services(type_name: str) -> InstalledServices:
        return InstalledServices(loader, type_name, list_all)

    loader.list_available_services = list_available_services
    return loader


def with_shared_models(session: botocore.session.Session) -> botocore.session.Session:
    """``session`` reading service models through the process's one loader."""
    global _loader
    with _lock:
        if _loader is None:
            _loader = _answering_by_name(session.get_component("data_loader"))
        else:
            session.register_component("data_loader", _loader)
    return session


__all__ = ["InstalledServices", "with_shared_models"]
