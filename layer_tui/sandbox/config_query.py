"""AWS Config's aggregator queries over the sandbox's Lambda functions, in every account.

moto keeps configuration aggregators (PutConfigurationAggregator,
DescribeConfigurationAggregators answer as AWS does) but does not implement
SelectAggregateResourceConfig. Here it answers over the ``$LATEST`` configuration of every
function (Config records ``AWS::Lambda::Function``, not published versions) in the accounts the
aggregator covers — the listed accounts, or every account of the caller's organization — and
the regions it names, 100 results a page at most, Results as JSON strings as Config sends them.

Config lags the truth (it records on change, minutes later, or daily): ``freeze`` answers from
a snapshot taken then until ``thaw``, so a test can show an index that says "unused" while a
function uses the version. ``load`` answers from given items (benchmarks: an index of 100,000
functions without building 100,000 functions in moto).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from moto.awslambda.models import LambdaFunction, lambda_backends

from layer_tui import clock
from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply
from layer_tui.sandbox.config_expression import ExpressionError, SelectExpression, parse

#: Config's page limit for SelectAggregateResourceConfig, and its default without Limit.
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
RESOURCE_TYPE = "AWS::Lambda::Function"
_LAYER_ARN_PATH = "configuration.layers.arn"


@dataclass(frozen=True)
class ConfigurationItem:
    """What Config recorded about one function's ``$LATEST``, and when."""

    account_id: str
    region: str
    function_name: str
    function_arn: str
    runtime: str | None
    architectures: tuple[str, ...]
    layers: tuple[tuple[str, int], ...]
    last_modified: str
    captured: datetime

    def document(self) -> dict[str, Any]:
        return self._document

    @cached_property
    def _document(self) -> dict[str, Any]:
        # Built once: a query over a large snapshot looks at the same items page after page.
        return {
            "accountId": self.account_id,
            "awsRegion": self.region,
            "resourceId": self.function_name,
            "resourceName": self.function_name,
            "resourceType": RESOURCE_TYPE,
            "arn": self.function_arn,
            "configurationItemStatus": "OK",
            "configurationItemCaptureTime": capture_time_text(self.captured),
            "configuration": {
                "functionName": self.function_name,
                "functionArn": self.function_arn,
                "runtime": self.runtime,
                "architectures": list(self.architectures),
                "lastModified": self.last_modified,
                "layers": [{"arn": arn, "codeSize": size} for arn, size in self.layers],
            },
        }


def capture_time_text(moment: datetime) -> str:
    """Config's ``2026-11-22T19:00:00.000Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class ConfigIndexSnapshot:
    """Items kept with an index by layer version ARN, as Config's own store answers fast."""

    def __init__(self, items: Iterable[ConfigurationItem]) -> None:
        self.items = sorted(items, key=lambda i: (i.account_id, i.region, i.function_name))
        self.by_layer: dict[str, list[ConfigurationItem]] = defaultdict(list)
        for item in self.items:
            for arn in dict.fromkeys(arn for arn, _ in item.layers):
                self.by_layer[arn].append(item)

    def select(
        self, expression: SelectExpression, accounts: set[str], regions: set[str] | None
    ) -> list[ConfigurationItem]:
        wanted = expression.equal_to(_LAYER_ARN_PATH)
        prefix = expression.prefix_of(_LAYER_ARN_PATH)
        if wanted is None and prefix is not None:
            wanted = tuple(arn for arn in self.by_layer if arn.startswith(prefix))
        if wanted is None:
            candidates: Iterable[ConfigurationItem] = self.items
        else:
            seen: dict[int, ConfigurationItem] = {}
            for arn in wanted:
                seen.update((id(item), item) for item in self.by_layer.get(arn, ()))
            candidates = sorted(
                seen.values(), key=lambda i: (i.account_id, i.region, i.function_name)
            )
        return [
            item for item in candidates
            if item.account_id in accounts and (regions is None or item.region in regions)
            and expression.matches(item.document())
        ]  # fmt: skip


class ConfigQuery(Interceptor):
    """SelectAggregateResourceConfig, answered live (default), frozen, or from loaded items."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fixed: ConfigIndexSnapshot | None = None
        #: A fixed snapshot's answers by query: its pages are slices of one answer, as
        #: Config's are, instead of the whole search again for every page.
        self._answers: dict[tuple[Any, ...], list[ConfigurationItem]] = {}
        #: How many SelectAggregateResourceConfig calls were answered (tests: "it was asked").
        self.queries = 0

    def freeze(self) -> None:
        """From now on, answer from what the functions are now: the index lags every later
        change until ``thaw``."""
        snapshot = ConfigIndexSnapshot(recorded_functions())
        with self._lock:
            self._fixed = snapshot
            self._answers.clear()

    def thaw(self) -> None:
        with self._lock:
            self._fixed = None
            self._answers.clear()

    def load(self, items: Iterable[ConfigurationItem]) -> None:
        snapshot = ConfigIndexSnapshot(items)
        with self._lock:
            self._fixed = snapshot
            self._answers.clear()

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "config" or call.operation != "SelectAggregateResourceConfig":
            return None
        try:
            return self._select(call)
        except ExpressionError as exc:
            return error_reply(call, 400, "InvalidExpressionException", str(exc))

    def _select(self, call: ApiCall) -> ApiReply:
        request = call.json_body()
        name = str(request.get("ConfigurationAggregatorName", ""))
        aggregator = _aggregator(call.account_id, call.region, name)
        if aggregator is None:
            return error_reply(
                call, 400, "NoSuchConfigurationAggregatorException",
                "The configuration aggregator does not exist. Check the configuration "
                "aggregator name and try again.",
            )  # fmt: skip
        limit = int(request.get("Limit") or request.get("MaxResults") or DEFAULT_LIMIT)
        if not 0 < limit <= MAX_LIMIT:
            return error_reply(
                call, 400, "InvalidLimitException",
                f"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have "
                f"value less than or equal to {MAX_LIMIT}",
            )  # fmt: skip
        expression_text = str(request.get("Expression", ""))
        expression = parse(expression_text)
        fingerprint = hashlib.sha256(f"{name}\0{expression_text}".encode()).hexdigest()[:16]
        offset = _offset(request.get("NextToken"), fingerprint)
        if offset is None:
            return error_reply(
                call, 400, "InvalidNextTokenException",
                "The specified next token is invalid. Specify a valid next token.",
            )  # fmt: skip
        accounts, regions = _coverage(call.account_id, aggregator)
        with self._lock:
            fixed = self._fixed
            self.queries += 1
        key = (fingerprint, id(fixed), frozenset(accounts),
               None if regions is None else frozenset(regions))
        with self._lock:
            found = self._answers.get(key) if fixed is not None else None
        if found is None:
            snapshot = fixed if fixed is not None else ConfigIndexSnapshot(
                recorded_functions(accounts)
            )
            found = snapshot.select(expression, accounts, regions)
            if fixed is not None:
                with self._lock:
                    if len(self._answers) >= 64:
                        self._answers.clear()
                    self._answers[key] = found
        page = found[offset:offset + limit]
        reply: dict[str, Any] = {
            "Results": [json.dumps(expression.project(item.document())) for item in page],
            "QueryInfo": {"SelectFields": [{"Name": n} for n in expression.field_names]},
        }
        if offset + limit < len(found):
            reply["NextToken"] = _token(offset + limit, fingerprint)
        return ApiReply.json(reply)


#: The aggregator the demo organization has (``--demo --index config:demo-org``).
DEMO_AGGREGATOR = "demo-org"


def put_organization_aggregator(
    account: str, regions: Iterable[str], name: str = DEMO_AGGREGATOR
) -> None:
    """An aggregator over ``account``'s organization, every region, in each of ``regions``
    (aggregators are regional; the app looks in its home region)."""
    from moto.config.models import config_backends

    for region in regions:
        config_backends[account][region].put_configuration_aggregator({
            "ConfigurationAggregatorName": name,
            "OrganizationAggregationSource": {
                "RoleArn": f"arn:aws:iam::{account}:role/config-aggregator",
                "AllAwsRegions": True,
            },
        })


def recorded_functions(accounts: Iterable[str] | None = None) -> list[ConfigurationItem]:
    """Every ``$LATEST`` in moto's Lambda state (of ``accounts``, or all), as Config records it:
    captured when it last changed."""
    now = clock.now()
    items = []
    chosen = list(lambda_backends.keys()) if accounts is None else list(accounts)
    for account in chosen:
        if account not in lambda_backends:
            continue
        for region, backend in list(dict.items(lambda_backends[account])):
            for group in list(backend._lambdas._functions.values()):
                latest = group.get("latest")
                if latest is not None:
                    items.append(_item(account, region, latest, now))
    return items


def _item(account: str, region: str, function: LambdaFunction, now: datetime) -> ConfigurationItem:
    layers = tuple((str(layer["Arn"]), int(layer.get("CodeSize") or 0))
                   for layer in function.layers or [])
    modified = str(function.last_modified or "")
    return ConfigurationItem(
        account_id=account,
        region=region,
        function_name=function.function_name,
        function_arn=function.function_arn,
        runtime=function.run_time,
        architectures=tuple(function.architectures or ()),
        layers=layers,
        last_modified=modified,
        captured=min(_parse_time(modified) or now, now),
    )


def _parse_time(text: str) -> datetime | None:
    for form in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _aggregator(account: str, region: str, name: str) -> Any:
    from moto.config.models import config_backends

    if account not in config_backends:
        return None
    return config_backends[account][region].config_aggregators.get(name)


def _coverage(account: str, aggregator: Any) -> tuple[set[str], set[str] | None]:
    """The accounts and regions (None: all) an aggregator collects from."""
    sources = aggregator.account_aggregation_sources
    if sources:
        accounts = {str(a) for source in sources for a in source.account_ids}
        every = any(source.all_aws_regions for source in sources)
        regions = None if every else {
            str(r) for source in sources for r in (source.aws_regions or [])
        }
        return accounts, regions
    source = aggregator.organization_aggregation_source
    every = source is None or bool(source.all_aws_regions)
    regions = None if every else {str(r) for r in (source.aws_regions or [])}
    return organization_accounts(account), regions


def organization_accounts(account: str) -> set[str]:
    """Every account of ``account``'s organization (the management account included); just
    ``account`` when it is in none."""
    from moto.organizations.models import organizations_backends

    master = organizations_backends.master_accounts.get(account, (account, "aws"))[0]
    if master not in organizations_backends:
        return {account}
    backend = organizations_backends[master]["aws"]
    if backend.org is None:
        return {account}
    return {master, *(str(member.id) for member in backend.accounts)}


def _token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(f"{fingerprint}:{offset}".encode()).decode()


def _offset(token: Any, fingerprint: str) -> int | None:
    if not token:
        return 0
    try:
        said, _, offset = base64.urlsafe_b64decode(str(token)).decode().partition(":")
        return int(offset) if said == fingerprint else None
    except (ValueError, UnicodeDecodeError):
        return None
