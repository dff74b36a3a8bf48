"""One function as its screen and ``layer-tui function`` show it: facts, tool, merged /opt.

``find_function`` turns what the user typed (a name, ``name:qualifier`` or an ARN) into the
function's GetFunction answer, looking a bare name up in every region in scope; what the user
typed wrong (no such function, a region outside ``--region``, a name in two regions) is a
``FunctionLookupError``: one line, bad input. ``function_view`` adds the merged ``/opt``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.merged_opt import MergedOpt, merged_opt

_NAME = re.compile(
    r"^(?P<name>[a-zA-Z0-9_-]{1,64})(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]{1,128}))?$"
)
_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}):"
    r"(?P<account>\d{12}):function:(?P<name>[a-zA-Z0-9_-]{1,64})"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]{1,128}))?$"
)
#: Regions searched at once for a bare name (GetFunction is allowed 100/s).
_SEARCHERS = 8
#: A region that is not enabled answers this: the function is simply not there.
_REGION_DISABLED = frozenset({"UnrecognizedClientException", "InvalidClientTokenId"})


class FunctionLookupError(ValueError):
    """What the user named is not a function we can find: one line, bad input (exit 2)."""


@dataclass(frozen=True)
class FunctionName:
    """What the user typed, parsed: the region only when it came in an ARN."""

    name: str
    qualifier: str | None = None
    region: str | None = None

    @classmethod
    def parse(cls, text: str) -> FunctionName:
        if match := _ARN.match(text):
            return cls(match["name"], match["qualifier"], match["region"])
        if match := _NAME.match(text):
            return cls(match["name"], match["qualifier"])
        raise FunctionLookupError(
            f"{text!r} is neither a function name (letters, digits, - and _, at most 64, "
            "optionally :VERSION or :ALIAS) nor a function ARN "
            "(arn:aws:lambda:REGION:ACCOUNT:function:NAME)"
        )

    @property
    def shown(self) -> str:
        return f"{self.name}:{self.qualifier}" if self.qualifier else self.name


#: Tags that say which stack or tool manages a function: (key, value or None for any, tool).
_MANAGER_TAGS: tuple[tuple[str, str | None, str], ...] = (
    ("aws:cloudformation:stack-name", None, "CloudFormation stack {value}"),
    ("lambda:createdBy", "SAM", "AWS SAM"),
    ("aws-cdk:auto-delete-objects", None, "AWS CDK"),
    ("serverless:service", None, "Serverless Framework ({value})"),
    ("STAGE", None, "Serverless Framework? (STAGE {value})"),
    ("aws:amplify:app-id", None, "AWS Amplify ({value})"),
    ("copilot-application", None, "AWS Copilot ({value})"),
)
#: Terraform and Pulumi set no tag of their own; teams tag ManagedBy=terraform and the like.
_TOOL_WORDS = {"terraform": "Terraform", "pulumi": "Pulumi", "opentofu": "OpenTofu"}


def managed_by(tags: Mapping[str, str]) -> tuple[str, ...]:
    """The stacks and tools the function's tags name, most certain first."""
    found: list[str] = []
    for key, value, tool in _MANAGER_TAGS:
        if key in tags and (value is None or tags[key] == value):
            found.append(tool.format(value=tags[key]))
    if any(key.startswith("aws:cdk:") or key.startswith("aws-cdk:") for key in tags):
        found.append("AWS CDK")
    for key, value in tags.items():
        for word, tool in _TOOL_WORDS.items():
            if word in key.lower() or word == str(value).lower():
                found.append(tool)
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class FunctionFacts:
    """GetFunction's answer, the parts a person asks about first."""

    name: str
    arn: str
    version: str
    region: str
    runtime: str | None
    architectures: tuple[str, ...]
    handler: str | None
    code_size: int
    last_modified: str
    state: str | None
    state_reason: str | None
    last_update_status: str | None
    tags: Mapping[str, str]
    #: The Configuration itself: what ``merged_opt`` (and a repin) read.
    configuration: Mapping[str, Any]

    @classmethod
    def from_get_function(cls, answer: Mapping[str, Any]) -> FunctionFacts:
        config: Mapping[str, Any] = answer.get("Configuration") or {}
        arn = str(config.get("FunctionArn") or "")
        return cls(
            name=str(config.get("FunctionName") or ""),
            arn=arn,
            version=str(config.get("Version") or "$LATEST"),
            region=arn.split(":")[3] if arn.count(":") >= 6 else "",
            runtime=config.get("Runtime"),
            architectures=tuple(config.get("Architectures") or ("x86_64",)),
            handler=config.get("Handler"),
            code_size=int(config.get("CodeSize") or 0),
            last_modified=str(config.get("LastModified") or ""),
            state=config.get("State"),
            state_reason=config.get("StateReason"),
            last_update_status=config.get("LastUpdateStatus"),
            tags=dict(answer.get("Tags") or {}),
            configuration=config,
        )

    @property
    def managed_by(self) -> tuple[str, ...]:
        return managed_by(self.tags)

    @property
    def label(self) -> str:
        return self.name if self.version == "$LATEST" else f"{self.name}:{self.version}"


@dataclass(frozen=True)
class FunctionView:
    facts: FunctionFacts
    opt: MergedOpt


def find_function(
    session: Any, text: str, regions: Sequence[str] | None = None
) -> FunctionFacts:
    """GetFunction for what the user typed, in the one region it lives in.

    An ARN says its region: outside ``regions`` (when given) it is a region not scanned. A bare
    name is looked for in every region of ``regions`` (else the session's regions) at once.
    """
    wanted = FunctionName.parse(text)
    if wanted.region is not None:
        if regions and wanted.region not in regions:
            asked = ", ".join(regions)
            raise FunctionLookupError(
                f"{text} is in {wanted.region}, which is not among the regions asked for "
                f"({asked}); add --region {wanted.region} or leave --region out"
            )
        answer = _get_function(session, wanted, wanted.region, text)
        if answer is None:
            raise FunctionLookupError(
                f"no function {wanted.shown} in {wanted.region}; check the name, or list the "
                "functions with 'layer-tui inventory'"
            )
        return FunctionFacts.from_get_function(answer)
    scope: list[str] = list(regions) if regions else list(session.discover_regions())
    with ThreadPoolExecutor(max_workers=_SEARCHERS, thread_name_prefix="find-function") as pool:
        found = list(pool.map(lambda region: _search(session, wanted, region, text), scope))
    hits = [(region, answer) for region, (answer, _) in zip(scope, found, strict=True) if answer]
    if len(hits) == 1:
        return FunctionFacts.from_get_function(hits[0][1])
    if len(hits) > 1:
        places = ", ".join(region for region, _ in hits)
        raise FunctionLookupError(
            f"a function {wanted.shown} exists in {places}; name one with its ARN or --region"
        )
    failures = [error for _, error in found if error is not None]
    if failures and len(failures) == len(scope):
        raise failures[0]
    searched = ", ".join(scope) if len(scope) <= 4 else f"{len(scope)} regions"
    raise FunctionLookupError(
        f"no function {wanted.shown} in {searched}; check the name, give its ARN, or add "
        "--region REGION for the region it is in"
    )


def _search(
    session: Any, wanted: FunctionName, region: str, text: str
) -> tuple[dict[str, Any] | None, Exception | None]:
    try:
        return _get_function(session, wanted, region, text), None
    except Exception as exc:  # one region failing must not hide the function in another
        return None, exc


def _get_function(
    session: Any, wanted: FunctionName, region: str, text: str
) -> dict[str, Any] | None:
    """GetFunction's answer; None when the function (or the region) is not there."""
    params: dict[str, str] = {"FunctionName": wanted.name}
    if wanted.qualifier:
        params["Qualifier"] = wanted.qualifier
    try:
        answer: dict[str, Any] = session.client("lambda", region).get_function(**params)
    except (BotoCoreError, ClientError) as exc:
        code = error_code(exc)
        if code == "ResourceNotFoundException" or code in _REGION_DISABLED:
            return None
        raise describe(exc, f"reading function {text} in {region}") from exc
    return answer


def function_view(
    session: Any, text: str, regions: Sequence[str] | None = None
) -> FunctionView:
    """The function ``text`` names and the /opt its layers make (central directories only)."""
    facts = find_function(session, text, regions)
    return FunctionView(facts, merged_opt(session, facts.configuration))


__all__ = [
    "FunctionFacts",
    "FunctionLookupError",
    "FunctionName",
    "FunctionView",
    "find_function",
    "function_view",
    "managed_by",
]
