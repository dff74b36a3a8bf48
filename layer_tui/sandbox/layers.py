"""Layer versions as AWS serves them: across accounts, with a content URL, with account totals.

moto looks every layer ARN up by name in the *caller's* account, so a function cannot use a
vendor's layer (another account) and GetLayerVersionByArn is not implemented at all. Here a
layer version ARN resolves in the backend of the account and region it names (and, as on
AWS, a function may pin another account's version only if that version grants the caller's
account ``lambda:GetLayerVersion``: ``LayerUseGrants``), and
GetLayerVersion / GetLayerVersionByArn / PublishLayerVersion carry a working presigned
``Content.Location`` instead of moto's ``"s3://"`` (or, for a version kept in its owner's
bucket, ``ResolvedS3Object`` and no Location: ``s3_storage``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import UnknownLayerException, UnknownLayerVersionException
from moto.awslambda.models import LambdaFunction, LayerDataType, LayerVersion, lambda_backends

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply
from layer_tui.sandbox.s3_storage import refuse_reference_zip, shape_content

_LAYER_VERSION_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:"
    r"(?P<name>[A-Za-z0-9_-]+):(?P<version>\d+)$"
)
LAYER_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:"
    r"(?P<name>[A-Za-z0-9_-]+)$"
)

#: What GetAccountSettings reports as limits: AWS's defaults for a new account.
ACCOUNT_LIMITS = {
    "TotalCodeSize": 80_530_636_800,
    "CodeSizeUnzipped": 262_144_000,
    "CodeSizeZipped": 52_428_800,
    "ConcurrentExecutions": 1000,
    "UnreservedConcurrentExecutions": 1000,
}

_install_lock = threading.Lock()
_INSTALLED_MARK = "_layer_tui_cross_account"


def resolve_layer_version(arn: str, region: str | None = None) -> LayerVersion | None:
    """The layer version an ARN names, in whichever account owns it.

    Layers are regional: with ``region`` given, an ARN from another region resolves to nothing.
    """
    match = _LAYER_VERSION_ARN.match(arn)
    if match is None or (region is not None and match["region"] != region):
        return None
    if match["account"] not in lambda_backends:
        return None
    backend = lambda_backends[match["account"]][match["region"]]
    try:
        found = backend.get_layer_version(match["name"], match["version"])
    except UnknownLayerException:
        return None
    return found


def _layers_data_across_accounts(
    self: LambdaFunction, layers_versions_arns: list[str]
) -> list[LayerDataType]:
    resolved = [resolve_layer_version(arn, self.region) for arn in layers_versions_arns]
    found = [layer_version for layer_version in resolved if layer_version is not None]
    if len(found) != len(resolved):
        raise UnknownLayerVersionException(layers_versions_arns)
    return [{"Arn": lv.arn, "CodeSize": lv.code_size} for lv in found]


def install_cross_account_layers() -> None:
    """Make moto resolve function layers in their owner's account; once, idempotently."""
    with _install_lock:
        if getattr(LambdaFunction, _INSTALLED_MARK, False):
            return
        LambdaFunction._get_layers_data = _layers_data_across_accounts  # type: ignore[method-assign]
        setattr(LambdaFunction, _INSTALLED_MARK, True)


def grants_get_layer_version(layer_version: LayerVersion, account_id: str) -> bool:
    """Whether the owner let ``account_id`` read this version (AddLayerVersionPermission)."""
    if layer_version.account_id == account_id:
        return True
    for statement in layer_version.policy.statements:
        principal = statement.get("Principal")
        principals = principal.get("AWS") if isinstance(principal, dict) else principal
        if isinstance(principals, str):
            principals = [principals]
        condition = (statement.get("Condition") or {}).get("StringEquals") or {}
        organization = condition.get("aws:PrincipalOrgID") or statement.get("OrganizationId")
        if organization and not in_organization(account_id, str(organization)):
            continue  # principal "*" within an organization: its member accounts only
        for who in principals or []:
            if who == "*" or account_id in str(who):
                return True
    return False


def in_organization(account_id: str, organization_id: str) -> bool:
    """Whether moto's Organizations knows ``account_id`` as a member of that organization."""
    from moto.organizations.models import organizations_backends

    for by_partition in list(organizations_backends.values()):
        for backend in list(by_partition.values()):
            org = backend.org
            if org is not None and org.id == organization_id:
                return account_id == org.master_account_id or any(
                    account.id == account_id for account in backend.accounts
                )
    return False


class LayerVersionReads(Interceptor):
    """GetLayerVersion(ByArn) answered across accounts; Content.Location made fetchable."""

    def __init__(self, content_url: Callable[[LayerVersion], str]) -> None:
        self._content_url = content_url

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "lambda":
            return None
        if call.operation == "PublishLayerVersion":
            return refuse_reference_zip(call)
        if call.operation == "GetLayerVersionByArn":
            return self._answer(call, call.param("Arn") or "")
        if call.operation == "GetLayerVersion":
            name = call.path_params.get("LayerName", "")
            version = call.path_params.get("VersionNumber", "")
            layer_arn = LAYER_ARN.match(name)
            if layer_arn is None:
                arn = f"arn:aws:lambda:{call.region}:{call.account_id}:layer:{name}:{version}"
            else:
                arn = f"{name}:{version}"
            return self._answer(call, arn)
        if call.operation == "GetAccountSettings":
            return ApiReply.json(_account_settings(call))
        return None

    def after(self, call: ApiCall, reply: ApiReply) -> ApiReply:
        if call.service != "lambda" or call.operation != "PublishLayerVersion":
            return reply
        if reply.status != 201:
            return reply
        payload = reply.payload()
        published = resolve_layer_version(str(payload.get("LayerVersionArn", "")))
        if published is None:
            return reply
        payload["Content"]["Location"] = self._content_url(published)
        payload["Content"] = shape_content(published, payload["Content"])
        fixed = ApiReply.json(payload, status=201)
        return fixed

    def _answer(self, call: ApiCall, arn: str) -> ApiReply:
        if not _LAYER_VERSION_ARN.match(arn):
            return error_reply(
                call,
                400,
                "ValidationException",
                f"1 validation error detected: Value '{arn}' at 'arn' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: "
                "(arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:"
                "\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)",
            )
        layer_version = resolve_layer_version(arn, call.region)
        if layer_version is None:
            return error_reply(
                call,
                404,
                "ResourceNotFoundException",
                "The resource you requested does not exist.",
                Type="User",
            )
        if not grants_get_layer_version(layer_version, call.account_id):
            return error_reply(
                call,
                403,
                "AccessDeniedException",
                f"User: arn:aws:iam::{call.account_id}:user/sandbox is not authorized to "
                f"perform: lambda:GetLayerVersion on resource: {arn} because no "
                "resource-based policy allows the lambda:GetLayerVersion action",
            )
        payload = layer_version.get_layer_version()
        payload["Content"]["Location"] = self._content_url(layer_version)
        payload["Content"] = shape_content(layer_version, payload["Content"])
        return ApiReply.json(payload)


def _account_settings(call: ApiCall) -> dict[str, Any]:
    backend = lambda_backends[call.account_id][call.region]
    functions = list(backend._lambdas._functions.values())
    code_size = 0
    function_count = 0
    for group in functions:
        configurations = [group["latest"], *group["versions"]]
        function_count += 1 if group["latest"] is not None else 0
        code_size += sum(int(c.code_size or 0) for c in configurations if c is not None)
    for layer in list(backend._layers._layers.values()):
        code_size += sum(int(lv.code_size or 0) for lv in list(layer.layer_versions.values()))
    return {
        "AccountLimit": dict(ACCOUNT_LIMITS),
        "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": function_count},
    }


def _not_granted(call: ApiCall, arn: str) -> ApiReply:
    return error_reply(
        call,
        403,
        "AccessDeniedException",
        f"User: arn:aws:iam::{call.account_id}:user/sandbox is not authorized to perform: "
        f"lambda:GetLayerVersion on resource: {arn} because no resource-based policy allows "
        "the lambda:GetLayerVersion action",
    )


class LayerUseGrants(Interceptor):
    """CreateFunction / UpdateFunctionConfiguration refused, as AWS refuses them, when a layer
    of another account does not grant the caller's account (moto never checks)."""

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "lambda" or call.operation not in (
            "CreateFunction",
            "UpdateFunctionConfiguration",
        ):
            return None
        try:
            layers = call.json_body().get("Layers") or []
        except ValueError:
            return None  # moto's own answer to a body it cannot read
        for arn in layers if isinstance(layers, list) else []:
            layer_version = resolve_layer_version(str(arn), call.region)
            if layer_version is not None and not grants_get_layer_version(
                layer_version, call.account_id
            ):
                return _not_granted(call, str(arn))
        return None
