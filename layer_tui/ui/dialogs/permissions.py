"""``A`` on a version: who else may use it (its policy, read live), grant, revoke, undo.

The policy is read when the dialog opens and after every change: accounts, organizations and
everyone, each statement by id, with a finding when everyone can read the code. A grant is
previewed as it is typed (``lambda:GetLayerVersion`` to an account id, an organization ``o-…``
or ``*``); granting ``*`` without an organization lets every AWS account download the layer, so
it needs the version's name typed, like a delete that hurts someone. A revoke and an undo are
previewed by a first press and applied by a second. Every change goes through
``aws.permissions`` (journaled, undoable); in read-only the policy shows and nothing else.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from layer_tui.aws.errors import describe
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.permissions import (
    GrantPlan,
    PermissionChange,
    PermissionInputError,
    VersionPolicy,
    VersionRef,
    grant_permission,
    last_permission_change,
    plan_grant,
    read_policy,
    revoke_permission,
    undo_permission_change,
)
from layer_tui.safe_text import visible_line
from layer_tui.ui.dialogs.base import StatusLine


def statement_line(policy: VersionPolicy, index: int) -> str:
    statement = policy.statements[index]
    who = statement.grant.describe() if statement.grant else "this account only"
    return visible_line(f"{statement.sid}: {who}")


class PermissionsDialog(ModalScreen[bool]):
    """A version's policy and the changes to it; dismisses True if anything changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="permissions.close"),
        Binding("ctrl+s", "grant", "Grant", id="permissions.grant"),
    ]
    DEFAULT_CSS = """
    PermissionsDialog {
        align: center middle;
        & > Vertical {
            width: 96; height: auto; max-height: 90%; padding: 1 2;
            border: round $primary; background: $surface;
        }
        & OptionList { height: auto; max-height: 10; }
        & #permissions-finding { color: $text-warning; height: auto; }
        & #permissions-confirm { display: none; }
        & #permissions-confirm.-needed { display: block; border: tall $error; }
        & Horizontal { height: auto; align-horizontal: right; }
    }
    """

    def __init__(self, ops: LayerOperations, version: VersionRef) -> None:
        super().__init__()
        self.ops = ops
        self.version = version
        self.policy: VersionPolicy | None = None
        self.changed = False
        #: A revoke or undo shown by a first press and applied by a second.
        self._pending: tuple[str, Any] | None = None

    @property
    def read_only(self) -> bool:
        return bool(self.ops.session.read_only)

    def compose(self) -> ComposeResult:
        with Vertical() as frame:
            frame.border_title = f"Who may use {visible_line(self.version.label)}"
            yield Label("reading the policy\N{HORIZONTAL ELLIPSIS}", id="permissions-summary")
            yield OptionList(id="permissions-statements")
            yield Label("", id="permissions-finding")
            if not self.read_only:
                yield Input(placeholder="grant lambda:GetLayerVersion to: account id, o-… or *",
                            id="permissions-who")
                yield Label("", id="permissions-preview")
                yield Input(placeholder=f"type {self.version.label} to grant to everyone",
                            id="permissions-confirm")
            yield StatusLine(id="permissions-status")
            with Horizontal():
                yield Button("Close", id="permissions-close")
                if not self.read_only:
                    yield Button("Undo last", id="permissions-undo")
                    yield Button("Revoke selected", variant="error", id="permissions-revoke")
                    yield Button("Grant (ctrl+s)", variant="primary", id="permissions-grant")

    def on_mount(self) -> None:
        self._load()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#permissions-status", StatusLine)

    # -- reading ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="permissions-read", exit_on_error=False)
    def _load(self) -> None:
        try:
            client = self.ops.session.client("lambda", self.version.region)
            policy = read_policy(client, self.version, self.ops.session.account_id())
        except Exception as exc:  # one line, never a traceback
            line = str(describe(exc, f"reading the policy of {self.version.label}"))
            self.app.call_from_thread(self.status.say, line, "error")
            return
        self.app.call_from_thread(self._show_policy, policy)

    def _show_policy(self, policy: VersionPolicy) -> None:
        self.policy = policy
        options = self.query_one("#permissions-statements", OptionList)
        options.clear_options()
        options.add_options([Option(Content(statement_line(policy, i)), id=s.sid)
                             for i, s in enumerate(policy.statements)])
        if policy.statements:
            options.highlighted = 0  # Revoke acts on the first until another is chosen
        kinds = [g.kind for g in policy.grants]
        summary = (f"{kinds.count('account')} account(s), {kinds.count('organization')} "
                   f"organization(s), {'everyone' if policy.public else 'not public'}"
                   if policy.statements else "no policy: only this account may use it")
        self.query_one("#permissions-summary", Label).update(Content(summary))
        finding = " ".join(f.message for f in policy.findings())
        self.query_one("#permissions-finding", Label).update(Content(visible_line(finding)))

    # -- granting -----------------------------------------------------------------------------

    def _plan(self) -> GrantPlan | None:
        who = self.query_one("#permissions-who", Input).value
        return plan_grant(self.version, who, self.ops.session.account_id()) if who.strip() \
            else None

    @on(Input.Changed, "#permissions-who")
    def _who_typed(self) -> None:
        self._pending = None
        preview = self.query_one("#permissions-preview", Label)
        confirm = self.query_one("#permissions-confirm", Input)
        try:
            plan = self._plan()
        except PermissionInputError as refused:
            preview.update(Content(visible_line(str(refused))))
            confirm.set_class(False, "-needed")
            return
        preview.update(Content(visible_line(plan.describe()) if plan else ""))
        confirm.set_class(bool(plan and plan.everyone), "-needed")

    @on(Input.Submitted, "#permissions-who")
    @on(Input.Submitted, "#permissions-confirm")
    @on(Button.Pressed, "#permissions-grant")
    def action_grant(self) -> None:
        if self.read_only:
            return
        try:
            plan = self._plan()
        except PermissionInputError as refused:
            self.status.say(str(refused), "error")
            return
        if plan is None:
            self.status.say("say whom to grant: an account id, o-… or *", "error")
            return
        if plan.everyone and not self._typed_name():
            self.query_one("#permissions-confirm", Input).focus()
            self.status.say(f"granting to everyone lets any AWS account download this layer: "
                            f"type {self.version.label} to confirm (nothing was granted)",
                            "warning")
            return
        self._apply(lambda: grant_permission(self.ops, plan), f"granted: {plan.describe()}")

    def _typed_name(self) -> bool:
        return self.query_one("#permissions-confirm", Input).value.strip() == self.version.label

    # -- revoking and undoing -----------------------------------------------------------------

    @on(Button.Pressed, "#permissions-revoke")
    def revoke_selected(self) -> None:
        options = self.query_one("#permissions-statements", OptionList)
        if self.policy is None or options.highlighted is None:
            self.status.say("select a statement to revoke first", "warning")
            return
        statement = self.policy.statements[options.highlighted]
        if self._pending != ("revoke", statement.sid):
            self._pending = ("revoke", statement.sid)
            self.status.say(f"revoke {statement_line(self.policy, options.highlighted)}? "
                            "press Revoke again to confirm", "warning")
            return
        self._apply(lambda: revoke_permission(self.ops, self.version, statement.sid),
                    f"revoked {statement.sid}")

    @on(Button.Pressed, "#permissions-undo")
    def undo_last(self) -> None:
        change = last_permission_change(self.ops, self.version.arn)
        if change is None:
            self.status.say(f"no grant or revoke of {self.version.label} to undo", "warning")
            return
        plan = change.undo_plan()
        if plan is not None and plan.everyone and not self._typed_name():
            self.query_one("#permissions-confirm", Input).add_class("-needed")
            self.status.say(f"{change.describe_undo()}: type {self.version.label} to confirm",
                            "warning")
            return
        if self._pending != ("undo", change.entry.id):
            self._pending = ("undo", change.entry.id)
            self.status.say(f"{change.describe_undo()}? press Undo again to confirm", "warning")
            return
        self._undo(change)

    def _undo(self, change: PermissionChange) -> None:
        self._apply(lambda: undo_permission_change(self.ops, change), change.describe_undo())

    # -- applying -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="permissions-change", exit_on_error=False)
    def _apply(self, change: Any, done: str) -> None:
        self._pending = None
        try:
            said = change()
        except Exception as exc:  # one line, never a traceback
            self.app.call_from_thread(self.status.say, str(describe(exc)), "error")
            return
        self.changed = True
        line = said if isinstance(said, str) else done
        self.app.call_from_thread(self.status.say, line, "success")
        self.app.call_from_thread(self._load)

    @on(Button.Pressed, "#permissions-close")
    def action_close(self) -> None:
        self.dismiss(self.changed)


__all__ = ["PermissionsDialog"]
