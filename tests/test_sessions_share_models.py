"""Service models are read once per process, however many sessions are made.

Attack: every ``AwsSession`` (a profile, a profile switch, each account of an organization,
each test) got a botocore loader of its own, so its first client of a service read and parsed
that service's model files again (Lambda's, STS's, the endpoint rules: about 20 ms each, the
largest part of making a client), and boto3 appended its data folder to the loader's search
paths once per session. Promise: a second session's clients read no model file; the shared
loader's search paths hold no folder twice; and each session still signs with its own
credentials (sharing models shares nothing else).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import botocore.loaders
import pytest
from botocore.credentials import Credentials

from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox


def _files_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    original = botocore.loaders.JSONFileLoader.load_file

    def counting(self: Any, file_path: str) -> Any:
        read.append(file_path)
        return original(self, file_path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", counting)
    return read


def test_a_second_session_reads_no_model_file(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=("eu-west-1",))
    first = AwsSession(config)
    first.client("lambda", "eu-west-1").list_layers()
    read = _files_read(monkeypatch)

    for other in (AwsSession(config), AwsSession(replace(config, demo=True))):
        other.client("lambda", "eu-west-1")
        other.client("lambda", "us-east-1")
    assumed = AwsSession(config, account=sandbox.account_id,
                         credentials=Credentials("AKIDOTHER", "other-secret"))
    assumed.client("lambda", "eu-west-1")
    assert read == [], f"model files read again: {read}"

    paths = assumed.botocore_session().get_component("data_loader").search_paths
    assert len(paths) == len(set(paths)), paths


def test_shared_models_keep_each_sessions_own_credentials(sandbox: Sandbox) -> None:
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=("eu-west-1",))
    mine = AwsSession(config, account=sandbox.account_id,
                      credentials=Credentials("AKIDMINE", "mine-secret"))
    theirs = AwsSession(config, account=sandbox.account_id,
                        credentials=Credentials("AKIDTHEIRS", "theirs-secret"))
    keys = []
    for session in (mine, theirs):
        signed = session.botocore_session().get_credentials()
        keys.append(signed.access_key)
    assert keys == ["AKIDMINE", "AKIDTHEIRS"]
