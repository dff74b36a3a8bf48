"""Who uses a layer version across an organization, from an AWS Config aggregator.

There is no Lambda API for "who uses this layer"; at organization scale AWS's answer is an
advanced query over the ``AWS::Lambda::Function`` items an aggregator collected
(SelectAggregateResourceConfig, 100 results a page). Config lags the truth — it records on
change, minutes later, or once a day — and records ``$LATEST`` only, never published versions:
so an answer here is for triage, carries the time it is "as of", and every change still
re-checks live in the owning accounts.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui import clock
from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.models import LATEST, FunctionRef
from layer_tui.aws.session import HOME_REGION, AwsSession
from layer_tui.index_option import parse_index_option

#: Config's page limit for SelectAggregateResourceConfig.
PAGE_LIMIT = 100
#: At most this many pages for one question (20,000 functions): past it the answer says it is
#: incomplete rather than read for minutes.
MAX_PAGES = 200
#: The same for a whole region's question (``consumers_of_account_layers``, 100,000 functions).
REGION_MAX_PAGES = 1000
_LAYER_VERSION = re.compile(
    r"^arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):\d{12}:layer:[A-Za-z0-9_-]{1,140}:\d+$"
)
_LAYER = re.compile(
    r"^arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):\d{12}:layer:[A-Za-z0-9_-]{1,140}$"
)
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_SELECTED = (
    "accountId, awsRegion, configurationItemCaptureTime, configuration.functionName, "
    "configuration.functionArn, configuration.runtime, configuration.architectures, "
    "configuration.lastModified, configuration.layers"
)


class ConfigIndexError(AwsError):
    """The index cannot answer (no such aggregator, a region it lacks, access denied)."""


@dataclass(frozen=True)
class IndexAnswer:
    """The functions Config last saw using a version (or any version of a layer)."""

    consumers: tuple[FunctionRef, ...]
    #: The newest capture time among the results, or the query's own time when none came.
    as_of: datetime
    aggregator: str
    #: False when MAX_PAGES was reached: there may be more.
    complete: bool = True

    @property
    def source(self) -> str:
        """``from AWS Config, as of 2026-11-22 19:00 UTC``: what every display says."""
        text = f"from AWS Config, as of {self.as_of.strftime('%Y-%m-%d %H:%M UTC')}"
        return text if self.complete else f"{text} (first {len(self.consumers)} only)"


@dataclass(frozen=True)
class Aggregator:
    name: str
    region: str
    #: The regions it collects; None = every region.
    regions: frozenset[str] | None
    #: The accounts it collects; None = every account of the organization.
    accounts: frozenset[str] | None

    def covers(self, region: str) -> bool:
        return self.regions is None or region in self.regions


class ConfigIndex:
    """Consumer questions answered by one aggregator, through the caller's (home) session."""

    def __init__(self, session: AwsSession, aggregator: str, region: str | None = None) -> None:
        self.session = session
        self.name = aggregator
        self.region = region or _home_region(session)
        self._checked: Aggregator | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_option(cls, session: AwsSession, option: str) -> ConfigIndex:
        name, region = parse_index_option(option)
        return cls(session, name, region)

    def aggregator(self) -> Aggregator:
        """DescribeConfigurationAggregators, once: a missing aggregator is one clear line."""
        with self._lock:
            if self._checked is not None:
                return self._checked
            config = self.session.client("config", self.region)
            try:
                found = config.describe_configuration_aggregators(
                    ConfigurationAggregatorNames=[self.name]
                )["ConfigurationAggregators"]
            except (BotoCoreError, ClientError) as exc:
                if error_code(exc) == "NoSuchConfigurationAggregatorException":
                    raise ConfigIndexError(
                        "NoSuchConfigurationAggregator",
                        f"AWS Config has no aggregator {self.name!r} in {self.region}; name "
                        "one that exists (aws configservice describe-configuration-aggregators"
                        f" --region {self.region}), use config:NAME@REGION if it lives in "
                        "another region, or leave out --index",
                    ) from exc
                raise describe(exc, f"reading AWS Config aggregator {self.name!r}") from exc
            if not found:
                raise ConfigIndexError(
                    "NoSuchConfigurationAggregator",
                    f"AWS Config has no aggregator {self.name!r} in {self.region}; leave out "
                    "--index or name one that exists",
                )
            self._checked = _aggregator(self.name, self.region, found[0])
            return self._checked

    def consumers_of(self, version_arn: str) -> IndexAnswer:
        """The functions whose ``$LATEST`` Config saw listing ``version_arn``."""
        match = _LAYER_VERSION.match(version_arn)
        if match is None:
            raise ConfigIndexError("InvalidArn", f"{version_arn!r} is not a layer version ARN")
        condition = f"configuration.layers.arn = '{version_arn}'"
        return self._ask(match["region"], condition, lambda arn: arn == version_arn)

    def consumers_of_layer(self, layer_arn: str) -> IndexAnswer:
        """The functions whose ``$LATEST`` Config saw listing any version of ``layer_arn``."""
        match = _LAYER.match(layer_arn)
        if match is None:
            raise ConfigIndexError("InvalidArn", f"{layer_arn!r} is not a layer ARN")
        version = re.compile(re.escape(layer_arn) + r":\d+")
        # LIKE's "_" matches any character, and layer names may hold "_": the pattern only
        # narrows the query, the exact test below decides.
        condition = f"configuration.layers.arn LIKE '{layer_arn}:%'"
        return self._ask(match["region"], condition, lambda arn: bool(version.fullmatch(arn)))

    def consumers_of_account_layers(self, region: str, account: str) -> IndexAnswer:
        """Every function Config saw using any layer of ``account`` in ``region``: one paged
        question for a whole region of an inventory instead of one per version."""
        if not _REGION.match(region) or not _ACCOUNT.match(account):
            raise ConfigIndexError("InvalidArn", f"{region!r}/{account!r} is no region/account")
        prefix = f"arn:aws:lambda:{region}:{account}:layer:"
        version = re.compile(re.escape(prefix) + r"[A-Za-z0-9_-]{1,140}:\d+")
        condition = f"configuration.layers.arn LIKE '{prefix}%'"
        return self._ask(region, condition, lambda arn: bool(version.fullmatch(arn)),
                         REGION_MAX_PAGES)

    def _ask(
        self, region: str, condition: str, uses: Callable[[str], bool],
        max_pages: int | None = None,
    ) -> IndexAnswer:
        aggregator = self.aggregator()
        if not aggregator.covers(region):
            collected = ", ".join(sorted(aggregator.regions or ())) or "none"
            raise ConfigIndexError(
                "AggregatorLacksRegion",
                f"AWS Config aggregator {self.name!r} does not collect {region} (it collects "
                f"{collected}); add {region} to its regions, or leave out --index",
            )
        expression = (
            f"SELECT {_SELECTED} WHERE resourceType = 'AWS::Lambda::Function' "
            f"AND awsRegion = '{region}' AND {condition}"
        )
        asked_at = clock.now()
        pages, complete = self._read(expression, max_pages or MAX_PAGES)
        consumers: dict[str, FunctionRef] = {}
        newest: datetime | None = None
        for page in pages:
            for result in page.get("Results", []):
                function, captured = _function(result, region)
                if function is None or not any(uses(arn) for arn in function.layers):
                    continue
                consumers.setdefault(function.arn, function)
                if captured is not None and (newest is None or captured > newest):
                    newest = captured
        ordered = sorted(consumers.values(), key=lambda f: (f.account, f.function))
        return IndexAnswer(tuple(ordered), newest or asked_at, self.name, complete=complete)

    def _read(self, expression: str, max_pages: int) -> tuple[list[dict[str, Any]], bool]:
        """Every page of ``expression``'s answer, and whether the bound left some unread.

        Config's pages are sequential (each needs the previous page's token): an answer past
        one page is read again as ten slices by the account id's first digit, side by side —
        exhaustive whatever the organization's accounts are. Should Config refuse the sliced
        form, the pages are followed one by one instead.
        """
        first = self._page(expression, None)
        token = first.get("NextToken")
        if not token:
            return [first], True
        slices = [f"{expression} AND accountId LIKE '{digit}%'" for digit in "0123456789"]
        budget = max(1, max_pages // len(slices))
        try:
            with ThreadPoolExecutor(len(slices), "config-index") as pool:
                read = list(pool.map(lambda sliced: self._follow(sliced, None, budget), slices))
        except AwsError as exc:
            if exc.code != "InvalidExpressionException":
                raise
            more, complete = self._follow(expression, token, max_pages - 1)
            return [first, *more], complete
        return [page for pages, _ in read for page in pages], all(done for _, done in read)

    def _follow(
        self, expression: str, token: str | None, budget: int
    ) -> tuple[list[dict[str, Any]], bool]:
        pages: list[dict[str, Any]] = []
        for _ in range(budget):
            page = self._page(expression, token)
            pages.append(page)
            token = page.get("NextToken")
            if not token:
                return pages, True
        return pages, False

    def _page(self, expression: str, token: str | None) -> dict[str, Any]:
        config = self.session.client("config", self.region)
        extra = {"NextToken": token} if token else {}
        try:
            page: dict[str, Any] = config.select_aggregate_resource_config(
                ConfigurationAggregatorName=self.name, Expression=expression,
                Limit=PAGE_LIMIT, **extra,
            )  # fmt: skip
        except (BotoCoreError, ClientError) as exc:
            raise describe(exc, f"asking AWS Config aggregator {self.name!r}") from exc
        return page


def _home_region(session: AwsSession) -> str:
    if session.config.regions:
        return session.config.regions[0]
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or HOME_REGION


def _aggregator(name: str, region: str, shape: dict[str, Any]) -> Aggregator:
    sources = shape.get("AccountAggregationSources") or []
    if sources:
        accounts: frozenset[str] | None = frozenset(
            str(a) for source in sources for a in source.get("AccountIds", [])
        )
        every = any(source.get("AllAwsRegions") for source in sources)
        listed = [r for source in sources for r in source.get("AwsRegions") or []]
    else:
        accounts = None
        organization = shape.get("OrganizationAggregationSource") or {}
        every = bool(organization.get("AllAwsRegions"))
        listed = list(organization.get("AwsRegions") or [])
    regions = None if every else frozenset(str(r) for r in listed)
    return Aggregator(name, region, regions, accounts)


def _function(result: Any, region: str) -> tuple[FunctionRef | None, datetime | None]:
    """One result (a JSON string) as a ``$LATEST`` FunctionRef; None when it is not one."""
    try:
        item = json.loads(result)
    except (TypeError, ValueError):
        return None, None
    if not isinstance(item, dict):
        return None, None
    configuration = item.get("configuration")
    if not isinstance(configuration, dict):
        return None, None
    account = str(item.get("accountId", ""))
    if item.get("awsRegion") != region:
        return None, None  # asked for one region: an answer from another is not an answer
    name = configuration.get("functionName")
    if not _ACCOUNT.match(account) or not isinstance(name, str) or not name:
        return None, None
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    layers = [layer for layer in configuration.get("layers") or [] if isinstance(layer, dict)]
    runtime = configuration.get("runtime")
    architectures = configuration.get("architectures") or []
    function = FunctionRef(
        function=name,
        # Built from the account and name, not taken as sent: the ARN decides which account
        # a later live re-check asks.
        arn=arn,
        version=LATEST,
        runtime=runtime if isinstance(runtime, str) else None,
        architectures=tuple(str(a) for a in architectures if isinstance(a, str)),
        region=region,
        last_modified=str(configuration.get("lastModified") or ""),
        layers=tuple(str(layer.get("arn", "")) for layer in layers),
        layer_sizes=tuple(_size(layer.get("codeSize")) for layer in layers),
    )
    return function, _capture_time(item.get("configurationItemCaptureTime"))


def _size(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _capture_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
