"""Which regions the sandbox's account has, and what AWS says when a request goes elsewhere.

An opt-in region that is not enabled for the account does not say "not enabled": every call
signed for it fails authentication with UnrecognizedClientException. The app learns the enabled
regions from ``account:ListRegions``, which moto does not implement, so the sandbox answers it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply
from layer_tui.sandbox.faults import Faults

#: Regions an account must opt into (the rest are ENABLED_BY_DEFAULT).
OPT_IN_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
    }
)

#: An opt-in still in progress: listed by ListRegions, yet every call there is still refused.
NOT_ENABLED_STATUS = "ENABLING"

_INVALID_TOKEN = "The security token included in the request is invalid."
#: STS needs no permission for GetCallerIdentity, so a region's AccessDenied never reaches it.
_NEVER_DENIED_SERVICES = frozenset({"sts"})


@dataclass(frozen=True)
class RegionDirectory:
    """The account's regions: ``enabled`` answer calls; ``disabled`` are listed but refuse."""

    enabled: tuple[str, ...]
    disabled: tuple[str, ...] = ()

    def opt_status(self, region: str) -> str:
        if region in self.disabled:
            return NOT_ENABLED_STATUS
        return "ENABLED" if region in OPT_IN_REGIONS else "ENABLED_BY_DEFAULT"

    def listed(self) -> list[tuple[str, str]]:
        names = sorted({*self.enabled, *self.disabled})
        return [(name, self.opt_status(name)) for name in names]

    def without(self, region: str) -> RegionDirectory:
        """The same regions with ``region`` no longer enabled (listed, refusing every call)."""
        return RegionDirectory(
            enabled=tuple(name for name in self.enabled if name != region),
            disabled=tuple(dict.fromkeys((*self.disabled, region))),
        )


#: The regions of an account, by account id (each account of an organization has its own).
RegionsOf = Callable[[str], RegionDirectory]


class RegionGate(Interceptor):
    """Refuses calls signed for a region not enabled for the caller's account, and for regions
    the faults deny."""

    def __init__(self, regions_of: RegionsOf, faults: Callable[[], Faults]) -> None:
        self._regions_of = regions_of
        self._faults = faults

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.region in self._regions_of(call.account_id).disabled:
            return error_reply(call, 403, "UnrecognizedClientException", _INVALID_TOKEN)
        denied = self._faults().access_denied_regions
        if call.region in denied and call.service not in _NEVER_DENIED_SERVICES:
            action = f"{call.service}:{call.operation}"
            return error_reply(
                call,
                403,
                "AccessDeniedException",
                f"User: arn:aws:iam::{call.account_id}:user/sandbox is not authorized to "
                f"perform: {action} because no identity-based policy allows the {action} action",
            )
        return None


class AccountRegions(Interceptor):
    """``account:ListRegions`` over the caller's account's regions, filtered and paginated."""

    def __init__(self, regions_of: RegionsOf) -> None:
        self._regions_of = regions_of

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "account" or call.operation != "ListRegions":
            return None
        request = call.json_body()
        wanted = set(request.get("RegionOptStatusContains") or [])
        regions = [
            {"RegionName": name, "RegionOptStatus": status}
            for name, status in self._regions_of(call.account_id).listed()
            if not wanted or status in wanted
        ]
        try:
            start = _decode_token(request.get("NextToken"))
            limit = int(request.get("MaxResults") or 50)
        except ValueError:
            return error_reply(call, 400, "ValidationException", "Invalid NextToken.")
        page = regions[start : start + limit]
        payload: dict[str, object] = {"Regions": page}
        if start + limit < len(regions):
            payload["NextToken"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        return ApiReply.json(payload)


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode())
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(token) from error


def region_names(regions: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(regions))
