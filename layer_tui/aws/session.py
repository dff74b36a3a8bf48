"""Clients for one account: profile, endpoint, retries, timeouts and a shared rate limiter."""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws import guards
from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.guards import ForeignAccountError, ReadOnlyError
from layer_tui.aws.request_cap import DEFAULT_REQUEST_CAP, RequestCap, request_cap, set_request_cap
from layer_tui.aws.service_models import with_shared_models

if TYPE_CHECKING:
    # botocore's session loads with the first session made, not with this module:
    # the TUI's first screen imports the core but needs no client (a fifth of a second saved
    # before it is painted; the scan worker imports them after).
    import botocore.session
    from botocore.credentials import Credentials

#: Where account-wide calls (STS, account, ec2:DescribeRegions) go when no region is set.
HOME_REGION = "us-east-1"

#: AWS's control plane allows about 15 requests/s per account and region, shared by every
#: caller; 12 stays under it and leaves a fifth for deployments running meanwhile.
DEFAULT_RATE_PER_SECOND = 12.0

#: Statuses of account:ListRegions that mean "usable, or about to be". ENABLING regions are
#: kept so the user sees why they fail instead of wondering where they went.
_USABLE_REGION_STATUSES = ["ENABLED", "ENABLED_BY_DEFAULT", "ENABLING"]

#: The role ``--org`` assumes in each member account: the one Organizations creates.
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"


@dataclass(frozen=True)
class SessionConfig:
    """What the user asked for on the command line."""

    profile: str | None = None
    #: Several ``--profile``: one account each (with one, ``profile`` alone is set).
    profiles: tuple[str, ...] = ()
    #: ``--org``: every account of the caller's AWS Organization, by ``role_name``.
    org: bool = False
    role_name: str = DEFAULT_ROLE_NAME
    #: ``--accounts`` / ``--exclude-accounts``: which of the organization's accounts.
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    #: ``--index config:NAME``: who uses a version, from an AWS Config aggregator.
    index: str | None = None
    endpoint_url: str | None = None
    regions: tuple[str, ...] = ()
    read_only: bool = False
    demo: bool = False
    #: Consumers are ``$LATEST`` only, not published versions and their aliases (--latest-only).
    latest_only: bool = False
    rate_per_second: float = DEFAULT_RATE_PER_SECOND
    connect_timeout: float = 3.0
    read_timeout: float = 20.0
    max_attempts: int = 3


class RateLimiter:
    """A token bucket shared by every thread that talks to one (account, region).

    Tokens refill at ``rate`` per second up to ``burst``; ``acquire`` sleeps outside the lock
    so waiting threads do not serialise each other's bookkeeping. An ``urgent`` caller (a call
    of the sequential ListFunctions chain, the scan's critical path) is served before the
    others: while one waits, the next token is its, and while a chain is running (an urgent
    call in the last ``URGENT_HOLD`` seconds) one token is kept back for its next call, so the
    chain never waits for a refill.
    """

    URGENT_HOLD = 1.0

    def __init__(self, rate: float, burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._tokens = self.burst
        self._updated = time.monotonic()
        self._urgent_waiting = 0
        self._urgent_seen = -self.URGENT_HOLD
        self._lock = threading.Lock()

    def acquire(self, urgent: bool = False) -> None:
        waiting = False
        try:
            while True:
                with self._lock:
                    moment = time.monotonic()
                    self._tokens = min(
                        self.burst, self._tokens + (moment - self._updated) * self.rate
                    )
                    self._updated = moment
                    if urgent:
                        needed = 1.0
                    elif self._urgent_waiting:
                        needed = math.inf
                    else:
                        chain_running = moment - self._urgent_seen < self.URGENT_HOLD
                        needed = 2.0 if chain_running and self.burst >= 2.0 else 1.0
                    if self._tokens >= needed:
                        self._tokens -= 1.0
                        if urgent:
                            self._urgent_seen = moment
                        return
                    if urgent and not waiting:
                        waiting = True
                        self._urgent_waiting += 1
                    shortfall = 1.0 if math.isinf(needed) else needed - self._tokens
                    wait = max(shortfall / self.rate, 0.002)
                time.sleep(wait)
        finally:
            if waiting:
                with self._lock:
                    self._urgent_waiting -= 1


#: Operations whose calls are ``urgent`` for the limiter: sequential chains on the critical path.
URGENT_OPERATIONS = frozenset({"ListFunctions"})


_limiters: dict[tuple[str, str, str], RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(account: str, region: str, rate: float, service: str = "lambda") -> RateLimiter:
    """The process-wide limiter of one (account, region, service): every session and thread
    shares it. AWS counts each service's requests apart (Lambda's control plane allows about
    15/s per account and region; Config, STS and S3 have budgets of their own), so a burst of
    Config queries never takes the tokens a ListFunctions chain waits for."""
    with _limiters_lock:
        key = (account, region, service)
        if key not in _limiters or _limiters[key].rate != rate:
            _limiters[key] = RateLimiter(rate)
        return _limiters[key]


def env_endpoint(service: str = "lambda") -> str | None:
    """The endpoint boto3 itself would take from the environment, if any."""
    return os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or os.environ.get(
        "AWS_ENDPOINT_URL"
    )


class AwsSession:
    """Clients for one account, cached per (service, region) and safe to share across threads.

    ``credentials`` (an assumed role's, refreshable) replace the profile's credential chain;
    ``account`` is then the account they belong to, known without asking STS.
    """

    def __init__(
        self,
        config: SessionConfig,
        *,
        credentials: Credentials | None = None,
        account: str | None = None,
    ) -> None:
        from botocore.config import Config

        self.config = config
        self._account: str | None = account
        # botocore's session makes the clients: boto3's wrapper of it added only its import
        # (a tenth of a second: s3transfer and the resource factories) to every start.
        try:
            if credentials is not None:
                self._core = _session_with(credentials, config)
            elif config.demo:
                # The sandbox checks no signature; fixed keys keep --demo free of any real
                # credentials, and a session blind to the user's configuration keeps it free
                # of AWS_PROFILE (even one that does not exist) and of ~/.aws/config.
                self._core = with_shared_models(_unconfigured_botocore_session())
                self._core.set_credentials("demo", "demo")
            else:
                import botocore.session

                self._core = with_shared_models(botocore.session.Session(profile=config.profile))
        except BotoCoreError as exc:
            raise describe(exc) from exc
        # boto3's transfer methods (upload_file: publishing through S3) on S3 clients alone,
        # imported with the first one made.
        self._core.register("creating-client-class.s3", _s3_transfer_methods)
        # On the session, not on each client: every client made from it (here, in
        # account_id, in discover_regions, or anywhere later) carries the guards.
        guards.install(self._core.get_component("event_emitter"), read_only=config.read_only,
                       account=self.account_id)
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._botocore_config = Config(
            retries={"mode": "standard", "max_attempts": config.max_attempts},
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            max_pool_connections=32,
        )

    def botocore_session(self) -> botocore.session.Session:
        """The botocore session behind the clients (to create an STS client from)."""
        return self._core

    @property
    def profile_label(self) -> str:
        if self.config.demo:
            return "demo"
        return self.config.profile or os.environ.get("AWS_PROFILE") or "default"

    @property
    def endpoint_label(self) -> str | None:
        """The endpoint when it is not AWS's own, for the header."""
        return self.config.endpoint_url or env_endpoint()

    @property
    def read_only(self) -> bool:
        return self.config.read_only

    def _raw_client(self, service: str, region: str) -> Any:
        try:
            return self._core.create_client(
                service,
                region_name=region,
                endpoint_url=self.config.endpoint_url,
                config=self._botocore_config,
            )
        except (BotoCoreError, ValueError) as exc:
            raise describe(exc) from exc

    def load_models(self, service: str) -> None:
        """Parse ``service``'s models now (a client made and dropped), so that the first
        client the work needs is made in milliseconds: to be called while waiting anyway.
        Only a head start: a client that cannot be made fails later, where it is needed."""
        with contextlib.suppress(AwsError):
            self._raw_client(service, self.config.regions[0] if self.config.regions
                             else HOME_REGION)

    def load_credentials(self) -> None:
        """Resolve the credentials now (botocore caches them on the session, but threads
        making their first clients at once would each resolve them). Only a head start too:
        a failure is met again, and said, by the first call that needs them."""
        with contextlib.suppress(BotoCoreError):
            self._core.get_credentials()

    def account_id(self) -> str:
        """The account behind the credentials (one STS call, then cached)."""
        if self._account is None:
            from botocore.config import Config

            home = self.config.regions[0] if self.config.regions else HOME_REGION
            # The first call decides whether the endpoint is there at all: keep it short so an
            # unreachable or silent endpoint fails in about ten seconds, not a minute.
            try:
                sts = self._core.create_client(
                    "sts",
                    region_name=home,
                    endpoint_url=self.config.endpoint_url,
                    config=self._botocore_config.merge(
                        Config(read_timeout=4, retries={"mode": "standard", "max_attempts": 2})
                    ),
                )
                self._account = str(sts.get_caller_identity()["Account"])
            except (BotoCoreError, ClientError, ValueError) as exc:
                raise describe(exc, "reading the account identity") from exc
        return self._account

    def client(self, service: str, region: str) -> Any:
        """A rate-limited client; every HTTP attempt (retries included) takes a token."""
        key = (service, region)
        with self._lock:
            cached = self._clients.get(key)
        if cached is not None:
            return cached
        client = self._raw_client(service, region)
        limiter = limiter_for(self.account_id(), region, self.config.rate_per_second, service)

        def take_token(event_name: str = "", **_: Any) -> None:
            # "before-send.lambda.ListFunctions"
            limiter.acquire(urgent=event_name.rsplit(".", 1)[-1] in URGENT_OPERATIONS)

        client.meta.events.register("before-send", take_token)
        # After the token (handlers run in the order registered): waiting for a token holds
        # no place under the cap.
        cap = request_cap()
        client.meta.events.register("before-send", cap.take)
        client.meta.events.register("needs-retry", cap.give_back)
        with self._lock:
            return self._clients.setdefault(key, client)

    def discover_regions(self) -> list[str]:
        """Regions to scan: ``--region`` if given, else the account's enabled regions."""
        if self.config.regions:
            return list(self.config.regions)
        try:
            account = self._raw_client("account", HOME_REGION)
            names: list[str] = []
            for page in account.get_paginator("list_regions").paginate(
                RegionOptStatusContains=_USABLE_REGION_STATUSES
            ):
                names.extend(r["RegionName"] for r in page.get("Regions", []))
            if names:
                return sorted(names)
        except (BotoCoreError, ClientError):
            pass  # no account:ListRegions permission (common): ask EC2 instead
        try:
            ec2 = self._raw_client("ec2", HOME_REGION)
            regions = ec2.describe_regions()["Regions"]
            names = [r["RegionName"] for r in regions]
            if names:
                return sorted(names)
        except (BotoCoreError, ClientError):
            pass
        return sorted(self._core.get_available_regions("lambda"))


def _s3_transfer_methods(class_attributes: dict[str, Any], **kwargs: Any) -> None:
    """What boto3 adds to an S3 client class (``upload_file`` and its kin), the one part of
    boto3 the app uses: loaded when an S3 client is first made, so that no other command
    pays for importing boto3 and s3transfer (a tenth of a second)."""
    from boto3.s3.inject import inject_s3_transfer_methods

    inject_s3_transfer_methods(class_attributes, **kwargs)


def _fixed_credentials(credentials: Credentials) -> Any:
    """A credential chain of one link: the credentials it was made with (an assumed role's)."""
    from botocore.credentials import CredentialProvider, CredentialResolver

    class FixedCredentials(CredentialProvider):  # type: ignore[misc]
        METHOD = "assume-role"
        CANONICAL_NAME = "layer-tui-assumed-role"

        def load(self) -> Credentials:
            return credentials

    return CredentialResolver([FixedCredentials()])


def _session_with(credentials: Credentials, config: SessionConfig) -> botocore.session.Session:
    """A botocore session whose only credentials are ``credentials``: no profile, variable or
    file can stand in for them (an account's session must be that account's alone)."""
    import botocore.session

    session = _unconfigured_botocore_session() if config.demo else botocore.session.Session(
        profile=config.profile
    )
    session.register_component("credential_provider", _fixed_credentials(credentials))
    return with_shared_models(session)


def _unconfigured_botocore_session() -> botocore.session.Session:
    """A botocore session that reads no profile variable and no configuration file."""
    import botocore.session
    from botocore.configprovider import ConstantProvider

    session = botocore.session.Session()
    config_store = session.get_component("config_store")
    config_store.set_config_provider("profile", ConstantProvider(None))
    session.set_config_variable("config_file", os.devnull)
    session.set_config_variable("credentials_file", os.devnull)
    return session


__all__ = [
    "DEFAULT_RATE_PER_SECOND",
    "DEFAULT_REQUEST_CAP",
    "DEFAULT_ROLE_NAME",
    "AwsSession",
    "ForeignAccountError",
    "RateLimiter",
    "ReadOnlyError",
    "RequestCap",
    "SessionConfig",
    "error_code",
    "limiter_for",
    "request_cap",
    "set_request_cap",
]
