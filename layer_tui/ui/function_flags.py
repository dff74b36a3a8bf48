"""Flags a function carries in the tables, from the inventory alone (no extra AWS call).

The same words as the function screen and ``layer-tui function`` use (``aws.merged_opt``), so
``/deleted`` filters every table alike: ``deleted`` (a layer version of this account that no
longer exists: the next deploy fails), ``architecture`` and ``runtime`` (a layer that does not
declare the function's), ``budget`` (code and layers near or over Lambda's 262,144,000 bytes,
counted zipped here: a lower bound of the unzipped total the limit is about).
"""

from __future__ import annotations

from layer_tui.aws.checks import UNZIPPED_LIMIT, WARN_SHARE
from layer_tui.aws.models import FunctionRef
from layer_tui.aws.opt_findings import ARCHITECTURE, DELETED, RUNTIME
from layer_tui.ui.formatting import LayerVersionArn
from layer_tui.ui.state import LayerIndex

BUDGET = "budget"


def layer_flags(
    function: FunctionRef, layer_version_arn: str, index: LayerIndex, account: str
) -> tuple[str, ...]:
    """What is wrong with one layer of ``function``, as far as the inventory knows."""
    parsed = LayerVersionArn.parse(layer_version_arn)
    version = index.versions.get(layer_version_arn)
    if version is None:
        # Ours and not among the versions listed: deleted (another account's is unknown).
        ours = account and f":{account}:" in parsed.layer_arn
        return (DELETED,) if ours else ()
    flags = []
    declared = set(version.compatible_architectures)
    if declared and not declared & set(function.architectures or ("x86_64",)):
        flags.append(ARCHITECTURE)
    if version.compatible_runtimes and function.runtime and (
        function.runtime not in version.compatible_runtimes
    ):
        flags.append(RUNTIME)
    return tuple(flags)


def zipped_total(function: FunctionRef) -> int:
    return function.code_size + sum(function.layer_sizes)


def function_flags(function: FunctionRef, index: LayerIndex, account: str) -> tuple[str, ...]:
    """Every flag of any of its layers, in a fixed order, then ``budget``."""
    found = {f for arn in function.layers for f in layer_flags(function, arn, index, account)}
    flags = [f for f in (DELETED, ARCHITECTURE, RUNTIME) if f in found]
    if zipped_total(function) > UNZIPPED_LIMIT * WARN_SHARE:
        flags.append(BUDGET)
    return tuple(flags)


__all__ = ["BUDGET", "function_flags", "layer_flags", "zipped_total"]
