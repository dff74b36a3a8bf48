"""The sandbox's HTTP server: werkzeug's, silent, and able to reset a connection on cue.

No access log (the TUI owns the terminal the sandbox runs in); a request the gateway drops
(``DroppedConnection``) is answered with a TCP reset, no response, as a flaky network does.
"""

from __future__ import annotations

import socket
import struct
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import ThreadedWSGIServer

from layer_tui.sandbox.faults import DroppedConnection

#: SO_LINGER on with a zero timeout: close() resets the connection instead of ending it.
_ABORTIVE_LINGER = struct.pack("ii", 1, 0)


class QuietRequestHandler(MotoRequestHandler):
    """No access log: the TUI owns the terminal the sandbox runs in."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return None

    def connection_dropped(
        self, error: BaseException, environ: dict[str, Any] | None = None
    ) -> None:
        if isinstance(error, DroppedConnection):
            # The gateway asked for a reset: no response, and a close that sends RST.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _ABORTIVE_LINGER)
            self.close_connection = True
        else:
            super().connection_dropped(error, environ)


class QuietServer(ThreadedWSGIServer):
    def log(self, type: str, message: str, *args: Any) -> None:
        return None

    def shutdown_request(self, request: Any) -> None:
        # socketserver's shutdown(SHUT_WR) would send a FIN ahead of the reset asked for.
        try:
            linger = request.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8)
        except OSError:
            linger = b""
        if linger == _ABORTIVE_LINGER:
            self.close_request(request)
        else:
            super().shutdown_request(request)
