"""The one command that runs a function locally against a pulled /opt: AWS's base image.

AWS publishes a base image per runtime at ``public.ecr.aws/lambda/<family>:<version>``
(python:3.12, nodejs:22, java:21, java:8.al2, ruby:3.3, dotnet:8, provided:al2023), each with
the runtime interface emulator listening on 8080. The tags are multi-architecture, and
``-arm64`` / ``-x86_64`` tags name one; a function's architecture is asked for by both the
tag (arm64) and ``--platform``, so an x86_64 function run on an arm64 laptop runs emulated as
x86_64, as Lambda would run it, instead of silently on the host's architecture.

The image's CMD is the handler. ``CODE`` stands for the function's own unzipped code (its
deployment package), which a pull does not fetch.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

REGISTRY = "public.ecr.aws/lambda"
#: Where the base image's emulator answers an invocation, once the container runs.
INVOKE_HINT = ("curl -XPOST 'http://localhost:9000/2015-03-31/functions/function/invocations' "
               "-d '{}'")
_PLATFORMS = {"x86_64": "linux/amd64", "arm64": "linux/arm64"}
_RUNTIME_IMAGE = (
    (re.compile(r"^python(\d+\.\d+)$"), "python", r"\1"),
    (re.compile(r"^nodejs(\d+)\.x$"), "nodejs", r"\1"),
    (re.compile(r"^java(\d+(?:\.al2(?:023)?)?)$"), "java", r"\1"),
    (re.compile(r"^ruby(\d+\.\d+)$"), "ruby", r"\1"),
    (re.compile(r"^dotnet(\d+)$"), "dotnet", r"\1"),
    (re.compile(r"^dotnetcore(\d+\.\d+)$"), "dotnet", r"core\1"),
    (re.compile(r"^provided\.(al2|al2023)$"), "provided", r"\1"),
    (re.compile(r"^provided$"), "provided", "alami"),
    (re.compile(r"^go1\.x$"), "go", "1"),
)


def base_image(runtime: str | None, architecture: str) -> str | None:
    """``public.ecr.aws/lambda/python:3.12-arm64`` for python3.12 on arm64; None if unknown."""
    for pattern, family, version in _RUNTIME_IMAGE:
        if runtime and pattern.match(runtime):
            tag = pattern.sub(version, runtime)
            return f"{REGISTRY}/{family}:{tag}{'-arm64' if architecture == 'arm64' else ''}"
    return None


@dataclass(frozen=True)
class RunCommand:
    """The ``docker run`` line, and what the user must still fill in."""

    command: str
    image: str | None
    #: Lines for the user: what CODE is, which runtime was assumed, how to invoke it.
    notes: tuple[str, ...]


def run_command(
    opt: Path, runtime: str | None, architecture: str, handler: str | None,
    *, assumed_runtime: bool = False,
) -> RunCommand:
    """The command that runs the function in its base image with ``opt`` mounted at /opt."""
    image = base_image(runtime, architecture)
    platform = _PLATFORMS.get(architecture, "linux/amd64")
    words = ["docker", "run", "--rm", "-p", "9000:8080", "--platform", platform,
             "-v", f"{opt}:/opt:ro", "-v", "CODE:/var/task:ro", image or "IMAGE"]
    if handler:
        words.append(handler)
    command = " ".join(word if word in ("CODE:/var/task:ro", "IMAGE") else shlex.quote(word)
                       for word in words)
    if not handler:
        command += " HANDLER"
    notes = ["CODE: the folder of the function's own unzipped code (its deployment package)"]
    if image is None:
        said = f"AWS has no base image for runtime {runtime}" if runtime else (
            "the version declares no runtime")
        notes.append(f"IMAGE: {said}; use the base image of the runtime it runs on, from "
                     f"{REGISTRY}/…")
    elif assumed_runtime:
        notes.append(f"the version declares {runtime} first among its runtimes: the image "
                     "is that runtime's")
    if not handler:
        notes.append("HANDLER: the function's handler (module.function, or what its runtime "
                     "expects)")
    notes.append(f"then invoke it: {INVOKE_HINT}")
    return RunCommand(command, image, tuple(notes))
