"""A content host in the attacker's hands, for the tests of bounded reads and redaction.

``RelocatingSandbox`` hands the app, behind the very GetLayerVersion calls it makes, the URL of
``tests/zipserver.py`` in a hostile mode or of a closed port; the URLs carry what AWS puts into a
presigned URL's query (signature, access key id, session token) so a test can look for them.
"""

from __future__ import annotations

import secrets
import socket
import zipfile
from collections.abc import Callable

from moto.awslambda.models import LayerVersion
from zipserver import build_zip

from layer_tui.aws.contents import TAIL_BYTES
from layer_tui.sandbox import Sandbox

WEST = "eu-west-1"
MiB = 1024 * 1024
#: Far more than the loopback socket buffers of both ends hold (a few MiB): a client that
#: stopped reading leaves the server stuck well short of it.
FLOOD = 64 * MiB
#: What a server may get into the socket buffers after the client stopped reading.
BUFFERED = 16 * MiB

#: What AWS puts into a presigned content URL's query: the signature, and for temporary
#: credentials the access key id (in the credential scope) and the session token.
SIGNATURE = "9f3c" * 16
ACCESS_KEY = "ASIAEXAMPLEKEY123456"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKEN"
SECRETS = (SIGNATURE, ACCESS_KEY, SESSION_TOKEN)
#: Once a URL's query is gone, so are its parameters' names.
QUERY_NAMES = ("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token")
PRESIGNED_QUERY = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    f"&X-Amz-Credential={ACCESS_KEY}%2F20261122%2Feu-west-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20261122T190000Z&X-Amz-Expires=600"
    f"&X-Amz-Security-Token={SESSION_TOKEN}%2F%2B%3D&X-Amz-SignedHeaders=host"
    f"&X-Amz-Signature={SIGNATURE}"
)


class RelocatingSandbox(Sandbox):
    """The sandbox, its content URLs handed out through ``relocate`` (a hostile host)."""

    relocate: Callable[[str], str] | None = None

    def content_url(self, layer_version: LayerVersion) -> str:
        url = super().content_url(layer_version)
        return self.relocate(url) if self.relocate is not None else url


def layer_zip() -> bytes:
    """Bigger than one tail read, so listing it asks for exactly TAIL_BYTES."""
    return build_zip({
        "python/geo/__init__.py": b"from .core import *\n",
        "python/geo/core.py": b"def area(shape):\n    return 0\n" * 40,
        "python/geo/data.txt": secrets.token_hex(150_000).encode(),
    }, compression=zipfile.ZIP_STORED)  # fmt: skip


def publish(sandbox: Sandbox, data: bytes) -> str:
    published = sandbox.client("lambda", WEST).publish_layer_version(
        LayerName="geo", Content={"ZipFile": data}, CompatibleRuntimes=["python3.12"]
    )
    assert published["Content"]["CodeSize"] == len(data) > TAIL_BYTES
    return str(published["LayerVersionArn"])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port_url(port: int | None = None, path: str = "/_content/geo/1") -> str:
    return f"http://127.0.0.1:{port or closed_port()}{path}?{PRESIGNED_QUERY}"


def assert_no_secret(*texts: str, query_gone: bool = True) -> None:
    for text in texts:
        for secret in SECRETS + (QUERY_NAMES if query_gone else ()):
            assert secret not in text, f"{secret!r} leaked in {text!r}"

