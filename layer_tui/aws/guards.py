"""What may leave the process: read-only as an allow-list, and changes to one account only.

Both are botocore hooks on the session every client is made from (``install``), so they hold
for every client the app makes — lambda, s3, sts, account, ec2, organizations, config and any
added later — whatever part of the code calls, and they refuse before a byte is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from layer_tui.aws.errors import AwsError

#: Operation-name prefixes of calls that only read. In read-only mode nothing else leaves the
#: process: an allow-list, so a verb nobody listed (lambda Invoke, S3 RestoreObject, whatever a
#: new service calls its changes) is refused instead of let through. S3 SelectObjectContent
#: and Config's Select*ResourceConfig are queries, hence "Select".
READ_PREFIXES = ("Get", "List", "Head", "Describe", "Select", "BatchGet")

#: Calls that change nothing in any account but without which there are no credentials:
#: who am I, role assumption (profiles with role_arn, --org) and the SSO token refresh.
CREDENTIAL_OPERATIONS = frozenset({
    ("sts", "GetCallerIdentity"),
    ("sts", "AssumeRole"),
    ("sts", "AssumeRoleWithWebIdentity"),
    ("sts", "AssumeRoleWithSAML"),
    ("sts", "GetSessionToken"),
    ("sso-oidc", "CreateToken"),
})

#: Parameters that name the resource a call changes. Not those that merely refer to others:
#: a function's Layers may list a vendor's layer and its KMSKeyArn another account's key.
TARGET_PARAMETERS = ("FunctionName", "LayerName", "Arn", "ResourceArn", "Resource")

_ACCOUNT = re.compile(r"^\d{12}$")
_UNIQUE = "layer-tui-guard-"


class ReadOnlyError(AwsError):
    """A call that is not a read was attempted in read-only mode; nothing was sent."""


class ForeignAccountError(AwsError):
    """A change was aimed at another account than the session's; nothing was sent."""


def is_read_operation(service: str, operation: str) -> bool:
    """Whether ``operation`` of ``service`` (botocore's hyphenated service id) may run in
    read-only mode."""
    return operation.startswith(READ_PREFIXES) or (service, operation) in CREDENTIAL_OPERATIONS


def arn_account(value: str) -> str | None:
    """The account an ARN names (or Lambda's partial ARN ``123456789012:function:name``);
    None for a plain name or an ARN without an account (S3's)."""
    parts = value.split(":")
    if value.startswith("arn:") and len(parts) >= 6:
        account = parts[4]
    elif len(parts) >= 3 and parts[1] in ("function", "layer"):
        account = parts[0]
    else:
        return None
    return account if _ACCOUNT.match(account) else None


def check_account(account: str, named: Iterable[str | None], doing: str) -> None:
    """Refuse, in one line, when any ARN in ``named`` belongs to another account than
    ``account`` (the session's)."""
    for value in named:
        owner = arn_account(value) if isinstance(value, str) else None
        if owner is not None and owner != account:
            raise ForeignAccountError(
                "ForeignAccount",
                f"{doing} refused: {value} belongs to account {owner} but this session is "
                f"account {account}; nothing was sent (switch to a profile of {owner} to "
                "change it)",
            )


def _refusal(service: str, operation: str) -> ReadOnlyError:
    return ReadOnlyError(
        "ReadOnly",
        f"{service} {operation} refused: layer-tui runs read-only (--read-only) and lets only "
        "reads through; nothing was sent",
    )


def _refuse_unless_read(model: Any, **_: Any) -> None:
    service = model.service_model.service_id.hyphenize()
    if not is_read_operation(service, model.name):
        raise _refusal(service, model.name)


def _refuse_send_unless_read(event_name: str = "", **_: Any) -> None:
    # The last hook before the socket ("before-send.s3.PutObject"): should anything ever skip
    # before-call, the request still stays here.
    parts = event_name.split(".")
    service, operation = (parts[1], parts[2]) if len(parts) >= 3 else ("", "")
    if not is_read_operation(service, operation):
        raise _refusal(service, operation)


def _account_guard(account: Callable[[], str]) -> Callable[..., None]:
    def guard(params: Any, model: Any, **_: Any) -> None:
        service = model.service_model.service_id.hyphenize()
        if is_read_operation(service, model.name) or not isinstance(params, dict):
            return
        named = [params.get(name) for name in TARGET_PARAMETERS]
        if any(arn_account(v) for v in named if isinstance(v, str)):
            check_account(account(), named, f"{service} {model.name}")
        if service == "s3" and "Bucket" in params:
            _expect_own_bucket(account, params, model)

    return guard


def _expect_own_bucket(account: Callable[[], str], params: dict[str, Any], model: Any) -> None:
    # A bucket name says nothing of its owner; S3 itself refuses the change when the bucket
    # belongs to another account than ExpectedBucketOwner.
    if "ExpectedBucketOwner" not in model.input_shape.members:
        return
    owner = params.get("ExpectedBucketOwner")
    if owner is None:
        params["ExpectedBucketOwner"] = account()
    elif owner != account():
        raise ForeignAccountError(
            "ForeignAccount",
            f"s3 {model.name} refused: it names bucket owner {owner} but this session is "
            f"account {account()}; nothing was sent",
        )


def install(events: Any, *, read_only: bool, account: Callable[[], str]) -> None:
    """Hook the guards onto a botocore event system. On a session's, every client made from it
    afterwards carries them (botocore copies the session's handlers into each new client)."""
    if read_only:
        events.register("before-call", _refuse_unless_read, unique_id=_UNIQUE + "read-only")
        events.register(
            "before-send", _refuse_send_unless_read, unique_id=_UNIQUE + "read-only-send"
        )
    else:
        events.register(
            "before-parameter-build", _account_guard(account), unique_id=_UNIQUE + "account"
        )
