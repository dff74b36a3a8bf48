"""A canary for moto: what the sandbox reaches into, checked by name, type and shape.

The sandbox (``layer_tui/sandbox``) is moto plus what AWS does that moto does not, and to do
that it reads and patches moto's internals: backends' private stores, model attributes, a
method it replaces, the registry it clears. Those are not moto's API, so a minor upgrade may
move them, and what breaks is then a far-away test with a puzzling error. Promise: every one
of them is checked here on live objects, and a moved one fails with a line naming it, the
sandbox module that relies on it, and what to do. moto is pinned to the minor this was checked
against, so an upgrade is a deliberate change that runs this first.
"""

from __future__ import annotations

import importlib
import io
import re
import tomllib
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import pytest

from layer_tui.sandbox import Sandbox

REGION = "eu-west-1"
MOTO = installed_version("moto")
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

#: How a value must look: a type (or types) it is an instance of, or CALLABLE.
Shape = type | tuple[type, ...] | str
CALLABLE = "callable"


def moved(what: str, problem: str, used_by: str) -> None:
    pytest.fail(
        f"moto {MOTO} moved what the sandbox relies on: {what} {problem} "
        f"(layer_tui/sandbox/{used_by} uses it); adapt the sandbox to the new moto, then move "
        "the moto pin in pyproject.toml",
        pytrace=False,
    )


def _check_shape(what: str, value: Any, shape: Shape, used_by: str) -> Any:
    if shape == CALLABLE:
        if not callable(value):
            moved(what, f"is no longer callable (it is a {type(value).__name__})", used_by)
    elif not isinstance(value, shape):  # type: ignore[arg-type]
        expected = shape.__name__ if isinstance(shape, type) else " or ".join(
            t.__name__ for t in shape)  # type: ignore[union-attr]
        moved(what, f"is a {type(value).__name__}, not a {expected}", used_by)
    return value


def need(owner: Any, label: str, attribute: str, shape: Shape, used_by: str) -> Any:
    """``owner.attribute``, which must exist and have ``shape``; else a line naming it."""
    what = f"{label}.{attribute}"
    try:
        value = getattr(owner, attribute)
    except AttributeError:
        moved(what, "is gone", used_by)
    return _check_shape(what, value, shape, used_by)


def need_key(mapping: Mapping[str, Any], label: str, key: str, shape: Shape, used_by: str) -> Any:
    what = f"{label}[{key!r}]"
    if key not in mapping:
        moved(what, "is gone", used_by)
    return _check_shape(what, mapping[key], shape, used_by)


# -- what the sandbox imports -------------------------------------------------------------------

#: (module, name, shape, the sandbox module that imports it)
IMPORTED: tuple[tuple[str, str, Shape, str], ...] = (
    ("moto.awslambda.models", "LambdaBackend", type, "server.py, paging.py, seed.py"),
    ("moto.awslambda.models", "LambdaFunction", type, "layers.py, paging.py, backends.py"),
    ("moto.awslambda.models", "Layer", type, "backends.py"),
    ("moto.awslambda.models", "LayerVersion", type, "backends.py, content.py, paging.py"),
    ("moto.awslambda.models", "LayerDataType", object, "layers.py"),
    ("moto.awslambda.models", "lambda_backends", Mapping, "server.py, content.py, paging.py"),
    ("moto.awslambda.exceptions", "UnknownLayerException", type, "layers.py, content.py"),
    ("moto.awslambda.exceptions", "UnknownLayerVersionException", type, "layers.py"),
    ("moto.core.base_backend", "AccountSpecificBackend", type, "server.py"),
    ("moto.core.base_backend", "BackendDict", type, "credentials.py"),
    ("moto.core.base_backend", "backend_lock", AbstractContextManager, "credentials.py"),
    ("moto.iam.models", "iam_backends", Mapping, "server.py, credentials.py, roles.py"),
    ("moto.s3.models", "s3_backends", Mapping, "s3_storage.py, server.py"),
    ("moto.organizations.models", "organizations_backends", Mapping, "layers.py"),
    ("moto.moto_server.werkzeug_app", "DomainDispatcherApplication", type, "server.py"),
    ("moto.moto_server.werkzeug_app", "MotoRequestHandler", type, "http_server.py"),
    ("moto.moto_server.werkzeug_app", "create_backend_app", CALLABLE, "server.py"),
)

#: Methods of moto's classes the sandbox calls or replaces: (class, method, used by).
METHODS: tuple[tuple[str, str, str], ...] = (
    ("LambdaBackend", "create_function", "backends.py"),
    ("LambdaBackend", "get_function", "backends.py, seed.py"),
    ("LambdaBackend", "publish_version", "backends.py"),
    ("LambdaBackend", "create_alias", "backends.py"),
    ("LambdaBackend", "get_layer_version", "content.py"),
    ("LambdaBackend", "list_layer_versions", "paging.py"),
    ("LambdaBackend", "delete_layer_version", "seed.py"),
    ("LambdaFunction", "_get_layers_data", "layers.py (replaced: layers across accounts)"),
    ("LambdaFunction", "get_configuration", "paging.py"),
    ("LambdaFunction", "update_configuration", "backends.py"),
    ("LayerVersion", "get_layer_version", "layers.py, paging.py"),
    ("Layer", "attach_version", "backends.py"),
)


def check_imported_names() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module_name, name, shape, used_by in IMPORTED:
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            moved(f"module {module_name}", f"does not import ({error})", used_by)
        found[name] = need(module, module_name, name, shape, used_by)
    for owner, method, used_by in METHODS:
        need(found[owner], owner, method, CALLABLE, used_by)
    need(found["AccountSpecificBackend"], "AccountSpecificBackend", "get_session", CALLABLE,
         "server.py (replaced: moto must not read AWS_PROFILE)")
    need(found["BackendDict"], "BackendDict", "_instances", list,
         "credentials.py (stop() forgets every account served in every backend)")
    return found


# -- the state the sandbox reads, on live objects -----------------------------------------------


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/m.py", "x = 1\n")
    return buffer.getvalue()


@pytest.fixture
def estate(sandbox: Sandbox) -> Iterator[Sandbox]:
    """One of each thing the sandbox looks inside: a layer version with a grant, a function
    using it with a published version and an alias, a bucket, an organization."""
    lam = sandbox.client("lambda", REGION)
    arn = lam.publish_layer_version(LayerName="geo", Content={"ZipFile": tiny_zip()},
                                    CompatibleRuntimes=["python3.12"],
                                    CompatibleArchitectures=["arm64"])["LayerVersionArn"]
    lam.add_layer_version_permission(LayerName="geo", VersionNumber=1, StatementId="everyone",
                                     Action="lambda:GetLayerVersion", Principal="*")
    lam.create_function(FunctionName="orders", Runtime="python3.12",
                        Role=sandbox.execution_role_arn, Handler="app.handler",
                        Code={"ZipFile": tiny_zip()}, Layers=[arn], Publish=True)
    lam.create_alias(FunctionName="orders", Name="prod", FunctionVersion="1")
    sandbox.client("s3", REGION).create_bucket(
        Bucket=f"canary-{sandbox.account_id}",
        CreateBucketConfiguration={"LocationConstraint": REGION})
    sandbox.client("organizations", "us-east-1").create_organization(FeatureSet="ALL")
    yield sandbox


def check_lambda_state(backend: Any) -> None:
    """What paging, layers, content, permissions, backends and seed read off moto's Lambda."""
    label = "LambdaBackend"
    for attribute in ("account_id", "region_name"):
        need(backend, label, attribute, str, "backends.py")
    layer_store = need(backend, label, "_layers", object, "paging.py, layers.py, backends.py")
    layers = need(layer_store, f"{label}._layers", "_layers", dict,
                  "paging.py, layers.py, backends.py")
    layer = need_key(layers, f"{label}._layers._layers", "geo", object, "paging.py")
    need(layer, "Layer", "_latest_version", int, "backends.py (vendors' version numbers)")
    versions = need(layer, "Layer", "layer_versions", dict, "paging.py, layers.py, backends.py")
    layer_version = need_key(versions, "Layer.layer_versions", "1", object,
                             "backends.py (keys are version numbers as str)")
    check_layer_version(layer_version)

    function_store = need(backend, label, "_lambdas", object, "paging.py, layers.py")
    functions = need(function_store, f"{label}._lambdas", "_functions", dict,
                     "paging.py, layers.py")
    group = need_key(functions, f"{label}._lambdas._functions", "orders", dict, "paging.py")
    latest = need_key(group, "a function's group", "latest", object, "paging.py, layers.py")
    published = need_key(group, "a function's group", "versions", list, "paging.py, layers.py")
    if not published:
        moved("a function's group['versions']", "no longer holds published versions",
              "paging.py")
    for function in (latest, published[0]):
        check_function(function)


def check_layer_version(layer_version: Any) -> None:
    label = "LayerVersion"
    shapes: tuple[tuple[str, Shape, str], ...] = (
        ("arn", str, "content.py, backends.py"),
        ("account_id", str, "content.py, layers.py, s3_storage.py"),
        ("region", str, "content.py"),
        ("name", str, "content.py"),
        ("version", int, "content.py, paging.py"),
        ("code_bytes", bytes, "content.py, backends.py"),
        ("code_size", int, "layers.py, backends.py"),
        ("code_sha_256", str, "backends.py"),
        ("code_digest", str, "content.py (ETag), backends.py"),
        ("created_date", str, "backends.py"),
        ("compatible_runtimes", list, "paging.py"),
        ("compatible_architectures", list, "paging.py"),
        ("content", dict, "s3_storage.py"),
        ("policy", object, "permissions.py, layers.py, backends.py"),
    )
    for attribute, shape, used_by in shapes:
        need(layer_version, label, attribute, shape, used_by)
    statements = need(layer_version.policy, f"{label}.policy", "statements", list,
                      "permissions.py, layers.py, backends.py")
    if not statements or not isinstance(statements[0], dict) or "Principal" not in statements[0]:
        moved(f"{label}.policy.statements", "no longer holds statement dicts with a Principal",
              "permissions.py, layers.py")
    reply = need(layer_version, label, "get_layer_version", CALLABLE, "layers.py")()
    need_key(reply, "LayerVersion.get_layer_version()", "Content", dict,
             "layers.py (Content.Location is replaced)")


def check_function(function: Any) -> None:
    label = "LambdaFunction"
    for attribute, shape, used_by in (
        ("function_name", str, "paging.py"),
        ("function_arn", str, "paging.py"),
        ("version", (str, int), "paging.py ($LATEST, or a published number)"),
        ("region", str, "layers.py"),
        ("layers", list, "seed.py"),
        ("last_modified", str, "backends.py"),
        ("code_size", int, "layers.py"),
        ("code_or_config_updated", bool, "backends.py"),
    ):
        need(function, label, attribute, shape, used_by)
    need_key(function.get_configuration(), "LambdaFunction.get_configuration()", "FunctionArn",
             str, "paging.py")


def check_other_services(account_id: str) -> None:
    """What the sandbox reads of S3, IAM and Organizations."""
    from moto.iam.models import iam_backends
    from moto.organizations.models import organizations_backends
    from moto.s3.models import s3_backends

    owners = need(s3_backends, "s3_backends", "bucket_accounts", dict,
                  "server.py, s3_storage.py")
    entry = need_key(owners, "s3_backends.bucket_accounts", f"canary-{account_id}", tuple,
                     "server.py (stop() forgets an account's buckets)")
    if len(entry) != 2 or entry[1] != account_id:
        moved("s3_backends.bucket_accounts[bucket]", "is no longer (partition, account)",
              "server.py, s3_storage.py")
    s3 = s3_backends[account_id]["global"]
    for method in ("get_object", "get_bucket", "get_bucket_policy"):
        need(s3, "S3Backend", method, CALLABLE, "s3_storage.py")
    bucket = s3.get_bucket(f"canary-{account_id}")
    need(bucket, "FakeBucket", "is_versioned", bool, "s3_storage.py")

    iam = iam_backends[account_id]["aws"]
    need(iam, "IAMBackend", "create_role", CALLABLE, "server.py")
    roles = need(iam, "IAMBackend", "get_roles", CALLABLE, "server.py")()
    need(next(iter(roles)), "Role", "name", str, "server.py")

    found = False
    for by_partition in organizations_backends.values():
        for backend in by_partition.values():
            org = need(backend, "OrganizationsBackend", "org", object, "layers.py")
            accounts = need(backend, "OrganizationsBackend", "accounts", list, "layers.py")
            if org is not None and org.master_account_id == account_id:
                need(org, "FakeOrganization", "id", str, "layers.py")
                if accounts:
                    need(accounts[0], "FakeAccount", "id", str, "layers.py")
                found = True
    if not found:
        moved("organizations_backends", "no longer holds an organization by partition and "
              "account with .org.master_account_id", "layers.py")


# -- the tests ----------------------------------------------------------------------------------


def test_moto_is_pinned_to_the_minor_the_canary_was_checked_against() -> None:
    """Promise: pyproject pins ``moto[server]>=X.Y,<X.Y+1`` and the installed moto is in it,
    so an upgrade past the checked minor is a deliberate edit of the pin."""
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    [pin] = [d for d in dependencies if d.startswith("moto")]
    match = re.fullmatch(r"moto\[server\]>=(\d+)\.(\d+),<(\d+)\.(\d+)", pin.replace(" ", ""))
    assert match, f"moto is pinned as {pin!r}, not to one minor (moto[server]>=X.Y,<X.Y+1)"
    major, minor, upper_major, upper_minor = (int(part) for part in match.groups())
    assert (upper_major, upper_minor) == (major, minor + 1), f"{pin!r} admits more than a minor"
    installed = tuple(int(part) for part in MOTO.split(".")[:2])
    assert installed == (major, minor), f"moto {MOTO} is installed, but {pin!r} is pinned"


def test_the_names_the_sandbox_imports_from_moto_are_there() -> None:
    check_imported_names()


def test_moto_lambda_state_has_the_shape_the_sandbox_reads(estate: Sandbox) -> None:
    check_lambda_state(estate.lambda_backend(REGION))


def test_moto_s3_iam_and_organizations_have_what_the_sandbox_reads(estate: Sandbox) -> None:
    check_other_services(estate.account_id)


def test_the_sandbox_patches_are_in_place() -> None:
    """The two replacements the sandbox makes still take: moto calls them by these names."""
    from moto.awslambda.models import LambdaFunction
    from moto.core.base_backend import AccountSpecificBackend

    from layer_tui.sandbox.layers import _layers_data_across_accounts

    with Sandbox(regions=(REGION,)):
        assert LambdaFunction._get_layers_data is _layers_data_across_accounts
        assert getattr(AccountSpecificBackend, "_layer_tui_profile_free", False)


def _failure(check: Callable[[], object]) -> str:
    with pytest.raises(pytest.fail.Exception) as failed:
        check()
    return str(failed.value)


def test_a_moved_attribute_fails_loudly_naming_it(
    estate: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: a moto upgrade renames a method the sandbox calls, a private store it reads,
    and changes a store's type. Promise: the canary fails with a line naming each one, the
    sandbox module that uses it, and the installed moto version."""
    from moto.awslambda.models import LambdaBackend

    monkeypatch.delattr(LambdaBackend, "list_layer_versions")
    message = _failure(check_imported_names)
    assert "LambdaBackend.list_layer_versions is gone" in message
    assert "layer_tui/sandbox/paging.py" in message and f"moto {MOTO}" in message
    monkeypatch.undo()

    backend = estate.lambda_backend(REGION)
    monkeypatch.delattr(backend._lambdas, "_functions")
    assert "LambdaBackend._lambdas._functions is gone" in _failure(
        lambda: check_lambda_state(backend))
    monkeypatch.undo()

    layer = backend._layers._layers["geo"]
    monkeypatch.setattr(layer, "layer_versions", list(layer.layer_versions.values()))
    assert "Layer.layer_versions is a list, not a dict" in _failure(
        lambda: check_lambda_state(backend))
    monkeypatch.undo()
    check_lambda_state(backend)  # and with everything back, the canary is quiet


def test_moto_keeps_assumed_role_keys_where_the_sandbox_looks_them_up(sandbox: Sandbox) -> None:
    """What credential routing (credentials.py, roles.py) reads: AssumeRole into another
    account's role leaves an ``ASIA`` key in that account's ``IAMBackend.access_keys`` (a dict
    by key id), roles are found by ARN with their trust policy, and Organizations keeps its
    member → management index in ``organizations_backends.master_accounts``."""
    from moto.iam.models import iam_backends
    from moto.organizations.models import organizations_backends

    member = "210987654321"
    iam = sandbox.client("iam", REGION, account=member)
    trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
             f'"arn:aws:iam::{sandbox.account_id}:root"}},"Action":"sts:AssumeRole"}}]}}')
    arn = iam.create_role(RoleName="canary", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    key = sandbox.client("sts", REGION).assume_role(
        RoleArn=arn, RoleSessionName="canary")["Credentials"]["AccessKeyId"]
    backend = iam_backends[member]["aws"]
    keys = need(backend, "IAMBackend", "access_keys", dict, "credentials.py")
    if not key.startswith("ASIA") or key not in keys:
        moved("IAMBackend.access_keys", "no longer holds AssumeRole's ASIA keys in the role's "
              "account", "credentials.py")
    role = need(backend, "IAMBackend", "get_role_by_arn", CALLABLE, "roles.py")(arn)
    need(role, "Role", "assume_role_policy_document", (str, dict), "roles.py")
    need(organizations_backends, "organizations_backends", "master_accounts", dict,
         "credentials.py (stop() forgets members)")
    need(backend, "IAMBackend", "delete_role", CALLABLE, "organization.py (remove_role)")
    organizations = organizations_backends[sandbox.account_id]["aws"]
    for method in ("create_organization", "create_account"):
        need(organizations, "OrganizationsBackend", method, CALLABLE, "organization.py")
    organizations.create_organization(region=REGION, FeatureSet="ALL")
    organizations.create_account(AccountName="canary", Email="canary@example.com")
    account = organizations.accounts[-1]
    for attribute in ("ou", "policies"):
        need(organizations, "OrganizationsBackend", attribute, list,
             "organization.py (the stable organization id)")
    for attribute in ("id", "name", "status", "state", "organization_id"):
        need(account, "FakeAccount", attribute, str,
             "organization.py (stable ids, the management's name, suspend)")
    if account.describe().get("Status") != account.status:
        moved("FakeAccount.describe()", "no longer answers ListAccounts' Status from .status",
              "organization.py (suspend)")
    organizations_backends.master_accounts.pop(account.id, None)  # an account nobody serves
    iam_backends.pop(account.id, None)
