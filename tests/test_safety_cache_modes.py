"""The inventory cache is private: folders 0700, files 0600, whatever the umask.

The attack: a bastion host where several people share a machine and the umask is the usual
0022. The cache names every function, layer and account the operator can see; with folders
made by a plain ``mkdir`` they come out 0755 and anyone on the host can list and read them.
The promise (issue 12, "Journal, backups and cache: directories 0700, files 0600"): every
folder the cache makes, from ``$XDG_CACHE_HOME/layer-tui`` down, is 0700 and every snapshot
0600, tested through the real ``inventory`` path against the sandbox.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import pytest

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.inventory import scan_inventory
from layer_tui.aws.paths import cache_root
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.archives import ArchiveBuilder

REGION = "eu-west-1"


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_cache_folders_are_0700_and_snapshots_0600_under_a_loose_umask(
    sandbox: Sandbox, loose_umask: None
) -> None:
    lam = sandbox.client("lambda", REGION)
    archive = ArchiveBuilder().add("python/geo/__init__.py", "X = 1\n").build()
    arn = lam.publish_layer_version(LayerName="geo", Content={"ZipFile": archive})[
        "LayerVersionArn"]
    lam.create_function(FunctionName="billing", Runtime="python3.12",
                        Role=sandbox.execution_role_arn, Handler="app.handler", Layers=[arn],
                        Code={"ZipFile": ArchiveBuilder().add("app.py", "pass\n").build()})
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0))
    root = cache_root()
    assert not root.exists()

    InventoryCache(root, endpoint_url=sandbox.endpoint_url).save(
        scan_inventory(session, [REGION]))

    made = [root, *root.rglob("*")]
    folders = [p for p in made if p.is_dir()]
    files = [p for p in made if p.is_file()]
    assert len(folders) >= 2 and files, made  # the root, the account's folder, a snapshot
    loose = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in folders
             if stat.S_IMODE(p.stat().st_mode) != 0o700}
    loose |= {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in files
              if stat.S_IMODE(p.stat().st_mode) != 0o600}
    assert not loose, loose
    assert any(p.suffix == ".json" for p in files)
