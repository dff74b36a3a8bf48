"""Command line: argument parsing, exit codes and one-line errors. No logic lives here."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from layer_tui import __version__
from layer_tui.cli_validation import UsageError, account_ids
from layer_tui.cli_validation import validate as _validate
from layer_tui.safe_text import visible_line

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

_INVALID_COMMAND = re.compile(r"^argument command: invalid choice: (.+?) \(choose from (.+)\)$")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        unknown = _INVALID_COMMAND.match(message)
        if unknown:
            names = [c.strip(" '") for c in unknown[2].split(",")]
            choices = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)
            message = f"unknown command {unknown[1]}; the commands are {choices}"
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    # Sub-command copies use SUPPRESS so an option given before the command is not reset by
    # the sub-parser's default: global options work before or after the command.
    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--profile", metavar="NAME", action="append", default=default(None),
                        help="AWS profile to use (default: the usual boto3 chain); repeat it "
                             "to see several accounts at once")
    parser.add_argument("--org", action="store_true", default=default(False),
                        help="every account of the caller's AWS Organization, through a role "
                             "assumed in each (run from the management or a delegated-admin "
                             "account)")
    parser.add_argument("--role-name", metavar="NAME", default=default(None),
                        help="with --org: the role to assume in each account (default "
                             "OrganizationAccountAccessRole)")
    parser.add_argument("--accounts", metavar="ID,...", default=default(None),
                        help="with --org: only these accounts")
    parser.add_argument("--exclude-accounts", metavar="ID,...", default=default(None),
                        help="with --org: leave these accounts out")
    parser.add_argument("--index", metavar="config:AGGREGATOR", default=default(None),
                        help="also answer who uses a version from an AWS Config aggregator "
                             "(config:NAME, or config:NAME@REGION): functions in accounts not "
                             "scanned, as of Config's last recording; changes still re-check live")
    parser.add_argument("--region", metavar="R", action="append", default=default(None),
                        help="region to scan; repeatable (default: every enabled region)")
    parser.add_argument("--endpoint-url", metavar="URL", default=default(None),
                        help="a non-AWS endpoint (AWS_ENDPOINT_URL is honoured too)")
    parser.add_argument("--read-only", action="store_true", default=default(False),
                        help="never change anything: mutating keys are absent")
    parser.add_argument("--latest-only", action="store_true", default=default(False),
                        help="count only functions' $LATEST as consumers (faster; published "
                             "versions and their aliases go unseen, and the output says so)")
    parser.add_argument("--demo", action="store_true", default=default(False),
                        help="start the embedded sandbox and use it (no AWS account needed); "
                             "its changes are kept, apart from any real account's, until "
                             "--demo --reset")
    parser.add_argument("--reset", action="store_true", default=default(False),
                        help="with --demo: forget the demo's changes, journal, backups and "
                             "cache, and start from the seed")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="layer-tui", description="Operate AWS Lambda layers from a terminal.")
    parser.add_argument("--version", action="version", version=f"layer-tui {__version__}")
    _add_global_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    inventory = commands.add_parser("inventory", help="every region's layers and consumers")
    inventory.add_argument("--json", action="store_true", help="print JSON (PRODUCT.md shape)")
    # Published versions are counted by default now; the old flag is still accepted.
    inventory.add_argument("--all-versions", action="store_true", help=argparse.SUPPRESS)
    _add_global_options(inventory, defaults=False)
    inspect = commands.add_parser("inspect", help="what is inside one layer version")
    inspect.add_argument("arn", metavar="LAYER_VERSION_ARN")
    inspect.add_argument("--json", action="store_true", help="print JSON (PRODUCT.md shape)")
    _add_global_options(inspect, defaults=False)
    function = commands.add_parser("function", help="one function's layers merged under /opt")
    function.add_argument("target", metavar="NAME_OR_ARN")
    function.add_argument("--json", action="store_true", help="print JSON")
    _add_global_options(function, defaults=False)
    backups = commands.add_parser("backups", help="the backups deletes made, this account's")
    backups.add_argument("--json", action="store_true", help="print JSON")
    _add_global_options(backups, defaults=False)
    restore = commands.add_parser("restore", help="publish a verified backup again")
    restore.add_argument("backup_dir", metavar="BACKUP_DIR")
    restore.add_argument("--again", action="store_true",
                         help="restore a backup that was restored before (one more copy)")
    restore.add_argument("--json", action="store_true", help="print JSON")
    _add_global_options(restore, defaults=False)
    pull = commands.add_parser("pull", help="a function's /opt (or one version), to run locally")
    pull.add_argument("target", metavar="NAME_OR_ARN",
                      help="a function name or ARN, or a layer version ARN")
    pull.add_argument("--to", metavar="DIR", required=True, help="a new or empty folder")
    _add_global_options(pull, defaults=False)
    return parser


def _fail(message: str, code: int) -> int:
    from layer_tui.aws.errors import redact  # the one redaction step, for every line too

    # Messages quote AWS and zip text; stderr is a terminal too.
    print(f"layer-tui: {visible_line(redact(message))}", file=sys.stderr)
    return code


#: Set by a command whose every result is written and every thread finished when it returns:
#: the ``layer-tui`` process may then leave without the interpreter's teardown.
_nothing_left_to_do = False
#: Whether ``main`` runs as the ``layer-tui`` process (``run``), not called by a test.
_as_the_process = False


def run() -> NoReturn:
    """The ``layer-tui`` command: ``main``, and its exit code.

    After ``inventory``, freeing what the interpreter built (every function of every region,
    object by object) and joining idle pool threads took 0.15 s of the process's time, after
    the output was complete. That command flushes what it wrote and leaves at once; every
    other command (the TUI above all, whose cache writes may still be running) exits as usual.
    """
    global _as_the_process
    _as_the_process = True
    code = main()
    if _nothing_left_to_do:
        _leave(code)
    sys.exit(code)


def _leave(code: int) -> NoReturn:
    """Flush what was written and end the process now: no teardown, no waiting for threads."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader left: nothing more to deliver
    except OSError as exc:
        _fail(f"writing the output failed: {exc.strerror or exc}; nothing was changed", 0)
        code = code or EXIT_FAILURE
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(code)


def _reader_left() -> int:
    """stdout's reader went away (``| head``): not an error, and nothing more to write."""
    if _as_the_process:
        # Whatever is still buffered goes nowhere, and the scan still running is not waited
        # for (a process exit would wait for its pool, then fail to flush the buffer).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _leave(EXIT_OK)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    global _nothing_left_to_do
    _nothing_left_to_do = False
    try:
        args = build_parser().parse_args(argv)
        _validate(args)
        return _run(args)
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        return _reader_left()
    except Exception as exc:  # a bug of ours: still one line, the traceback on request
        if os.environ.get("LAYER_TUI_TRACEBACK"):
            raise
        said = " ".join(str(exc).split())
        return _fail(f"unexpected error ({type(exc).__name__}: {said}); rerun with "
                     "LAYER_TUI_TRACEBACK=1 to see where, and please report it", EXIT_FAILURE)


#: AwsError codes that mean the user asked for something that is not there: bad input.
_USAGE_CODES = frozenset({"ProfileNotFound", "NoRegion", "InvalidEndpoint"})


def _run(args: argparse.Namespace) -> int:
    # Imported here so that `--help` and usage errors answer without loading boto3.
    from botocore.exceptions import BotoCoreError, ClientError

    from layer_tui.aws.errors import AwsError, describe
    from layer_tui.aws.session import DEFAULT_ROLE_NAME, SessionConfig

    sandbox = None
    endpoint = args.endpoint_url
    if args.demo:
        from layer_tui.aws import paths

        # Before anything opens a journal, a backup or the cache: the demo's are its own.
        paths.use_demo_state()
        if args.reset:
            paths.reset_demo_state()
    try:
        if args.demo and args.command:  # the TUI starts it behind its first screen
            from layer_tui.aws.paths import demo_tape_path
            from layer_tui.sandbox.demo import start_demo

            sandbox = start_demo(demo_tape_path())
            endpoint = sandbox.endpoint_url
        profiles = tuple(dict.fromkeys(args.profile or ()))
        config = SessionConfig(
            profile=profiles[0] if profiles else None,
            profiles=profiles if len(profiles) > 1 else (),
            org=args.org,
            role_name=args.role_name or DEFAULT_ROLE_NAME,
            accounts=account_ids(args.accounts),
            exclude_accounts=account_ids(args.exclude_accounts),
            endpoint_url=endpoint,
            regions=tuple(dict.fromkeys(args.region or ())),
            read_only=args.read_only,
            demo=args.demo,
            latest_only=args.latest_only,
            index=args.index,
        )
        command: Callable[[argparse.Namespace, SessionConfig], int] = {
            "inventory": _inventory,
            "inspect": _inspect,
            "function": _function,
            "backups": _backups,
            "restore": _restore,
            "pull": _pull,
        }.get(args.command or "", _tui)
        return command(args, config)
    except (AwsError, BotoCoreError, ClientError) as exc:
        error = describe(exc)
        return _fail(str(error), EXIT_USAGE if error.code in _USAGE_CODES else EXIT_FAILURE)
    finally:
        if sandbox is not None:
            sandbox.stop()
        if args.demo:  # a caller in this process (a test) gets the real paths back
            from layer_tui.aws import paths

            paths.use_demo_state(False)


def _inventory(args: argparse.Namespace, config: Any) -> int:
    import gc

    # A short run that builds a few hundred thousand objects and frees few: the collector's
    # default (a pass every 700 allocations, the long-lived heap walked again and again) cost
    # more processor time than the JSON itself. Everything imported so far is never garbage.
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    global _nothing_left_to_do
    try:
        if config.org or config.profiles:
            from layer_tui.cli_org import accounts_inventory

            code = accounts_inventory(args, config)
        else:
            from layer_tui.cli_inventory import account_inventory

            code = account_inventory(args, config)
        # Written, cached and every pool joined: nothing is left for a teardown to finish.
        _nothing_left_to_do = True
        return code
    finally:
        # In a process of its own this hardly matters; called in-process (tests), it must.
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _inspect(args: argparse.Namespace, config: Any) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from layer_tui.aws.errors import AwsError, describe, error_code
    from layer_tui.aws.inspection import inspect_layer_version
    from layer_tui.aws.session import AwsSession
    from layer_tui.cli_output import inspect_text

    session = AwsSession(config)
    region = args.arn.split(":")[3]
    try:
        report = inspect_layer_version(
            session.client("lambda", region), args.arn,
            # Only for a version kept in its owner's bucket (S3ObjectStorageMode=REFERENCE).
            s3_client=lambda: session.client("s3", region),
        )  # fmt: skip
    except (BotoCoreError, ClientError) as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise UsageError(
                f"layer version {args.arn} does not exist (deleted?); "
                "list the versions there are with 'layer-tui inventory'"
            ) from exc
        raise describe(exc, f"inspecting {args.arn}") from exc
    if report.access_error is not None:
        # The content host failed us, not the layer: a runtime failure, in one line.
        raise AwsError("ContentUnreachable", f"inspecting {args.arn}: {report.access_error}")
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2, ensure_ascii=True)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(inspect_text(report))
    return EXIT_OK


def _function(args: argparse.Namespace, config: Any) -> int:
    from layer_tui.cli_function import function_command

    return function_command(args, config)


def _backups(args: argparse.Namespace, config: Any) -> int:
    from layer_tui.cli_backups import backups_command

    return backups_command(args, config)


def _restore(args: argparse.Namespace, config: Any) -> int:
    from layer_tui.cli_backups import restore_command

    return restore_command(args, config)


def _pull(args: argparse.Namespace, config: Any) -> int:
    from layer_tui.cli_pull import pull_command

    return pull_command(args, config)


def _tui(args: argparse.Namespace, config: Any) -> int:
    from layer_tui.ui.launch import run_tui

    return int(run_tui(config))


if __name__ == "__main__":  # pragma: no cover
    run()
