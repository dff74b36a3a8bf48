"""Publishing through S3 and AWS refusing a publish: a clear error, nothing left behind."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layer_tui.aws import publishing
from layer_tui.aws.errors import AwsError
from layer_tui.aws.journal import Journal
from layer_tui.aws.operations import Cancelled, LayerOperations
from layer_tui.aws.publishing import (
    InvalidInput,
    PublishRequest,
    prepare_archive,
    publish_layer_version,
)
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply
from layer_tui.sandbox.server import Sandbox

REGION = "eu-west-1"


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION, "us-east-1")) as sandbox:
        yield sandbox


def make_ops(sandbox: Sandbox, tmp_path: Path) -> LayerOperations:
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0, max_attempts=2))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups")


@pytest.fixture
def big_zip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive "over the direct-upload limit": the limit is lowered, not the archive raised."""
    monkeypatch.setattr(publishing, "DIRECT_UPLOAD_LIMIT", 64 * 1024)
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("python/blob.bin", os.urandom(200 * 1024))
    return path


def layer_versions(sandbox: Sandbox, name: str) -> list[int]:
    lam = sandbox.client("lambda", REGION)
    return [v["Version"] for v in lam.list_layer_versions(LayerName=name)["LayerVersions"]]


def objects(sandbox: Sandbox, bucket: str, region: str = REGION) -> list[str]:
    listed = sandbox.client("s3", region).list_objects_v2(Bucket=bucket)
    return [o["Key"] for o in listed.get("Contents", [])]


def make_bucket(sandbox: Sandbox, name: str, region: str) -> None:
    s3 = sandbox.client("s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def test_over_the_limit_goes_through_s3_and_leaves_no_object(
    box: Sandbox, tmp_path: Path, big_zip: Path
) -> None:
    make_bucket(box, "artifacts", REGION)
    ops = make_ops(box, tmp_path)
    prepared = prepare_archive(big_zip)
    assert prepared.needs_s3
    seen: list[tuple[int, int]] = []
    result = publish_layer_version(
        ops, PublishRequest("big", big_zip, REGION, s3_bucket="artifacts"), prepared,
        progress=lambda sent, total: seen.append((sent, total)),
    )
    assert result["Version"] == 1
    assert result["Content"]["CodeSize"] == prepared.zipped
    assert seen and seen[-1] == (prepared.zipped, prepared.zipped)
    assert objects(box, "artifacts") == []
    actions = [e.action for e in ops.journal.entries() if e.phase == "after"]
    # A batch of its own: its closing line comes after the carrier is gone.
    assert actions == ["PutObject", "PublishLayerVersion", "DeleteObject", "Batch"]


@pytest.mark.parametrize(
    ("bucket", "needle"),
    [(None, "give an S3 bucket in eu-west-1"),
     ("nosuch", "cannot be used"),
     ("elsewhere", "is in us-east-1, not eu-west-1")],
)
def test_bad_buckets_publish_nothing(
    box: Sandbox, tmp_path: Path, big_zip: Path, bucket: str | None, needle: str
) -> None:
    make_bucket(box, "elsewhere", "us-east-1")
    ops = make_ops(box, tmp_path)
    with pytest.raises(InvalidInput) as failure:
        publish_layer_version(ops, PublishRequest("big", big_zip, REGION, s3_bucket=bucket),
                              prepare_archive(big_zip))
    assert needle in str(failure.value)
    assert layer_versions(box, "big") == []
    assert objects(box, "elsewhere", "us-east-1") == []
    assert list(ops.journal.entries()) == []


def test_cancelling_the_upload_leaves_no_object_and_no_version(
    box: Sandbox, tmp_path: Path, big_zip: Path
) -> None:
    make_bucket(box, "artifacts", REGION)
    ops = make_ops(box, tmp_path)
    with pytest.raises(Cancelled):
        publish_layer_version(
            ops, PublishRequest("big", big_zip, REGION, s3_bucket="artifacts"),
            prepare_archive(big_zip), cancelled=lambda: True,
        )
    assert objects(box, "artifacts") == []
    assert layer_versions(box, "big") == []


class RefusePublish(Interceptor):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.operation == "PublishLayerVersion":
            return error_reply(call, self.status, self.code, self.message)
        return None


def small_zip(tmp_path: Path) -> Path:
    path = tmp_path / "small.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/m.py", "x = 1\n")
    path.write_bytes(buf.getvalue())
    return path


@pytest.mark.parametrize(
    ("status", "code", "needle"),
    [(400, "CodeStorageExceededException", "code storage is full"),
     (403, "AccessDeniedException", "access denied")],
)
def test_aws_refusing_a_publish_is_one_clear_line(
    box: Sandbox, tmp_path: Path, status: int, code: str, needle: str
) -> None:
    box.add_interceptor(RefusePublish(status, code, "refused by the sandbox"))
    ops = make_ops(box, tmp_path)
    source = small_zip(tmp_path)
    with pytest.raises(AwsError) as failure:
        publish_layer_version(ops, PublishRequest("geo", source, REGION),
                              prepare_archive(source))
    assert failure.value.code == code
    assert needle in str(failure.value) and "\n" not in str(failure.value)
    after = [e for e in ops.journal.entries() if e.phase == "after"]
    assert [(e.action, (e.error or {}).get("code")) for e in after] == [
        ("PublishLayerVersion", code)
    ]


def test_throttling_past_every_retry(box: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(box, tmp_path)
    ops.session.account_id()  # STS first: the throttle is for Lambda's calls
    box.faults.throttle_fraction = 1.0
    source = small_zip(tmp_path)
    failure: Any
    with pytest.raises(AwsError) as failure:
        publish_layer_version(ops, PublishRequest("geo", source, REGION),
                              prepare_archive(source))
    box.faults.throttle_fraction = 0.0
    assert failure.value.code == "TooManyRequestsException"
    assert "throttled" in str(failure.value)
    # botocore counts retries in max_attempts: the first call and two retries, then it gives up.
    assert box.stats.calls("PublishLayerVersion") == 3
    assert layer_versions(box, "geo") == []
