"""STS AssumeRole as AWS answers it: only into a role that exists and trusts the caller.

moto's AssumeRole accepts any ARN ("the role does not need to exist") and hands out keys for
its account. AWS refuses a role that is missing, one whose trust policy does not name the
caller's account, and any role of an account that is suspended, all with the same 403
AccessDenied: "User: ... is not authorized to perform: sts:AssumeRole on resource: ARN". Here a
role must also be in an account this sandbox serves: another sandbox's accounts (or accounts
nobody created) have no roles as far as this one knows.

Within one account only existence is checked: the sandbox's callers are the account itself,
and AWS would let an administrator assume its own account's roles through identity policies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from moto.iam.models import iam_backends

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply
from layer_tui.sandbox.credentials import AccountCredentials

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/(?:[^/]+/)*(?P<name>[^/]+)$")


def assume_role_refusal(caller_account: str, role_arn: str) -> str:
    return (
        f"User: arn:aws:iam::{caller_account}:user/sandbox is not authorized to perform: "
        f"sts:AssumeRole on resource: {role_arn}"
    )


class AssumeRoleGate(Interceptor):
    """Refuses AssumeRole the way AWS does (see the module's docstring)."""

    def __init__(
        self, credentials: AccountCredentials, suspended: Callable[[str], bool] = lambda _: False
    ) -> None:
        self._credentials = credentials
        self._suspended = suspended

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "sts" or call.operation != "AssumeRole":
            return None
        role_arn = call.param("RoleArn") or ""
        match = _ROLE_ARN.match(role_arn)
        if match is None:
            return error_reply(call, 400, "ValidationError", f"{role_arn} is invalid")
        account = match["account"]
        if (
            not self._credentials.serves(account)
            or self._suspended(account)
            or not _role_admits(account, role_arn, call.account_id)
        ):
            return error_reply(
                call, 403, "AccessDenied", assume_role_refusal(call.account_id, role_arn)
            )
        return None


def _role_admits(account: str, role_arn: str, caller_account: str) -> bool:
    iam = iam_backends[account]["aws"]
    try:
        role = iam.get_role_by_arn(role_arn)
    except Exception:  # moto's NotFoundException (IAM's NoSuchEntity)
        return False
    if caller_account == account:
        return True
    return trusts(role.assume_role_policy_document, caller_account)


def trusts(document: Any, caller_account: str) -> bool:
    """Whether a trust policy lets principals of ``caller_account`` call sts:AssumeRole."""
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document) if document.startswith("%") else document)
        except ValueError:
            return False
    if not isinstance(document, dict):
        return False
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = _listed(statement.get("Action"))
        if not any(action in ("sts:AssumeRole", "sts:*", "*") for action in actions):
            continue
        principal = statement.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else principal
        for who in _listed(aws):
            if who == "*" or who == caller_account or f":iam::{caller_account}:" in who:
                return True
    return False


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []
