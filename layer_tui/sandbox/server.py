"""The embedded AWS: moto's server app on a free loopback port, behind the sandbox gateway.

Each ``Sandbox`` owns one account id, plus the accounts it hands credentials for (an
organization's members). moto's state is process-global and keyed by account, so sandboxes with
different accounts in one process (the tests) never see each other's resources, and stopping a
sandbox frees the state of every account it served.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import boto3
from moto.awslambda.models import LambdaBackend, LayerVersion, lambda_backends
from moto.core.base_backend import AccountSpecificBackend
from moto.iam.models import iam_backends
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.serving import ThreadedWSGIServer

from layer_tui.sandbox.calls import Interceptor, profile_free_session
from layer_tui.sandbox.config_query import ConfigQuery
from layer_tui.sandbox.content import ContentServer, ContentSigner
from layer_tui.sandbox.credentials import AccountCredentials, forget_accounts
from layer_tui.sandbox.faults import Faults
from layer_tui.sandbox.gateway import Gateway
from layer_tui.sandbox.http_server import QuietRequestHandler, QuietServer
from layer_tui.sandbox.layers import (
    LayerUseGrants,
    LayerVersionReads,
    install_cross_account_layers,
)
from layer_tui.sandbox.organization import SandboxOrganization, create_organization, is_suspended
from layer_tui.sandbox.organization_access import OrganizationAccess
from layer_tui.sandbox.paging import LambdaListings
from layer_tui.sandbox.permissions import LayerPermissions
from layer_tui.sandbox.regions import AccountRegions, RegionDirectory, RegionGate
from layer_tui.sandbox.revisions import FunctionRevisions
from layer_tui.sandbox.roles import AssumeRoleGate
from layer_tui.sandbox.s3_storage import S3ObjectReads
from layer_tui.sandbox.stats import SandboxStats

DEMO_ACCOUNT_ID = "123456789012"
DEFAULT_REGIONS = ("eu-north-1", "eu-west-1", "us-east-1")
#: How long GetLayerVersion's Content.Location stays valid on AWS.
CONTENT_URL_TTL = 600.0
EXECUTION_ROLE_NAME = "layer-tui-sandbox-execution"
_TRUST_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)

_accounts_lock = threading.Lock()
_shared_moto_app: DomainDispatcherApplication | None = None
_client_session_lock = threading.Lock()
_client_session: Any = None
#: S3's words for a presigned URL past its expiry.
_EXPIRED = "Request has expired"


def _moto_app() -> DomainDispatcherApplication:
    """One moto dispatcher for the process: it holds no state of its own, only Flask apps."""
    global _shared_moto_app
    with _accounts_lock:
        if _shared_moto_app is None:
            _shared_moto_app = DomainDispatcherApplication(create_backend_app)
        return _shared_moto_app


def _make_moto_ignore_aws_profile() -> None:
    """moto lists regions through a boto3 Session, which dies on an AWS_PROFILE that names no
    profile; the sandbox needs no profile, so give moto one that never reads it (idempotent)."""
    with _accounts_lock:
        if getattr(AccountSpecificBackend, "_layer_tui_profile_free", False):
            return
        session = boto3.session.Session(botocore_session=profile_free_session())
        AccountSpecificBackend.get_session = classmethod(  # type: ignore[method-assign,assignment]
            lambda cls: session
        )
        AccountSpecificBackend._layer_tui_profile_free = True  # type: ignore[attr-defined]


def random_account_id() -> str:
    """A 12-digit account id that is not the demo's."""
    while True:
        candidate = str(random.SystemRandom().randrange(10**11, 10**12))
        if candidate != DEMO_ACCOUNT_ID:
            return candidate


class _ExpirableSigner(ContentSigner):
    """The content signer, plus ``expire_all``: URLs signed so far get S3's "Request has
    expired", URLs signed later work. Each call starts a new signing key, since a URL's signing
    time (one-second resolution) cannot tell a stale URL from a fresh one."""

    def __init__(self, ttl: Callable[[], float]) -> None:
        super().__init__(secrets.token_bytes(32), ttl)
        self._retired: list[ContentSigner] = []

    def check(self, path: str, query: dict[str, list[str]]) -> str | None:
        problem = super().check(path, query)
        if problem is not None and any(
            old.check(path, query) in (None, _EXPIRED) for old in self._retired
        ):
            return _EXPIRED
        return problem

    def expire_all(self) -> None:
        self._retired.append(ContentSigner(self._secret, self._ttl))
        self._secret = secrets.token_bytes(32)


class Sandbox:
    """A started-on-demand AWS endpoint for one account, with AWS's manners.

    ``regions`` answer; ``disabled_regions`` are listed by ListRegions as still enabling and
    refuse every call the way AWS does. ``faults`` and ``content_url_ttl`` can change at any
    time; ``stats`` counts what happened.
    """

    def __init__(
        self,
        account_id: str | None = None,
        regions: Sequence[str] = DEFAULT_REGIONS,
        disabled_regions: Sequence[str] = (),
        *,
        content_url_ttl: float = CONTENT_URL_TTL,
        host: str = "127.0.0.1",
    ) -> None:
        self.account_id = account_id or random_account_id()
        self.regions = RegionDirectory(
            enabled=tuple(dict.fromkeys(regions)),
            disabled=tuple(dict.fromkeys(disabled_regions)),
        )
        #: Accounts whose regions differ from ``regions`` (``disable_region``).
        self._account_regions: dict[str, RegionDirectory] = {}
        self.content_url_ttl = content_url_ttl
        self.faults = Faults()
        self.stats = SandboxStats()
        self.execution_role_arn = self.execution_role_arn_for(self.account_id)
        #: The organization ``create_organization`` made (None: one account, as before).
        self.organization: SandboxOrganization | None = None
        #: Which account each request is served as (see ``credentials``).
        self.credentials = AccountCredentials(self.account_id)
        self._host = host
        self._server: ThreadedWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._signer = _ExpirableSigner(lambda: self.content_url_ttl)
        self._gateway: Gateway | None = None
        #: RevisionId, 409 while an update runs, 412 on a stale RevisionId (as AWS does).
        self.revisions = FunctionRevisions()
        #: S3 object reads: refused by a bucket policy's Deny as AWS does, bytes counted.
        self.s3_objects = S3ObjectReads()
        #: AWS Config's aggregator queries over every account's functions; ``freeze`` makes
        #: it lag as Config does.
        self.config_index = ConfigQuery()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._server is not None:
            return
        self.credentials.claim(self.account_id)
        try:
            install_cross_account_layers()
            _make_moto_ignore_aws_profile()
            self._ensure_execution_role(self.account_id)
            self._gateway = Gateway(
                moto_app=_moto_app(),
                credentials=self.credentials,
                content=ContentServer(self._signer, self.stats, lambda: self.faults),
                faults=lambda: self.faults,
                stats=self.stats,
                gate=RegionGate(self.regions_of, lambda: self.faults),
                interceptors=[
                    AssumeRoleGate(
                        self.credentials, lambda account: is_suspended(self.account_id, account)
                    ),
                    self.revisions,
                    AccountRegions(self.regions_of),
                    LambdaListings(),
                    LayerVersionReads(self.content_url),
                    LayerUseGrants(),
                    LayerPermissions(),
                    self.s3_objects,
                    OrganizationAccess(),
                    self.config_index,
                ],
                expire_content_urls=self.expire_content_urls,
            )
            self._server = QuietServer(self._host, 0, self._gateway, handler=QuietRequestHandler)
        except BaseException:
            self.credentials.release_all()
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.account_id}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stops serving and forgets everything this account held."""
        server, self._server = self._server, None
        if server is None:
            return
        if self._gateway is not None:
            self._gateway.close()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        # Every account served (members too) is forgotten: a new sandbox with the same ids
        # starts empty.
        forget_accounts(self.credentials.release_all())
        self.organization = None
        self._account_regions.clear()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where and how to reach it -----------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def regions_of(self, account_id: str) -> RegionDirectory:
        """The regions of one account this sandbox serves (all share ``regions`` unless a
        region was disabled for one of them)."""
        return self._account_regions.get(account_id, self.regions)

    def set_regions_of(
        self, account_id: str, enabled: Sequence[str], disabled: Sequence[str] = ()
    ) -> None:
        """``account_id``'s own regions (an organization's members need not share the
        management account's opt-ins)."""
        self._account_regions[account_id] = RegionDirectory(
            enabled=tuple(dict.fromkeys(enabled)), disabled=tuple(dict.fromkeys(disabled))
        )

    def disable_region(self, account_id: str, region: str) -> None:
        """From now on ``region`` is not enabled for ``account_id`` only: ListRegions lists it
        as still enabling and every call there is refused, as AWS does."""
        self._account_regions[account_id] = self.regions_of(account_id).without(region)

    def create_organization(self, members: Sequence[str]) -> SandboxOrganization:
        """An AWS Organization with this sandbox's account as management and ``members`` (by
        name) as member accounts it serves, each with OrganizationAccountAccessRole."""
        self.organization = create_organization(self, members)
        return self.organization

    def credentials_for(self, account_id: str) -> tuple[str, str]:
        """(access key, secret) whose requests this sandbox serves as ``account_id``, an
        account of its own from now on (with the execution role its functions need)."""
        pair = self.credentials.issue(account_id)
        self._ensure_execution_role(account_id)
        return pair

    def client(
        self,
        service: str,
        region: str | None = None,
        *,
        account: str | None = None,
        credentials: tuple[str, str, str] | None = None,
        **config: Any,
    ) -> Any:
        """A boto3 client for this sandbox (``config`` goes to boto3): fake credentials of the
        sandbox's own account, ``account``'s from ``credentials_for``, or ``credentials``
        (access key, secret, session token: what AssumeRole handed out)."""
        key, secret = ("testing", "testing") if account is None else self.credentials_for(account)
        token = None
        if credentials is not None:
            key, secret, token = credentials
        global _client_session
        # One session for the process: it caches the service models, which makes every client
        # after the first about ten times cheaper. Sessions are not thread-safe: hence the lock.
        with _client_session_lock:
            if _client_session is None:
                _client_session = boto3.session.Session(botocore_session=profile_free_session())
            return _client_session.client(
                service,
                region_name=region or self.regions.enabled[0],
                endpoint_url=self.endpoint_url,
                aws_access_key_id=key,
                aws_secret_access_key=secret,
                aws_session_token=token,
                **config,
            )

    # -- for seeding and for tests -----------------------------------------------------------

    def lambda_backend(self, region: str, account: str | None = None) -> LambdaBackend:
        """moto's in-process Lambda state of this account (or of ``account``, served by this
        sandbox from now on, so that ``stop`` forgets it) in ``region`` (seed through it)."""
        if account is not None and account != self.account_id:
            self.credentials_for(account)
        return lambda_backends[account or self.account_id][region]

    @staticmethod
    def execution_role_arn_for(account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:role/{EXECUTION_ROLE_NAME}"

    def content_url(self, layer_version: LayerVersion) -> str:
        """A presigned content URL for ``layer_version``, valid for ``content_url_ttl``."""
        return self._signer.url(self.endpoint_url, layer_version)

    def expire_content_urls(self) -> None:
        """Every content URL handed out so far now answers 403 "Request has expired", as AWS's
        do 10 minutes after GetLayerVersion; URLs handed out later work."""
        self._signer.expire_all()

    def add_interceptor(self, interceptor: Interceptor, *, first: bool = False) -> None:
        """Adds a hook around moto (see ``calls.Interceptor``); runs after the built-in ones,
        or ahead of them with ``first`` (to answer a call that paging would answer)."""
        if self._gateway is None:
            raise RuntimeError("start the sandbox before adding interceptors")
        if first:
            self._gateway.interceptors.insert(0, interceptor)
        else:
            self._gateway.interceptors.append(interceptor)

    def reset_throttle(self) -> None:
        """Refills every token bucket (after changing ``faults.rate_limit`` mid-test)."""
        if self._gateway is not None:
            self._gateway.reset_throttle()

    def _ensure_execution_role(self, account_id: str) -> None:
        # moto, like AWS, refuses CreateFunction unless the role exists in the account.
        iam = iam_backends[account_id]["aws"]
        if any(role.name == EXECUTION_ROLE_NAME for role in iam.get_roles()):
            return
        iam.create_role(
            role_name=EXECUTION_ROLE_NAME,
            assume_role_policy_document=_TRUST_POLICY,
            path="/",
            permissions_boundary=None,
            description="Execution role for the sandbox's functions",
            tags=[],
            max_session_duration=None,
        )
