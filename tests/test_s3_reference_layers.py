"""Layers AWS keeps in their owner's S3 bucket (PublishLayerVersion with
``S3ObjectStorageMode=REFERENCE``), against the sandbox over real HTTP.

Such a version has no copy of its own: GetLayerVersion answers ``Content.ResolvedS3Object``
and no ``Location``. inspect lists it by Range GetObject through the session's s3 client, says
that the version lives and dies with the object (and that in an unversioned bucket an overwrite
changes the layer), and turns a denied object into one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from zipserver import build_zip

from layer_tui.aws.inspection import inspect_layer_version
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox

REGION = "eu-west-1"
BUCKET = "owner-layers"
KEY = "geo/layer.zip"


def session_on(sandbox: Sandbox) -> AwsSession:
    return AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                    rate_per_second=500.0))


def members(count: int, prefix: str = "python/geo") -> dict[str, bytes]:
    # Varied, incompressible-ish content so the zip is far bigger than its central directory.
    return {f"{prefix}/m{i}.py": os.urandom(4_000) for i in range(count)}


def listing(data: bytes) -> list[tuple[str, int, int]]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return [(i.filename, i.file_size, i.CRC) for i in archive.infolist()]


@pytest.fixture
def owner(sandbox: Sandbox) -> Iterator[Sandbox]:
    s3 = sandbox.client("s3", REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield sandbox


def publish_reference(sandbox: Sandbox, data: bytes, *, key: str = KEY) -> str:
    sandbox.client("s3", REGION).put_object(Bucket=BUCKET, Key=key, Body=data)
    published = sandbox.client("lambda", REGION).publish_layer_version(
        LayerName="geo",
        Content={"S3Bucket": BUCKET, "S3Key": key, "S3ObjectStorageMode": "REFERENCE"},
        CompatibleRuntimes=["python3.12"],
    )
    return str(published["LayerVersionArn"])


def inspect(sandbox: Sandbox, arn: str) -> Any:
    session = session_on(sandbox)
    return inspect_layer_version(session.client("lambda", REGION), arn,
                                 s3_client=lambda: session.client("s3", REGION))


def test_the_sandbox_answers_reference_mode_as_aws_does(owner: Sandbox) -> None:
    """Attack: a sandbox that copies the bytes and hands out a URL for a REFERENCE version lets
    the app pass tests it would fail on AWS. Promise: PublishLayerVersion and GetLayerVersion
    answer ResolvedS3Object {S3Bucket, S3Key} and no Location; the same mode with ZipFile is
    refused as AWS refuses it; a COPY-mode layer keeps its Location."""
    arn = publish_reference(owner, build_zip(members(2)))
    lam = owner.client("lambda", REGION)
    content = lam.get_layer_version_by_arn(Arn=arn)["Content"]
    assert "Location" not in content
    assert content["ResolvedS3Object"] == {"S3Bucket": BUCKET, "S3Key": KEY}
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.publish_layer_version(LayerName="geo", Content={
            "ZipFile": build_zip(members(1)), "S3ObjectStorageMode": "REFERENCE"})
    copied = lam.publish_layer_version(LayerName="geo", Content={"ZipFile": build_zip(members(1))})
    assert copied["Content"]["Location"].startswith("http")
    assert "ResolvedS3Object" not in copied["Content"]


def test_a_reference_layer_is_listed_by_range_reads_and_its_risk_is_said(owner: Sandbox) -> None:
    """Attack: with no Location, inspect used to say "contents were not read" and stop, so a
    layer in the owner's bucket was never checked, and nobody was told that deleting or
    overwriting that object breaks or changes the layer. Promise: the listing equals zipfile's,
    read by Range GetObject (bytes counted by the server: a small share of the object), the
    other checks run on it, and a finding says the version lives and dies with that object and
    that, the bucket being unversioned, an overwrite changes the layer."""
    data = build_zip(members(300))
    arn = publish_reference(owner, data)
    report = inspect(owner, arn)
    assert report.contents_read and report.access_error is None
    assert [(e.path, e.size, e.crc32) for e in report.entries] == listing(data)
    sent = owner.s3_objects.object_bytes(BUCKET, KEY)
    assert 0 < sent < len(data) // 10, (sent, len(data))
    assert report.bytes_fetched == sent
    [stored] = [f for f in report.findings if f.code == "storage"]
    assert stored.level == "warning"
    assert f"s3://{BUCKET}/{KEY}" in stored.message
    assert "lives and dies with that object" in stored.message
    assert "not versioned" in stored.message and "overwriting" in stored.message


def test_an_overwritten_object_changes_the_listing(owner: Sandbox) -> None:
    """Attack: the key of a REFERENCE version is overwritten with another zip; a report
    remembered from before, or one checked against CodeSize only, shows the old layer.
    Promise: inspect lists what the key holds now, and says the object no longer has the size
    the version was published with."""
    before = build_zip(members(3))
    arn = publish_reference(owner, before)
    first = inspect(owner, arn)
    assert [e.path for e in first.entries] == [n for n, _, _ in listing(before)]
    after = build_zip(members(5, prefix="python/evil"))
    owner.client("s3", REGION).put_object(Bucket=BUCKET, Key=KEY, Body=after)
    second = inspect(owner, arn)
    assert [(e.path, e.size, e.crc32) for e in second.entries] == listing(after)
    assert {e.path for e in second.entries}.isdisjoint(e.path for e in first.entries)
    drift = [f for f in second.findings if "overwritten after publishing" in f.message]
    assert len(drift) == 1 and f"{len(after):,} bytes" in drift[0].message


def test_a_versioned_bucket_pins_the_object_version(owner: Sandbox) -> None:
    """Promise: in a versioned bucket the version resolves to the object version of its
    publish; inspect reads that version even after the key is overwritten, and the finding
    says it is pinned (info, not the overwrite warning)."""
    s3 = owner.client("s3", REGION)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    original = build_zip(members(2))
    arn = publish_reference(owner, original)
    resolved = owner.client("lambda", REGION).get_layer_version_by_arn(
        Arn=arn)["Content"]["ResolvedS3Object"]
    assert resolved["S3ObjectVersion"]
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=build_zip(members(4, prefix="python/x")))
    report = inspect(owner, arn)
    assert [(e.path, e.size, e.crc32) for e in report.entries] == listing(original)
    [stored] = [f for f in report.findings if f.code == "storage"]
    assert stored.level == "info" and "pinned" in stored.message


def deny_reads(sandbox: Sandbox) -> None:
    sandbox.client("s3", REGION).put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}))


def test_a_denied_object_is_one_finding_not_a_crash(owner: Sandbox) -> None:
    """Attack: the bucket policy denies GetObject to the caller; a reader that lets the
    ClientError escape crashes the worker (a traceback in the TUI). Promise: the report says in
    one line that the object could not be read and why, names the object and what to do; the
    lifecycle and storage findings are still there."""
    arn = publish_reference(owner, build_zip(members(2)))
    deny_reads(owner)
    report = inspect(owner, arn)
    assert not report.contents_read and report.entries == ()
    assert report.access_error is not None and "\n" not in report.access_error
    assert "access denied (s3:GetObject)" in report.access_error
    assert f"s3://{BUCKET}/{KEY}" in report.access_error
    codes = {f.code for f in report.findings}
    assert {"contents", "storage"} <= codes
    assert owner.s3_objects.object_requests(BUCKET, KEY) >= 1


def test_inspect_on_the_command_line_reads_a_reference_layer_and_a_denied_one_is_one_line(
    owner: Sandbox,
) -> None:
    """Promise: ``layer-tui inspect`` lists a REFERENCE layer (the JSON's entries and the
    storage finding) and, once the object is denied, prints one line and exits 1."""
    arn = publish_reference(owner, build_zip(members(2)))
    env = {**os.environ, "AWS_DEFAULT_REGION": REGION}
    command = [sys.executable, "-m", "layer_tui", "--endpoint-url", owner.endpoint_url,
               "--region", REGION, "inspect", arn]
    listed = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert listed.returncode == 0, listed.stderr
    payload = json.loads(listed.stdout)
    assert payload["files"] == 2
    assert any(f["code"] == "storage" for f in payload["findings"])
    deny_reads(owner)
    denied = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert denied.returncode == 1
    lines = denied.stderr.strip().splitlines()
    assert len(lines) == 1 and "access denied (s3:GetObject)" in lines[0], denied.stderr
    assert "Traceback" not in denied.stderr
