"""A new layer version starts with no permissions: finding the grants of the version before it
and granting them again on the new one (each through ``mutate``, so journaled and undoable).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.operations import LayerOperations
from layer_tui.ui.dialogs.publish_preview import permission_args

#: The version the grants come from, and its policy statements.
PreviousGrants = tuple[int, list[dict[str, Any]]]


def previous_grants(ops: LayerOperations, region: str, name: str, new: int,
                    warn: Callable[[str], None]) -> PreviousGrants | None:
    """The statements of the newest version of ``name`` before ``new``; None when it has
    none (or cannot be read: ``warn`` hears why, unless there is simply no policy)."""
    lam = ops.session.client("lambda", region)
    try:
        listed = lam.list_layer_versions(LayerName=name)["LayerVersions"]
        older = [v["Version"] for v in listed if v["Version"] < new]
        if not older:
            return None
        policy = lam.get_layer_version_policy(LayerName=name, VersionNumber=max(older))
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            warn(str(describe(exc)))
        return None
    statements = json.loads(policy.get("Policy") or "{}").get("Statement") or []
    return (max(older), statements) if statements else None


def grant_again(ops: LayerOperations, region: str, published: dict[str, Any],
                statements: list[dict[str, Any]]) -> int:
    """Add each statement to the version just ``published``; how many were added."""
    arn = str(published["LayerVersionArn"])
    name, number = arn.split(":")[6], int(published["Version"])
    lam = ops.session.client("lambda", region)
    for statement in statements:
        args = {"LayerName": name, "VersionNumber": number, **permission_args(statement)}
        ops.mutate(region, "AddLayerVersionPermission", args,
                   partial(lam.add_layer_version_permission, **args),
                   describe_as=f"granting {args['Principal']} on {name}:{number}")
    return len(statements)
