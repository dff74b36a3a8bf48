"""``inventory --json`` is written in pieces, one layer version a line, and is the same document.

The attack (on time): ``json.dump(..., indent=2)`` runs Python's pure-Python encoder over the
whole inventory, seconds at 16,000 functions, and holds the process until all of it is done.
The promises tested here:

- the output parses to exactly the model's ``to_json()`` (PRODUCT.md's shape), in ASCII with
  control and bidi characters escaped;
- each layer version, consumers and all, is one line of its own (written as it is encoded,
  and a version's line is what ``grep ARN`` finds).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from layer_tui.aws.inventory import assemble_region
from layer_tui.aws.models import FunctionRef, Inventory, LayerVersion, RegionInventory
from layer_tui.cli_output import write_inventory_json

ACCOUNT = "123456789012"


def _region(name: str) -> RegionInventory:
    layer = f"arn:aws:lambda:{name}:{ACCOUNT}:layer:geo"
    versions = [LayerVersion("geo", n, f"{layer}:{n}", layer, name,
                             "2026-11-22T19:00:00.000+0000", 300 + n, None,
                             "evil \x1b[31m\u202e description", None, ("python3.12",))
                for n in (1, 2, 3)]
    functions = [FunctionRef(f"svc-{n}", f"arn:aws:lambda:{name}:{ACCOUNT}:function:svc-{n}",
                             q, "python3.12", ("x86_64",), name,
                             layers=(f"{layer}:{1 + n % 2}",
                                     f"arn:aws:lambda:{name}:464622532012:layer:Vendor:9"),
                             aliases=("prod",) if q == "1" else ())
                 for n in range(5) for q in ("$LATEST", "1")]
    return assemble_region(name, ACCOUNT, [versions], {}, functions, True)


def _inventory() -> Inventory:
    return Inventory(ACCOUNT, datetime(2026, 11, 22, 19, tzinfo=UTC),
                     (_region("eu-west-1"), _region("eu-north-1")))


def test_the_stream_is_the_same_document_one_version_a_line() -> None:
    inventory = _inventory()
    out = io.StringIO()
    write_inventory_json(inventory.account, inventory.generated_at, inventory.regions, out)
    text = out.getvalue()
    assert json.loads(text) == inventory.to_json()
    assert text.isascii() and "\x1b" not in text and "\\u001b" in text
    for region in inventory.regions:
        for layer in region.layers:
            for version in layer.versions:
                (line,) = [x for x in text.splitlines() if f'"arn": "{version.arn}"' in x]
                assert json.loads(line.strip().rstrip(",")) == version.to_json()
        # An external layer's consumers: one line each.
        (external,) = region.external_layers
        for consumer in external.consumers:
            assert json.dumps(consumer.to_json(), separators=(", ", ": ")) in text
