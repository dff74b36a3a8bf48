"""Layer version permissions as AWS keeps them: who else may use a version, in AWS's words.

moto stores AddLayerVersionPermission's request almost verbatim: an account comes back as the
bare id (AWS says ``{"AWS": "arn:aws:iam::ID:root"}``), an ``OrganizationId`` stays a field of
the statement (AWS turns it into ``Condition: {"StringEquals": {"aws:PrincipalOrgID": ...}}``
on principal ``*``), and a statement id can be added twice (AWS answers 409). Anything that
reads a policy to say who else is granted must see what AWS would return, so this fixes the
statement as it is stored and the reply that names it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.awslambda.models import LayerVersion

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply
from layer_tui.sandbox.layers import LAYER_ARN, resolve_layer_version

# The patterns of botocore's service model, which botocore itself does not enforce.
_PRINCIPAL = re.compile(r"^(\d{12}|\*|arn:aws[a-zA-Z-]*:iam::\d{12}:root)$")
_ORGANIZATION = re.compile(r"^o-[a-z0-9]{10,32}$")
_STATEMENT_ID = re.compile(r"^[a-zA-Z0-9-_]{1,100}$")


def aws_statement(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement in the shape GetLayerVersionPolicy returns on AWS."""
    principal: Any = statement.get("Principal", "*")
    if isinstance(principal, str) and re.fullmatch(r"\d{12}", principal):
        principal = {"AWS": f"arn:aws:iam::{principal}:root"}
    elif isinstance(principal, str) and principal.startswith("arn:"):
        principal = {"AWS": principal}
    shaped: dict[str, Any] = {
        "Sid": statement.get("Sid"),
        "Effect": statement.get("Effect", "Allow"),
        "Principal": principal,
        "Action": statement.get("Action", "lambda:GetLayerVersion"),
        "Resource": statement.get("Resource"),
    }
    condition = dict(statement.get("Condition") or {})
    organization = statement.get("OrganizationId")
    if organization:
        condition["StringEquals"] = {
            **dict(condition.get("StringEquals") or {}), "aws:PrincipalOrgID": organization
        }
    if condition:
        shaped["Condition"] = condition
    return shaped


class LayerPermissions(Interceptor):
    """AddLayerVersionPermission validated and stored the way AWS stores it."""

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "lambda" or call.operation != "AddLayerVersionPermission":
            return None
        layer_version = self._target(call)
        if layer_version is None:
            return None  # moto's own 404
        request = call.json_body()
        sid = str(request.get("StatementId", ""))
        principal = str(request.get("Principal", ""))
        organization = request.get("OrganizationId")
        problem = None
        if not _STATEMENT_ID.match(sid):
            problem = f"Value '{sid}' at 'statementId' failed to satisfy constraint"
        elif not _PRINCIPAL.match(principal):
            problem = f"Value '{principal}' at 'principal' failed to satisfy constraint"
        elif organization is not None and not _ORGANIZATION.match(str(organization)):
            problem = f"Value '{organization}' at 'organizationId' failed to satisfy constraint"
        elif organization is not None and principal != "*":
            problem = "OrganizationId can be given only with principal '*'"
        if problem:
            return error_reply(call, 400, "ValidationException", f"1 validation error: {problem}")
        if any(s.get("Sid") == sid for s in layer_version.policy.statements):
            return error_reply(call, 409, "ResourceConflictException",
                               f"The statement id ({sid}) provided already exists. Please "
                               "provide a new statement id, or remove the existing statement.",
                               Type="User")
        return None

    def after(self, call: ApiCall, reply: ApiReply) -> ApiReply:
        if call.service != "lambda" or call.operation != "AddLayerVersionPermission":
            return reply
        if reply.status not in (200, 201):
            return reply
        layer_version = self._target(call)
        if layer_version is None:
            return reply
        statements = layer_version.policy.statements
        sid = str(call.json_body().get("StatementId", ""))
        for index, statement in enumerate(statements):
            if statement.get("Sid") == sid:
                statements[index] = aws_statement(statement)
                payload = reply.payload() or {}
                payload["Statement"] = json.dumps(statements[index], separators=(",", ":"))
                return ApiReply.json(payload, status=201)
        return reply

    @staticmethod
    def _target(call: ApiCall) -> LayerVersion | None:
        name = call.path_params.get("LayerName", "")
        version = call.path_params.get("VersionNumber", "")
        if LAYER_ARN.match(name):
            return resolve_layer_version(f"{name}:{version}", call.region)
        arn = f"arn:aws:lambda:{call.region}:{call.account_id}:layer:{name}:{version}"
        return resolve_layer_version(arn, call.region)
