"""Which account a request is served as: the one its credentials belong to, as on AWS.

moto serves whichever account the gateway names in ``X-Moto-Account-Id``. The gateway names the
account of the request's access key (SigV4 ``Authorization: ... Credential=KEY/...`` or a
presigned URL's ``X-Amz-Credential`` or ``AWSAccessKeyId``):

- keys handed out by STS AssumeRole belong to the role's account. moto keeps them: AssumeRole
  creates a temporary ``ASIA`` key in the IAM backend of the role's account
  (``IAMBackend.access_keys``), which is where they are looked up;
- keys made by ``AccountCredentials.issue(account)`` (``Sandbox.credentials_for``) belong to
  that account;
- any other key (``testing``, the developer's) belongs to the sandbox's own account, so every
  caller that knows nothing of accounts sees what it always saw.

An account is served by one sandbox at a time (moto's state is process-global, keyed by
account): claiming one a running sandbox serves is refused, and a stopping sandbox releases
every account it claimed.
"""

from __future__ import annotations

import re
import secrets
import sys
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from moto.core.base_backend import BackendDict, backend_lock
from moto.iam.models import iam_backends

#: ``Credential=AKID/20261122/eu-west-1/lambda/aws4_request`` (header or presigned query), or
#: SigV2's ``AWSAccessKeyId=AKID`` (S3's presigned URLs by default).
_ACCESS_KEY = re.compile(r"(?:Credential=([A-Za-z0-9_+=.@-]+)/|AWSAccessKeyId=([A-Za-z0-9]+))")

_claims_lock = threading.Lock()
#: Account id → the object (a sandbox's credentials) serving it.
_claims: dict[str, object] = {}


def access_key_of(environ: Mapping[str, Any]) -> str | None:
    """The access key a request was signed with, or ``None`` for an unsigned request."""
    for text in (
        str(environ.get("HTTP_AUTHORIZATION") or ""),
        unquote(str(environ.get("QUERY_STRING") or "")),
    ):
        match = _ACCESS_KEY.search(text)
        if match:
            return match.group(1) or match.group(2)
    return None


class AccountCredentials:
    """The accounts one sandbox serves, and the account each access key belongs to."""

    def __init__(self, home: str) -> None:
        self.home = home
        self._lock = threading.Lock()
        #: Every account claimed, the home one first.
        self._served: dict[str, None] = {}
        #: Access key → (account, secret) for the keys ``issue`` made.
        self._issued: dict[str, tuple[str, str]] = {}
        self._by_account: dict[str, tuple[str, str]] = {}
        #: AssumeRole keys already found in moto, by key (a scan signs thousands of requests).
        self._assumed: dict[str, str] = {}

    @property
    def served(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._served)

    def serves(self, account_id: str) -> bool:
        with self._lock:
            return account_id in self._served

    def claim(self, account_id: str) -> bool:
        """Serves ``account_id`` from now on; ``False`` when it already did. Refused (a one-line
        RuntimeError) while another running sandbox serves it."""
        if not re.fullmatch(r"\d{12}", account_id):
            raise ValueError(f"{account_id!r} is not an account id (12 digits)")
        with _claims_lock:
            owner = _claims.get(account_id)
            if owner is self:
                return False
            if owner is not None:
                raise RuntimeError(f"account {account_id} is already served by a running sandbox")
            _claims[account_id] = self
        with self._lock:
            self._served[account_id] = None
        return True

    def release_all(self) -> tuple[str, ...]:
        """Stops serving every account; returns them (their state is the caller's to forget)."""
        with self._lock:
            released = tuple(self._served)
            self._served.clear()
            self._issued.clear()
            self._by_account.clear()
            self._assumed.clear()
        with _claims_lock:
            for account_id in released:
                if _claims.get(account_id) is self:
                    del _claims[account_id]
        return released

    def issue(self, account_id: str) -> tuple[str, str]:
        """(access key, secret) that this sandbox serves as ``account_id`` (the same pair on
        every call); claims the account."""
        self.claim(account_id)
        with self._lock:
            pair = self._by_account.get(account_id)
            if pair is None:
                pair = ("AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))
                self._by_account[account_id] = pair
                self._issued[pair[0]] = (account_id, pair[1])
            return pair

    def account_of(self, access_key: str | None) -> str:
        """The account a request signed with ``access_key`` is served as."""
        if not access_key:
            return self.home
        with self._lock:
            issued = self._issued.get(access_key)
            known = self._assumed.get(access_key)
            served = tuple(self._served)
        if issued is not None:
            return issued[0]
        if known is not None:
            return known
        if access_key.startswith("ASIA"):
            # Only accounts this sandbox serves: another sandbox's keys stay strangers here.
            for account_id in served:
                if access_key in iam_backends[account_id]["aws"].access_keys:
                    with self._lock:
                        if account_id in self._served:
                            self._assumed[access_key] = account_id
                    return account_id
        return self.home

    def account_of_request(self, environ: Mapping[str, Any]) -> str:
        return self.account_of(access_key_of(environ))


def forget_accounts(accounts: tuple[str, ...]) -> None:
    """Drops everything moto holds for ``accounts``, in every service (created on demand)."""
    if not accounts:
        return
    gone = set(accounts)
    with backend_lock:
        for backends in list(BackendDict._instances):  # type: ignore[misc]
            for account_id in gone:
                backends.pop(account_id, None)
        # S3 keeps a process-wide bucket name → account index (bucket names are global);
        # an entry left pointing at a forgotten account sends the next sandbox's calls
        # for that name into endless recursion inside moto.
        s3_models = sys.modules.get("moto.s3.models")  # not loaded: no bucket to forget
        owners = s3_models.s3_backends.bucket_accounts if s3_models else {}
        for bucket, (_, account) in list(owners.items()):
            if account in gone:
                owners.pop(bucket, None)
        # Organizations keeps a process-wide member → management index: a member left in it
        # could never join (or create) an organization again.
        organizations = sys.modules.get("moto.organizations.models")
        members = organizations.organizations_backends.master_accounts if organizations else {}
        for member, (management, _) in list(members.items()):
            if member in gone or management in gone:
                members.pop(member, None)
