"""The sandbox serves each request as the account its credentials belong to, as AWS does.

Promises (each test's docstring names the attack): keys from STS AssumeRole are the role's
account and never see the caller's resources; keys from ``Sandbox.credentials_for`` are that
account; any other key is the sandbox's own account; AssumeRole into a role that is missing,
does not trust the caller, or lives in an account this sandbox does not serve is refused with
AWS's AccessDenied; stopping a sandbox forgets every account it served; two sandboxes in one
process never share an account.
"""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from layer_tui.sandbox import Sandbox

REGION = "us-east-1"
MEMBER = "210987654321"


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def trust_policy(account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def make_role(sandbox: Sandbox, account: str, name: str, trusted: str) -> str:
    iam = sandbox.client("iam", REGION, account=account)
    return str(
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy(trusted))["Role"][
            "Arn"
        ]
    )


def assumed_client(sandbox: Sandbox, service: str, role_arn: str, caller: Any = None) -> Any:
    sts = caller or sandbox.client("sts", REGION)
    keys = sts.assume_role(RoleArn=role_arn, RoleSessionName="layer-tui")["Credentials"]
    return boto3.session.Session().client(
        service,
        region_name=REGION,
        endpoint_url=sandbox.endpoint_url,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )


def create_function(lam: Any, name: str, account: str) -> None:
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=Sandbox.execution_role_arn_for(account),
        Handler="app.handler",
        Code={"ZipFile": tiny_zip()},
    )


def function_names(lam: Any) -> set[str]:
    return {f["FunctionName"] for f in lam.list_functions()["Functions"]}


def test_an_assumed_role_key_is_the_roles_account_and_never_sees_the_callers(
    sandbox: Sandbox,
) -> None:
    """Attack: the management account assumes a member's role and lists functions with the
    keys it got. Promise: the keys are the member's account (GetCallerIdentity says so) and
    list the member's functions only, never the management account's."""
    create_function(sandbox.client("lambda", REGION), "billing-in-management", sandbox.account_id)
    create_function(sandbox.client("lambda", REGION, account=MEMBER), "orders-in-member", MEMBER)
    role = make_role(sandbox, MEMBER, "Audit", trusted=sandbox.account_id)

    identity = assumed_client(sandbox, "sts", role).get_caller_identity()
    assert identity["Account"] == MEMBER
    assert identity["Arn"] == f"arn:aws:sts::{MEMBER}:assumed-role/Audit/layer-tui"
    assert function_names(assumed_client(sandbox, "lambda", role)) == {"orders-in-member"}
    assert function_names(sandbox.client("lambda", REGION)) == {"billing-in-management"}


def test_issued_keys_are_their_account_and_any_other_key_is_the_sandboxs(
    sandbox: Sandbox,
) -> None:
    """Attack: call with keys from ``credentials_for``, with the usual fake keys, with a key
    nobody issued, and through a presigned URL (X-Amz-Credential, no Authorization header).
    Promise: the issued keys are served as their account (the same keys every time); every
    other key is the sandbox's own account, as before."""
    assert sandbox.credentials_for(MEMBER) == sandbox.credentials_for(MEMBER)
    assert sandbox.client("sts", REGION, account=MEMBER).get_caller_identity()["Account"] == MEMBER
    assert sandbox.client("sts", REGION).get_caller_identity()["Account"] == sandbox.account_id
    stranger = boto3.session.Session().client(
        "sts", region_name=REGION, endpoint_url=sandbox.endpoint_url,
        aws_access_key_id="ASIASTRANGERKEY00000", aws_secret_access_key="x",
    )
    assert stranger.get_caller_identity()["Account"] == sandbox.account_id

    sandbox.client("s3", REGION, account=MEMBER).create_bucket(Bucket=f"member-{MEMBER}")
    for signature, marker in (("s3v4", "X-Amz-Credential"), ("s3", "AWSAccessKeyId")):
        s3 = sandbox.client("s3", REGION, account=MEMBER,
                            config=Config(signature_version=signature))
        presigned = s3.generate_presigned_url("list_buckets")
        assert marker in presigned and "Authorization" not in presigned
        with urllib.request.urlopen(presigned) as answer:
            assert f"member-{MEMBER}".encode() in answer.read()
    home_listing = sandbox.client("s3", REGION).list_buckets()["Buckets"]
    assert [bucket["Name"] for bucket in home_listing] == []


def refusal(call: Any) -> ClientError:
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value


def test_assume_role_is_refused_as_aws_refuses_it(sandbox: Sandbox) -> None:
    """Attack: AssumeRole into a role that does not exist, into one whose trust policy names
    another account, and into a role of an account the sandbox does not serve (moto would hand
    out keys for all three). Promise: each is refused with 403 AccessDenied, "User: ... is not
    authorized to perform: sts:AssumeRole on resource: ARN", and no keys."""
    sandbox.credentials_for(MEMBER)
    untrusting = make_role(sandbox, MEMBER, "Elsewhere", trusted="999999999999")
    sts = sandbox.client("sts", REGION)
    for arn in (
        f"arn:aws:iam::{MEMBER}:role/OrganizationAccountAccessRole",
        untrusting,
        "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole",
    ):
        error = refusal(lambda arn=arn: sts.assume_role(RoleArn=arn, RoleSessionName="scan"))
        assert error.response["Error"]["Code"] == "AccessDenied"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert error.response["Error"]["Message"] == (
            f"User: arn:aws:iam::{sandbox.account_id}:user/sandbox is not authorized to "
            f"perform: sts:AssumeRole on resource: {arn}"
        )


def test_stop_forgets_every_account_the_sandbox_served() -> None:
    """Attack: a sandbox serves a member account (a function, a bucket, a role, a key handed
    out by AssumeRole), stops, and a new sandbox takes the same ids. Promise: the new one
    starts empty: no function, bucket or role of the member survives, and the old assumed
    key is a stranger (served as the new sandbox's own account)."""
    home = "111111111111"
    with Sandbox(account_id=home, regions=(REGION,)) as first:
        create_function(first.client("lambda", REGION, account=MEMBER), "orders", MEMBER)
        first.client("s3", REGION, account=MEMBER).create_bucket(Bucket="member-bucket-forgotten")
        role = make_role(first, MEMBER, "Audit", trusted=home)
        old_keys = first.client("sts", REGION).assume_role(
            RoleArn=role, RoleSessionName="scan")["Credentials"]
    with Sandbox(account_id=home, regions=(REGION,)) as second:
        assert function_names(second.client("lambda", REGION, account=MEMBER)) == set()
        assert second.client("s3", REGION, account=MEMBER).list_buckets()["Buckets"] == []
        roles = second.client("iam", REGION, account=MEMBER).list_roles()["Roles"]
        assert "Audit" not in {r["RoleName"] for r in roles}
        old = boto3.session.Session().client(
            "sts", region_name=REGION, endpoint_url=second.endpoint_url,
            aws_access_key_id=old_keys["AccessKeyId"],
            aws_secret_access_key=old_keys["SecretAccessKey"],
            aws_session_token=old_keys["SessionToken"],
        )
        assert old.get_caller_identity()["Account"] == home


def test_two_sandboxes_in_one_process_never_share_an_account(sandbox: Sandbox) -> None:
    """Attack: a second sandbox asks for credentials of an account the first one serves, and
    uses keys the first one handed out by AssumeRole. Promise: the claim is refused in one
    line; the first sandbox's keys are strangers to the second (its own account, nothing of
    the member's)."""
    create_function(sandbox.client("lambda", REGION, account=MEMBER), "orders", MEMBER)
    role = make_role(sandbox, MEMBER, "Audit", trusted=sandbox.account_id)
    keys = sandbox.client("sts", REGION).assume_role(
        RoleArn=role, RoleSessionName="scan")["Credentials"]
    with Sandbox(regions=(REGION,)) as other:
        with pytest.raises(RuntimeError, match=f"account {MEMBER} is already served"):
            other.credentials_for(MEMBER)
        borrowed = boto3.session.Session().client(
            "lambda", region_name=REGION, endpoint_url=other.endpoint_url,
            aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys["SessionToken"],
        )
        assert function_names(borrowed) == set()
        error = refusal(lambda: other.client("sts", REGION).assume_role(
            RoleArn=role, RoleSessionName="scan"))
        assert error.response["Error"]["Code"] == "AccessDenied"
