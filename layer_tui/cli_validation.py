"""What was typed, checked before any AWS call: regions, endpoints, ARNs, option pairs.

Each check raises ``UsageError`` (exit code 2, one line) and changes nothing.
"""

from __future__ import annotations

import argparse
import os
import re
from urllib.parse import urlparse

from layer_tui.index_option import index_problem

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
_LAYER_VERSION_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}:\d{12}"
    r":layer:[a-zA-Z0-9-_]{1,140}:[0-9]+$"
)
#: AWS's limit for GetLayerVersionByArn's Arn (the name alone may be 140 characters too).
_ARN_MAX = 140
#: Where boto3 takes an endpoint from when --endpoint-url is not given, for the services
#: layer-tui calls. botocore rejects a malformed one with a bare ValueError, so check first.
_ENDPOINT_VARIABLES = (
    "AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ACCOUNT",
    "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL",
)
_ACCOUNT_ID = re.compile(r"^\d{12}$")
#: IAM's role names: letters, digits and +=,.@_- , at most 64 characters.
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
#: Commands that read one account only (a layer version's, a function's, a backup's).
_ONE_ACCOUNT_COMMANDS = frozenset({"inspect", "function", "backups", "restore", "pull"})
_HOST_LABEL = re.compile(r"^(?!-)[a-z\d-]{1,63}(?<!-)$", re.IGNORECASE)


class UsageError(Exception):
    """Bad usage or bad input: exit code 2, one line."""


def _is_http_url(text: str) -> bool:
    """What botocore accepts as an endpoint: http(s), a host name or IP, a valid port."""
    url = urlparse(text)
    try:
        url.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    host = (url.hostname or "").rstrip(".")
    return (
        url.scheme in ("http", "https")
        and bool(host)
        and (":" in host or all(_HOST_LABEL.match(label) for label in host.split(".")))
    )


def _validate_endpoints(args: argparse.Namespace) -> None:
    if args.endpoint_url and not _is_http_url(args.endpoint_url):
        raise UsageError(
            f"--endpoint-url {args.endpoint_url!r} is not an http(s) URL; "
            "use e.g. http://127.0.0.1:5000"
        )
    # An explicit endpoint (--endpoint-url, or the sandbox's in --demo) wins over the
    # environment, and boto3 skips the variables when told to ignore configured endpoints.
    ignored = os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"
    if args.endpoint_url or args.demo or ignored:
        return
    for name in _ENDPOINT_VARIABLES:
        value = os.environ.get(name)
        if value and not _is_http_url(value):
            raise UsageError(
                f"{name}={value!r} in the environment is not an http(s) URL; "
                f"set it to e.g. http://127.0.0.1:5000, or unset {name}"
            )


def account_ids(text: str | None) -> tuple[str, ...]:
    """``--accounts 111111111111,222222222222`` as ids (checked by ``_validate_accounts``)."""
    return tuple(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))


def _validate_accounts(args: argparse.Namespace) -> None:
    """The several-accounts options: each alone makes sense, some together do not."""
    profiles = list(dict.fromkeys(args.profile or ()))
    org = getattr(args, "org", False)
    for option, value in (("--accounts", args.accounts),
                          ("--exclude-accounts", args.exclude_accounts)):
        if value is None:
            continue
        if not org:
            raise UsageError(f"{option} narrows the accounts of --org and needs it; add --org, "
                             f"or choose accounts with several --profile")
        ids = account_ids(value)
        if not ids:
            raise UsageError(f"{option} names no account; give ids like "
                             f"{option} 111122223333,444455556666")
        for account in ids:
            if not _ACCOUNT_ID.match(account):
                raise UsageError(f"{option}: {account!r} is not an account id; an account id "
                                 "is 12 digits, e.g. 111122223333")
    both = set(account_ids(args.accounts)) & set(account_ids(args.exclude_accounts))
    if both:
        listed = ", ".join(sorted(both))
        raise UsageError(f"{listed} is both in --accounts and --exclude-accounts; "
                         "name it in one of them")
    if args.role_name is not None:
        if not org:
            raise UsageError("--role-name is the role --org assumes in each account and needs "
                             "--org; add --org, or leave out --role-name")
        if not _ROLE_NAME.match(args.role_name):
            raise UsageError(f"--role-name {args.role_name!r} is not an IAM role name; use "
                             "letters, digits and +=,.@_- (at most 64), e.g. "
                             "OrganizationAccountAccessRole")
    if org and len(profiles) > 1:
        raise UsageError("--org takes the accounts from the organization, through one profile "
                         "(the management account's); give one --profile with --org, or "
                         "several --profile without it")
    several = org or len(profiles) > 1
    if several and args.command in _ONE_ACCOUNT_COMMANDS:
        option = "--org" if org else "several --profile"
        raise UsageError(f"{args.command} works in one account and takes no {option}; give the "
                         f"--profile of the account it is about")


def validate(args: argparse.Namespace) -> None:
    """Every check of what was typed that needs no AWS call; UsageError if one fails."""
    _validate_accounts(args)
    problem = index_problem(getattr(args, "index", None), args.command)
    if problem is not None:
        raise UsageError(problem)
    for region in args.region or ():
        if not _REGION.match(region):
            raise UsageError(
                f"--region {region!r} is not a region name; use a name like eu-west-1"
            )
    if args.reset and not args.demo:
        raise UsageError("--reset forgets the demo's state and needs --demo; a real "
                         "account's journal, backups and cache are never reset from here")
    if args.demo:
        given = [name for name, value in (("--profile", args.profile),
                                          ("--endpoint-url", args.endpoint_url)) if value]
        if given:
            options = " and ".join(given)
            raise UsageError(f"--demo runs its own sandbox and takes no {options}; "
                             f"leave out {options} or --demo")
    _validate_endpoints(args)
    if getattr(args, "all_versions", False) and args.latest_only:
        raise UsageError(
            "--all-versions and --latest-only ask for opposite things; published versions "
            "are counted by default, so leave out --all-versions (or --latest-only)"
        )
    arn = getattr(args, "arn", None)
    if arn is not None and not _LAYER_VERSION_ARN.match(arn):
        raise UsageError(
            f"{arn!r} is not a layer version ARN; expected "
            "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION"
        )
    if arn is not None and len(arn) > _ARN_MAX:
        raise UsageError(
            f"the layer version ARN is {len(arn)} characters long and AWS allows at most "
            f"{_ARN_MAX}; check that it was copied whole"
        )
