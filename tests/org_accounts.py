"""Two sandbox accounts for the cross-account safety tests: a platform that publishes a layer,
a workload whose functions use it, each served by its own Sandbox over HTTP, each reached
through its own ``AwsSession`` — what ``AccountSessions`` gives the app with ``--org``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from layer_tui.aws.journal import Journal
from layer_tui.aws.models import AccountSummary, RegionError
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox

REGION = "eu-west-1"
PLATFORM_NAME = "platform"
WORKLOAD_NAME = "workload-a"


def session_on(box: Sandbox) -> AwsSession:
    return AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                                    rate_per_second=500.0))


@dataclass
class Reach:
    """A stand-in for ``accounts.AccountSessions``: sessions by account, names, failures."""

    sessions: dict[str, AwsSession | None]
    names: dict[str, str] = field(default_factory=dict)
    errors: dict[str, RegionError] = field(default_factory=dict)

    def get(self, account_id: str) -> AwsSession | None:
        return None if account_id in self.errors else self.sessions.get(account_id)

    def summaries(self) -> tuple[AccountSummary, ...]:
        return tuple(AccountSummary(account, self.names.get(account, ""), "organization",
                                    self.errors.get(account))
                     for account in self.sessions)

    def __iter__(self) -> Iterator[tuple[str, AwsSession]]:
        return iter([(a, s) for a, s in self.sessions.items()
                     if s is not None and a not in self.errors])


def tiny_zip(marker: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/m.py", marker)
    return buffer.getvalue()


def estate_ops(platform: Sandbox, workload: Sandbox, tmp_path: Path,
               reach: Reach | None = None) -> tuple[Reach, LayerOperations]:
    home = session_on(platform)
    reach = reach or Reach(
        {platform.account_id: home, workload.account_id: session_on(workload)},
        {platform.account_id: PLATFORM_NAME, workload.account_id: WORKLOAD_NAME},
    )
    ops = LayerOperations(home, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups",
                          accounts=reach)
    return reach, ops


def publish(box: Sandbox, name: str, count: int) -> list[str]:
    lam = box.client("lambda", REGION)
    return [
        lam.publish_layer_version(LayerName=name, Content={"ZipFile": tiny_zip(f"{name}{n}")},
                                  CompatibleRuntimes=["python3.12"])["LayerVersionArn"]
        for n in range(count)
    ]


def grant_to(box: Sandbox, version: int, account: str, sid: str = "workload") -> None:
    box.client("lambda", REGION).add_layer_version_permission(
        LayerName="otel", VersionNumber=version, StatementId=sid,
        Action="lambda:GetLayerVersion", Principal=account)


def create_function(box: Sandbox, name: str, layers: list[str]) -> str:
    lam = box.client("lambda", REGION)
    arn = lam.create_function(FunctionName=name, Runtime="python3.12",
                              Role=box.execution_role_arn, Handler="app.handler",
                              Code={"ZipFile": tiny_zip("f")}, Layers=layers)["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return str(arn)


def layers_of(box: Sandbox, name: str) -> list[str]:
    config = box.client("lambda", REGION).get_function_configuration(FunctionName=name)
    return [layer["Arn"] for layer in config.get("Layers") or ()]


def versions_left(box: Sandbox, name: str) -> list[int]:
    listed = box.client("lambda", REGION).list_layer_versions(LayerName=name)["LayerVersions"]
    return sorted(v["Version"] for v in listed)
