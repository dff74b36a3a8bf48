"""Every mutating call goes through here: read-only refusal, the journal, clear errors.

``LayerOperations.mutate`` is the one gate; publish, delete, restore and repin are built on it.
Read-only is enforced here (and again by a botocore hook in ``session``), not just by hiding
keys in the UI.

With several accounts (``accounts``), one ``LayerOperations`` per account shares the journal
and backups: ``for_account`` gives the one whose session is that account's, so each change
goes out with its own account's credentials and is journaled under that account.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.account_reach import AccountReach, account_label, arn_account
from layer_tui.aws.backups import BackupRecord, backup_layer_version
from layer_tui.aws.delete_check import DeleteAssessment, DeleteCheckChanged, assess_delete
from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.guards import TARGET_PARAMETERS, check_account
from layer_tui.aws.journal import Journal, JournalEntry
from layer_tui.aws.journal_entry import BATCH_ACTION
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.paths import backups_root
from layer_tui.aws.session import AwsSession, ReadOnlyError

T = TypeVar("T")


class Cancelled(Exception):
    """The user cancelled long work; nothing was left half done."""


@dataclass(frozen=True)
class DeleteResult:
    arn: str
    backup: BackupRecord


def summarize(response: Any) -> dict[str, Any]:
    """An AWS response as handed to the journal, which keeps of it only the fields its action
    allows (``journal_entry.KEPT``): never environments, code locations or credentials."""
    return response if isinstance(response, dict) else {}


class NoAccountSession(AwsError):
    """A change belongs to an account no session reaches now; nothing was sent to it."""


class LayerOperations:
    """Mutations of one account, each journaled before and after.

    ``accounts``, when several were scanned, reaches the others: delete re-checks consumers in
    all of them, and ``for_account`` hands out each account's own operations.
    """

    def __init__(
        self,
        session: AwsSession,
        journal: Journal | None = None,
        backups: Path | None = None,
        accounts: AccountReach | None = None,
    ) -> None:
        self.session = session
        self.journal = journal or Journal()
        self.backups = backups or backups_root()
        self.accounts = accounts
        self._by_account: dict[str, LayerOperations] = {}

    def for_account(self, account: str) -> LayerOperations:
        """The operations of ``account``: these when it is this session's (or none is named),
        else ones on that account's own session, same journal and backups.

        NoAccountSession when no session reaches it: a change is never sent through another
        account's session, where a function's name would mean another function.
        """
        if not account or account == self.session.account_id():
            return self
        if account not in self._by_account:
            session = self.accounts.get(account) if self.accounts is not None else None
            if session is None:
                raise NoAccountSession(
                    "NoAccountSession",
                    f"no session reaches {account_label(account)} now (its role or profile "
                    "could not be used); nothing was sent to it — start with that account "
                    "too (--profile or --org) to change it",
                )
            self._by_account[account] = LayerOperations(session, self.journal, self.backups,
                                                        self.accounts)
        return self._by_account[account]

    def reachable_accounts(self) -> set[str]:
        """This session's account and every scanned account that could be reached."""
        reached = {self.session.account_id()}
        if self.accounts is not None:
            reached |= {s.account for s in self.accounts.summaries() if s.error is None}
        return reached

    def for_arn(self, arn: str) -> LayerOperations:
        """``for_account`` of the account an ARN names (this one for a plain name)."""
        return self.for_account(arn_account(arn))

    def check_writable(self) -> None:
        if self.session.read_only:
            raise ReadOnlyError(
                "ReadOnly", "layer-tui runs read-only (--read-only): nothing was changed"
            )

    def check_account(self, *arns: Any, doing: str = "the change") -> None:
        """ForeignAccountError, before anything is sent, if an ARN names another account."""
        check_account(self.session.account_id(), arns, doing)

    def mutate(
        self,
        region: str,
        action: str,
        args: dict[str, Any],
        call: Callable[[], T],
        *,
        batch: str | None = None,
        extra: dict[str, Any] | None = None,
        describe_as: str = "",
        target_arn: str | None = None,
    ) -> T:
        """Run one mutating AWS call with the journal around it; errors come out as AwsError.

        ``target_arn`` (else ``extra["arn"]``, the target the journal names) and any ARN among
        ``args``' target parameters must belong to the session's account: a version read under
        one profile is never deleted under another, where its name may mean another version.
        """
        self.check_writable()
        named = [args.get(name) for name in TARGET_PARAMETERS]
        named.append(target_arn or (extra or {}).get("arn"))
        self.check_account(*named, doing=describe_as or action)
        entry = self.journal.before(
            action,
            account=self.session.account_id(),
            profile=self.session.profile_label,
            region=region,
            args=args,
            batch=batch,
            extra=extra,
        )
        try:
            response = call()
        except (ClientError, BotoCoreError, AwsError) as exc:
            failure = describe(exc, describe_as or action)
            self.journal.after(entry, error={"code": error_code(exc), "message": failure.message})
            raise failure from exc
        except Cancelled:
            # Closed here, or the next start would take a cancel for a crash.
            self.journal.after(entry, error={"code": "Cancelled", "message": "cancelled"})
            raise
        self.journal.after(entry, result=summarize(response))
        return response

    # -- batches -------------------------------------------------------------------------------

    def begin_batch(
        self, kind: str, batch: str, region: str, targets: Sequence[str],
        extra: dict[str, Any] | None = None,
    ) -> JournalEntry:
        """Journal a batch's plan before its first call: a crash mid-batch then leaves a record
        of the targets never started, not just of the calls made (see ``recovery``)."""
        self.check_writable()
        return self.journal.before(
            BATCH_ACTION,
            account=self.session.account_id(),
            profile=self.session.profile_label,
            region=region,
            args={"kind": kind, "targets": list(targets)},
            batch=batch,
            extra=extra,
        )

    def end_batch(self, marker: JournalEntry, **counts: int) -> None:
        self.journal.after(marker, result=dict(counts))

    # -- delete ------------------------------------------------------------------------------

    def delete_layer_version(
        self,
        version: LayerVersion,
        confirmed: DeleteAssessment | None = None,
        *,
        batch: str | None = None,
    ) -> DeleteResult:
        """Re-read who depends on the version, back it up (verified), then delete it.

        ``confirmed`` is the assessment the user was shown and accepted; ``None`` accepts
        nobody. Right before the backup everything is read again from AWS and the journal
        (``delete_check``): a consumer, grant or undo dependency the user was not shown raises
        ``DeleteCheckChanged`` with the fresh reading, and nothing is deleted. If the backup
        cannot be made or does not verify, nothing is deleted either.
        """
        self.check_writable()
        owner = arn_account(version.arn)
        if self.accounts is not None and owner and owner != self.session.account_id():
            # Another scanned account's version: deleted by that account's own session.
            return self.for_account(owner).delete_layer_version(version, confirmed, batch=batch)
        self.check_account(version.arn, doing=f"deleting {version.layer_name}:{version.version}")
        # Published versions always count here, whatever the scan was told (--latest-only
        # trades completeness of a view for speed, never the safety of a delete). With several
        # accounts, every one of them is read again, each through its own session.
        fresh = assess_delete(self.session, self.journal, version, accounts=self.accounts)
        news = fresh.news_since(confirmed or DeleteAssessment(version.arn))
        if news.needs_typed_name:
            raise DeleteCheckChanged(fresh, news)
        client = self.session.client("lambda", version.region)
        record = backup_layer_version(
            client, self.session.account_id(), version.arn, root=self.backups
        )
        self.mutate(
            version.region,
            "DeleteLayerVersion",
            {"LayerName": version.layer_name, "VersionNumber": version.version},
            lambda: client.delete_layer_version(
                LayerName=version.layer_name, VersionNumber=version.version
            ),
            batch=batch,
            extra={"arn": version.arn, "backup": str(record.folder),
                   "consumers": [c.qualified_arn for c in fresh.consumers],
                   "grants": [g.principal for g in fresh.grants],
                   "undo_batches": [d.batch for d in fresh.undo_batches],
                   # Accounts the user deleted without their answer (typed name): on record.
                   "unchecked": [u.account for u in fresh.unchecked]},
            describe_as=f"deleting {version.layer_name}:{version.version}",
        )
        return DeleteResult(version.arn, record)


def plan_keep_newest(
    versions: Sequence[LayerVersion],
    keep: int,
    assessments: Mapping[str, DeleteAssessment] | None = None,
) -> list[LayerVersion]:
    """Versions to delete when keeping the newest ``keep``: only old ones nothing depends on.

    With ``assessments`` (live readings by ARN) a version is planned only if its reading is
    empty: no consumer (published versions included), no grant to others, no undo that needs
    it. Without, only the versions' own (cached) consumers are known.
    """
    if keep < 1:
        raise ValueError("keep at least the newest version")
    newest_first = sorted(versions, key=lambda v: v.version, reverse=True)

    def free(version: LayerVersion) -> bool:
        reading = (assessments or {}).get(version.arn)
        if reading is not None:
            return reading.is_empty
        return not version.consumers

    return [v for v in newest_first[keep:] if free(v)]
