"""AWS failures turned into one clear line: what failed, why, what to do.

Every caller (CLI, TUI worker handler, operations) goes through ``describe`` so a given AWS
error reads the same everywhere. Every message also passes ``redact``: a presigned content URL
carries its signature (on AWS also the access key id and the session token) in its query
string, and urllib3 and botocore put the URL they failed on into their exceptions' text.
"""

from __future__ import annotations

import re

#: AWS error codes whose meaning we can say better than AWS's own message does.
_HINTS: dict[str, str] = {
    "UnrecognizedClientException": (
        "region not enabled for this account (or the credentials are invalid there); "
        "enable it in the account settings or leave it out with --region"
    ),
    "InvalidClientTokenId": "the credentials are not valid; check them or use --demo",
    "ExpiredToken": "the session token has expired; refresh your credentials (aws sso login)",
    "ExpiredTokenException": "the session token has expired; refresh your credentials",
    "AccessDeniedException": "access denied; the caller's IAM policy does not allow it",
    "AccessDenied": "access denied; the caller's IAM policy does not allow it",
    "TooManyRequestsException": "throttled by AWS past every retry; try again in a minute",
    "ThrottlingException": "throttled by AWS past every retry; try again in a minute",
    "CodeStorageExceededException": (
        "the region's code storage is full; delete unused layer versions first"
    ),
    "ResourceNotFoundException": "it does not exist (any more)",
    "PreconditionFailedException": "it changed since it was read; reload and plan again",
    "ResourceConflictException": "an update is already in progress; wait and retry",
}


#: The query string of a URL, or of a request path as urllib3 prints it ("url: /key?..."): a
#: presigned URL's query is where its credentials are.
_URL_QUERY = re.compile(
    r"((?:\b[a-zA-Z][a-zA-Z0-9+.-]*://|(?<![\w/.~-])/)[^\s?#'\"<>]*)\?[^\s'\"<>()]+"
)
#: Signing parameters wherever they stand (a query quoted in pieces, a header dump, an
#: URL-encoded copy), in case one survives outside a URL.
_SECRET_PARAMETER = re.compile(
    r"(?i)\b(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|AWSAccessKeyId|Signature"
    r"|Security-Token)(=|%3D)[^\s&'\"<>()]+"
)
REDACTED = "<redacted>"


def redact(text: str) -> str:
    """``text`` without URL query strings or signing parameters (the one redaction step).

    Applied to every AwsError and contents error message, so what reaches a notification, a
    dialog, the CLI's error line or JSON output never carries a presigned URL's signature,
    access key id or session token; host and path stay, so the line still says where.
    """
    text = _URL_QUERY.sub(rf"\1?{REDACTED}", text)
    return _SECRET_PARAMETER.sub(rf"\1\2{REDACTED}", text)


class AwsError(Exception):
    """A failure talking to AWS, already phrased for a person.

    ``code`` is AWS's error code (or a short name of ours for non-AWS failures) so callers can
    branch on it; ``str(error)`` is the single line shown to users.
    """

    def __init__(self, code: str, message: str) -> None:
        message = redact(message)
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


# botocore's exception classes are imported where an exception is looked at, not with this
# module: the TUI's first screen imports it (for AwsError) long before any AWS call is made.


def error_code(exc: BaseException) -> str:
    from botocore.exceptions import ClientError

    if isinstance(exc, AwsError):
        return exc.code
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


def describe(exc: BaseException, action: str = "") -> AwsError:
    """Turn any boto/botocore failure into an ``AwsError`` with one readable line."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
        ReadTimeoutError,
    )

    if isinstance(exc, AwsError):
        return exc
    prefix = f"{action}: " if action else ""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        aws_message = " ".join(str(exc.response.get("Error", {}).get("Message", "")).split())
        if aws_message.startswith("<"):
            # Not an AWS error at all: a proxy's or a broken endpoint's HTML page.
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            aws_message = f"the endpoint answered HTTP {status} with a page, not an AWS error"
        hint = _HINTS.get(code)
        detail = f"{hint} ({code}: {aws_message})" if hint else f"{code}: {aws_message}"
        return AwsError(code, prefix + detail.replace(" ()", "").replace(": )", ")"))
    if isinstance(exc, ProfileNotFound):
        return AwsError(
            "ProfileNotFound",
            f"{prefix}profile {exc.kwargs.get('profile')!r} is not configured; "
            "list profiles with 'aws configure list-profiles' or use --demo",
        )
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return AwsError(
            "NoCredentials",
            f"{prefix}no AWS credentials found; configure them with 'aws configure' "
            "(or AWS_PROFILE / AWS_ACCESS_KEY_ID), or try the sandbox with --demo",
        )
    if isinstance(exc, NoRegionError):
        return AwsError("NoRegion", f"{prefix}no region given; pass --region REGION")
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        return AwsError(
            "EndpointUnreachable",
            f"{prefix}cannot reach the endpoint {url}; check --endpoint-url and the network",
        )
    if isinstance(exc, ReadTimeoutError):
        return AwsError(
            "EndpointTimeout", f"{prefix}the endpoint stopped answering; try again later"
        )
    if isinstance(exc, ConnectionClosedError):
        return AwsError(
            "ConnectionDropped",
            f"{prefix}the endpoint dropped the connection, past every retry; try again later",
        )
    if isinstance(exc, BotoCoreError):
        return AwsError(type(exc).__name__, f"{prefix}{exc}")
    if isinstance(exc, ValueError) and str(exc).startswith("Invalid endpoint"):
        # botocore's bare ValueError for an endpoint it cannot parse, wherever the endpoint
        # came from: --endpoint-url, AWS_ENDPOINT_URL*, or a profile's endpoint_url.
        return AwsError(
            "InvalidEndpoint",
            f"{prefix}{exc} is not an http(s) URL; fix --endpoint-url, the AWS_ENDPOINT_URL "
            "variables or the profile's endpoint_url (e.g. http://127.0.0.1:5000)",
        )
    return AwsError(type(exc).__name__, f"{prefix}{exc}")
