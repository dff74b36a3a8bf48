"""Publishing a layer version: a form, a preview computed in a worker, then ctrl+s.

The preview zips the source (deterministically, as it will be sent) and runs the same checks
as ``inspect`` on its entries, so layout mistakes show before anything exists in AWS. Over the
direct-upload limit a same-region S3 bucket is asked for. Cancelling during the upload leaves
nothing published (``publish_layer_version`` removes the staged object). A new version starts
with no permissions, so afterwards the dialog offers to copy the previous version's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, Input, ProgressBar, Select, SelectionList, Static

from layer_tui.aws.findings import Finding
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.operations import Cancelled, LayerOperations
from layer_tui.aws.publishing import (
    ARCHITECTURES,
    InvalidInput,
    PreparedArchive,
    PublishRequest,
    known_runtimes,
    prepare_archive,
    publish_layer_version,
    validate_layer_name,
)
from layer_tui.safe_text import visible_line
from layer_tui.ui.dialogs.base import OperationDialog, StatusLine
from layer_tui.ui.dialogs.publish_permissions import grant_again, previous_grants
from layer_tui.ui.dialogs.publish_preview import landing_line, preview_findings
from layer_tui.ui.dialogs.restore import RestoreDialog
from layer_tui.ui.formatting import size
from layer_tui.ui.runtimes import RuntimePicker, TickList
from layer_tui.ui.workers import in_thread

_DEBOUNCE = 0.4
_LEVEL_STYLE = {"error": "$text-error", "warning": "$text-warning", "info": "$text-muted"}


class PublishDialog(OperationDialog):
    """Publish a new version of ``layer_name`` (or a new layer); True once published.

    ``latest`` (the layer's newest build) prefills description, license, runtimes and
    architectures: a new version nearly always keeps them. ``regions`` are offered, ``region``
    (where the cursor is) chosen; account, region and layer are named above the buttons.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "publish", "Publish", priority=True, id="publish.apply"),
    ]

    def __init__(self, ops: LayerOperations, region: str, layer_name: str | None = None,
                 *, latest: LayerVersion | None = None, regions: Sequence[str] = ()) -> None:
        super().__init__(ops)
        self.region_name = region
        self.regions = tuple(dict.fromkeys((region, *regions)))
        self.latest = latest
        self.initial_name = layer_name or (latest.layer_name if latest else "")
        self.account: str | None = None
        # The first field the user must fill gets the focus from the start (keys typed
        # while the dialog opens land there): the name for a new layer, else the source.
        # Textual reads it from the instance; its stubs declare it a ClassVar.
        self.AUTO_FOCUS = "#source" if self.initial_name else "#name"  # type: ignore[misc]
        #: The source whose preview failed, and why: ctrl+s repeats that, not "wait".
        self._preview_error: tuple[str, str] | None = None
        self.prepared: PreparedArchive | None = None
        self.prepared_source = ""
        self.findings: tuple[Finding, ...] = ()
        self._preview_key: tuple[object, ...] | None = None
        self._debounce: Timer | None = None
        self._copy_from: tuple[int, list[dict[str, Any]]] | None = None
        self.published: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            frame.border_title = (f"Publish a new version of {self.initial_name}"
                                  if self.initial_name else "Publish a layer version")
            with VerticalScroll(id="form"):
                yield Static(Content("Region"), classes="field-label")
                yield Select([(r, r) for r in self.regions], value=self.region_name,
                             allow_blank=False, id="region")
                yield Static(Content("Layer name"), classes="field-label")
                yield Input(self.initial_name, id="name", placeholder="letters, digits, - and _")
                yield StatusLine(id="name-check")
                yield Static(Content("Source: a directory or a .zip"), classes="field-label")
                yield Input(id="source", placeholder="./build/layer")
                yield Static(Content("Description"), classes="field-label")
                latest = self.latest
                yield Input(latest.description if latest else "", id="description",
                            max_length=256)
                yield Static(Content("License"), classes="field-label")
                yield Input((latest.license or "") if latest else "", id="license",
                            max_length=512)
                yield Static(Content("Compatible runtimes"), classes="field-label")
                yield RuntimePicker(known_runtimes(), self._prefilled("runtimes"),
                                    id="runtime-picker")
                yield Static(Content("Architectures"), classes="field-label")
                arches = self._prefilled("architectures")
                yield TickList(*[(a, a, a in arches) for a in ARCHITECTURES],
                               id="architectures")
                yield Static(Content("S3 bucket (same region) for archives over 50 MB"),
                             classes="field-label s3")
                yield Input(id="bucket", classes="s3")
            with Vertical(classes="outcome"):
                with VerticalScroll(id="preview-box"):
                    yield Static(Content.styled("preview: give a source", "$text-muted"),
                                 id="preview")
                yield Static(self._landing(), id="lands")
                yield ProgressBar(show_eta=False, classes="-idle", id="progress")
                yield StatusLine(id="status")
                with Horizontal(classes="buttons"):
                    yield Button("Copy permissions", id="copy", classes="-hidden")
                    yield Button("Cancel", id="cancel")
                    yield Button("Publish (ctrl+s)", variant="primary", id="publish",
                                 disabled=True)

    def _prefilled(self, field: str) -> tuple[str, ...]:
        if self.latest is None:
            return ()
        if field == "runtimes":
            return self.latest.compatible_runtimes
        return self.latest.compatible_architectures

    def _landing(self) -> Content:
        name = self.query_one("#name", Input).value if self.is_mounted else self.initial_name
        return landing_line(self.account, self.region_name, name.strip(), self.latest)

    def _show_landing(self) -> None:
        self.query_one("#lands", Static).update(self._landing())

    DEFAULT_CSS = """
    PublishDialog #form { height: auto; max-height: 100%; }
    PublishDialog SelectionList { height: auto; max-height: 6; }
    PublishDialog .s3 { display: none; }
    PublishDialog.-needs-s3 .s3 { display: block; }
    PublishDialog #preview-box { margin-top: 1; height: auto; max-height: 5; }
    PublishDialog #lands { margin-top: 1; height: auto; }
    PublishDialog .-hidden { display: none; }
    """

    def on_mount(self) -> None:
        # The first field the user must fill: the name for a new layer, else the source.
        self.query_one("#source" if self.initial_name else "#name", Input).focus()
        if self.initial_name:
            self._check_name(self.initial_name)
        self.read_account()

    @in_thread("account", exclusive=True)
    def read_account(self) -> str:
        return self.ops.session.account_id()

    @on(Select.Changed, "#region")
    def _region_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.region_name:
            self.region_name = event.value
            self._check_name(self.query_one("#name", Input).value)
            self._show_landing()
            self._form_changed()  # the same-region S3 bucket question may change

    def on_unmount(self) -> None:
        if self.prepared is not None:
            self.prepared.discard()

    # -- the form ----------------------------------------------------------------------------

    def _check_name(self, name: str) -> bool:
        line = self.query_one("#name-check", StatusLine)
        try:
            validate_layer_name(name, region=self.region_name)
        except InvalidInput as exc:
            line.say(str(exc), "error")
            return False
        line.say("")
        return True

    @on(Input.Changed, "#name")
    def _name_typed(self, event: Input.Changed) -> None:
        self._check_name(event.value)
        self._show_landing()

    @on(Input.Changed, "#source")
    @on(SelectionList.SelectedChanged)
    def _form_changed(self) -> None:
        if self.busy or self.published is not None:
            return
        self.query_one("#publish", Button).disabled = True
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(_DEBOUNCE, self.start_preview)

    @on(Input.Submitted, "#source")
    def _source_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self.start_preview()

    def _choices(self, selector: str) -> tuple[str, ...]:
        if selector == "#runtimes":
            return self.query_one(RuntimePicker).selected
        return tuple(self.query_one(selector, SelectionList).selected)

    def start_preview(self) -> None:
        source = self.query_one("#source", Input).value.strip()
        if not source:
            return
        key = (source, self._choices("#runtimes"), self._choices("#architectures"))
        self._preview_key = key
        self.query_one("#preview", Static).update(
            Content.styled("preview: zipping and checking\N{HORIZONTAL ELLIPSIS}", "$text-muted"))
        reuse = self.prepared if self.prepared_source == source else None
        self.make_preview(key, reuse)

    @in_thread("preview", exclusive=True)
    def make_preview(self, key: tuple[Any, ...], reuse: PreparedArchive | None) -> tuple[
        tuple[Any, ...], PreparedArchive, tuple[Finding, ...]
    ]:
        source, runtimes, architectures = key
        prepared = reuse or prepare_archive(Path(source).expanduser())
        return key, prepared, preview_findings(prepared.path, runtimes, architectures)

    def _show_preview(self, key: tuple[Any, ...], prepared: PreparedArchive,
                      findings: tuple[Finding, ...]) -> None:
        if self.prepared is not None and self.prepared is not prepared:
            self.prepared.discard()
        self.prepared, self.prepared_source = prepared, key[0]
        if key != self._preview_key:
            return
        self.findings = findings
        summary = (f"{size(prepared.zipped)} zipped, {size(prepared.unzipped)} unzipped, "
                   f"{prepared.files:,} files")
        lines = [Content.assemble(("preview  ", "bold"), summary)]
        # Findings quote entry names, and a zip's names are whatever its author chose.
        lines += [Content.styled(visible_line(f"{f.level}: {f.message}"), _LEVEL_STYLE[f.level])
                  for f in findings]
        if not findings:
            lines.append(Content.styled("no findings", "$text-success"))
        self.query_one("#preview", Static).update(Content("\n").join(lines))
        self.set_class(prepared.needs_s3, "-needs-s3")
        self.query_one("#publish", Button).disabled = False
        self.say("")

    # -- publishing --------------------------------------------------------------------------

    def action_publish(self) -> None:
        if self.busy or self.published is not None:
            return
        source = self.query_one("#source", Input).value.strip()
        key = (source, self._choices("#runtimes"), self._choices("#architectures"))
        prepared = self.prepared
        if prepared is None or key != self._preview_key or self.prepared_source != source:
            if not source:
                self.say("give a source (a directory or a .zip) before publishing", "warning")
            elif self._preview_error is not None and self._preview_error[0] == source:
                # The preview failed for this very source: say why again, not "wait".
                self.say(f"cannot publish {source}: {self._preview_error[1]}", "error")
            else:
                self.say("wait for the preview of this source before publishing", "warning")
            return
        name = self.query_one("#name", Input).value.strip()
        if not self._check_name(name):
            self.say(str(self.query_one("#name-check", StatusLine).render()), "error")
            return
        bucket = self.query_one("#bucket", Input).value.strip() or None
        request = PublishRequest(
            layer_name=name, source=Path(source).expanduser(), region=self.region_name,
            description=self.query_one("#description", Input).value,
            license=self.query_one("#license", Input).value,
            runtimes=key[1], architectures=key[2], s3_bucket=bucket,
        )
        self.busy = True
        self.query_one("#publish", Button).disabled = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=prepared.zipped if prepared.needs_s3 else None, progress=0)
        bar.remove_class("-idle")
        self.say(f"publishing {name}\N{HORIZONTAL ELLIPSIS}")
        self.publish(request, prepared)

    @in_thread("publish", exclusive=True)
    def publish(self, request: PublishRequest, prepared: PreparedArchive) -> Any:
        def progress(sent: int, total: int) -> None:
            self.app.call_from_thread(self.query_one("#progress", ProgressBar).update,
                                      progress=sent, total=total)

        try:
            response = publish_layer_version(self.ops, request, prepared, progress=progress,
                                             cancelled=self.cancel_requested.is_set)
        except Cancelled:
            return None
        return response, previous_grants(
            self.ops, self.region_name, request.layer_name, int(response["Version"]),
            lambda why: self.app.call_from_thread(self.say, why, "warning"))

    @on(Button.Pressed, "#publish")
    def _publish_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_publish()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(Button.Pressed, "#copy")
    def _copy_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self._copy_from is None or self.published is None or self.busy:
            return
        self.busy = True
        event.button.disabled = True
        self.copy_permissions(self.published, self._copy_from[1])

    @in_thread("copy", exclusive=True)
    def copy_permissions(self, published: dict[str, Any],
                         statements: list[dict[str, Any]]) -> int:
        return grant_again(self.ops, self.region_name, published, statements)

    def cancel_message(self) -> str:
        return "cancelling: nothing will be left half published\N{HORIZONTAL ELLIPSIS}"

    def worker_done(self, group: str, result: object) -> None:
        if group == "account":
            self.account = str(result)
            self._show_landing()
        elif group == "preview":
            self._preview_error = None
            self._show_preview(*result)  # type: ignore[misc]
        elif group == "publish":
            self._published(result)  # type: ignore[arg-type]
        elif group == "copy":
            self.query_one("#copy").add_class("-hidden")
            self.say(f"copied {result} permission statements to the new version", "success")

    def _published(self, result: tuple[dict[str, Any], Any] | None) -> None:
        self.query_one("#progress", ProgressBar).add_class("-idle")
        cancel = self.query_one("#cancel", Button)
        if result is None:
            self.say("cancelled: nothing was published", "warning")
            self.query_one("#publish", Button).disabled = False
            self.cancel_requested.clear()
            return
        response, previous = result
        self.published, self._copy_from = response, previous
        self.changed = True
        self.query_one("#form").disabled = True
        cancel.label = "Done"
        message = f"published {response['LayerVersionArn']}"
        if previous is not None:
            number, statements = previous
            message += (f"; version {number} granted {len(statements)} permission statements "
                        "and a new version starts with none")
            copy = self.query_one("#copy", Button)
            copy.label = f"Copy {len(statements)} permissions from version {number}"
            copy.remove_class("-hidden")
            copy.focus()
        else:
            cancel.focus()
        self.say(message, "success")

    def worker_failed(self, group: str, message: str) -> None:
        if group == "account":  # the landing line keeps its "…"; publishing will say more
            return
        super().worker_failed(group, message)
        if group == "preview":
            self._preview_error = (str(self._preview_key[0]) if self._preview_key else "",
                                   message)
            self.query_one("#preview", Static).update(
                Content.styled("preview: none (see below)", "$text-muted"))
        elif group == "publish":
            self.query_one("#progress", ProgressBar).add_class("-idle")
            self.query_one("#publish", Button).disabled = False


__all__ = ["PublishDialog", "RestoreDialog"]
