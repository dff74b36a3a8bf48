"""Command line: argument parsing, exit codes and one-line errors. No logic lives here."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn
from urllib.parse import urlparse

from layer_tui import __version__

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
_LAYER_VERSION_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}:\d{12}"
    r":layer:[a-zA-Z0-9-_]{1,140}:[0-9]+$"
)


class UsageError(Exception):
    """Bad usage or bad input: exit code 2, one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see 'layer-tui --help')")


def _add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    # Sub-command copies use SUPPRESS so an option given before the command is not reset by
    # the sub-parser's default: global options work before or after the command.
    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--profile", metavar="NAME", default=default(None),
                        help="AWS profile to use (default: the usual boto3 chain)")
    parser.add_argument("--region", metavar="R", action="append", default=default(None),
                        help="region to scan; repeatable (default: every enabled region)")
    parser.add_argument("--endpoint-url", metavar="URL", default=default(None),
                        help="a non-AWS endpoint (AWS_ENDPOINT_URL is honoured too)")
    parser.add_argument("--read-only", action="store_true", default=default(False),
                        help="never change anything: mutating keys are absent")
    parser.add_argument("--demo", action="store_true", default=default(False),
                        help="start the embedded sandbox and use it (no AWS account needed)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="layer-tui", description="Operate AWS Lambda layers from a terminal.")
    parser.add_argument("--version", action="version", version=f"layer-tui {__version__}")
    _add_global_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    inventory = commands.add_parser("inventory", help="every region's layers and consumers")
    inventory.add_argument("--json", action="store_true", help="print JSON (PRODUCT.md shape)")
    inventory.add_argument("--all-versions", action="store_true",
                           help="count published function versions as consumers too")
    _add_global_options(inventory, defaults=False)
    inspect = commands.add_parser("inspect", help="what is inside one layer version")
    inspect.add_argument("arn", metavar="LAYER_VERSION_ARN")
    inspect.add_argument("--json", action="store_true", help="print JSON (PRODUCT.md shape)")
    _add_global_options(inspect, defaults=False)
    return parser


def _validate(args: argparse.Namespace) -> None:
    for region in args.region or ():
        if not _REGION.match(region):
            raise UsageError(
                f"--region {region!r} is not a region name; use a name like eu-west-1"
            )
    if args.endpoint_url:
        url = urlparse(args.endpoint_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise UsageError(
                f"--endpoint-url {args.endpoint_url!r} is not an http(s) URL; "
                "use e.g. http://127.0.0.1:5000"
            )
    if args.demo and (args.endpoint_url or args.profile):
        raise UsageError("--demo runs its own sandbox; leave out --endpoint-url and --profile")
    if getattr(args, "arn", None) and not _LAYER_VERSION_ARN.match(args.arn):
        raise UsageError(
            f"{args.arn!r} is not a layer version ARN; expected "
            "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION"
        )
    if getattr(args, "arn", None) and len(args.arn) > 140:
        raise UsageError("a layer version ARN is at most 140 characters")


def _fail(message: str, code: int) -> int:
    print(f"layer-tui: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        _validate(args)
        return _run(args)
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    # Imported here so that `--help` and usage errors answer without loading boto3.
    from layer_tui.aws.errors import AwsError
    from layer_tui.aws.session import SessionConfig

    sandbox = None
    endpoint = args.endpoint_url
    try:
        if args.demo:
            from layer_tui.sandbox.demo import start_demo

            sandbox = start_demo()
            endpoint = sandbox.endpoint_url
        config = SessionConfig(
            profile=args.profile,
            endpoint_url=endpoint,
            regions=tuple(dict.fromkeys(args.region or ())),
            read_only=args.read_only,
            demo=args.demo,
        )
        command: Callable[[argparse.Namespace, SessionConfig], int] = {
            "inventory": _inventory,
            "inspect": _inspect,
        }.get(args.command or "", _tui)
        return command(args, config)
    except AwsError as exc:
        usage = exc.code in ("ProfileNotFound", "NoRegion")
        return _fail(str(exc), EXIT_USAGE if usage else EXIT_FAILURE)
    finally:
        if sandbox is not None:
            sandbox.stop()


def _inventory(args: argparse.Namespace, config: Any) -> int:
    from layer_tui.aws.cache import InventoryCache
    from layer_tui.aws.inventory import scan_inventory
    from layer_tui.aws.session import AwsSession
    from layer_tui.cli_output import inventory_table

    session = AwsSession(config)
    cache = InventoryCache(endpoint_url=session.endpoint_label)
    regions = session.discover_regions()
    known = cache.known_versions(session.account_id(), regions)
    inventory = scan_inventory(
        session, regions, all_versions=args.all_versions, known_versions=known
    )
    cache.save(inventory)
    if args.json:
        json.dump(inventory.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(inventory_table(inventory))
    failed = [r for r in inventory.regions if r.error]
    for region in failed:
        assert region.error is not None
        print(f"layer-tui: {region.region}: {region.error.message}", file=sys.stderr)
    return EXIT_FAILURE if failed and len(failed) == len(inventory.regions) else EXIT_OK


def _inspect(args: argparse.Namespace, config: Any) -> int:
    from layer_tui.aws.inspection import inspect_layer_version
    from layer_tui.aws.session import AwsSession
    from layer_tui.cli_output import inspect_text

    session = AwsSession(config)
    region = args.arn.split(":")[3]
    report = inspect_layer_version(session.client("lambda", region), args.arn)
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(inspect_text(report))
    return EXIT_OK


def _tui(args: argparse.Namespace, config: Any) -> int:
    from layer_tui.ui.app import run_tui

    return int(run_tui(config))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
