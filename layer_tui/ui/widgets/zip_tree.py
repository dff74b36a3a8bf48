"""A layer zip as a tree of directories with their totals, built lazily as it is expanded.

The whole directory structure and every total is computed once, off the UI thread
(``ZipDirectory.build``); the widget then only creates nodes for the children of directories
the user opens, a batch at a time, so a 50,000-file layer costs as many nodes as are on screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from layer_tui.aws.zipformat import ZipEntry
from layer_tui.safe_text import visible_line
from layer_tui.ui.widgets.size_bar import compact_size

TreeOrder = Literal["size", "name"]

#: Children added per expansion; a "more" node adds the next batch (flat 50,000-file folders).
BATCH = 200
#: Right-hand columns of every line: files, unzipped, zipped.
COLUMN_WIDTHS = (7, 11, 11)
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


@dataclass(eq=False)
class ZipDirectory:
    """One folder of the archive with the totals of everything below it."""

    name: str
    #: ``python/lib/`` (with the slash); ``""`` for the archive's root.
    path: str
    directories: dict[str, ZipDirectory] = field(default_factory=dict)
    files: list[ZipEntry] = field(default_factory=list)
    size: int = 0
    compressed_size: int = 0
    file_count: int = 0

    @classmethod
    def build(cls, entries: Iterable[ZipEntry]) -> ZipDirectory:
        """The folder structure of a listing; zips often omit folder entries, so folders come
        from the file paths too."""
        root = cls("", "")
        for entry in entries:
            parts = entry.path.rstrip("/").split("/")
            folders = parts if entry.is_dir else parts[:-1]
            chain = [root]
            here = root
            for part in folders:
                child = here.directories.get(part)
                if child is None:
                    child = here.directories[part] = cls(part, f"{here.path}{part}/")
                here = child
                chain.append(here)
            if entry.is_dir:
                continue
            here.files.append(entry)
            for folder in chain:
                folder.size += entry.size
                folder.compressed_size += entry.compressed_size
                folder.file_count += 1
        return root

    def children(self, order: TreeOrder) -> list[ZipDirectory | ZipEntry]:
        """Folders and files of this folder: biggest first, or folders then files by name."""
        if order == "size":
            items: list[ZipDirectory | ZipEntry] = [*self.directories.values(), *self.files]
            return sorted(items, key=lambda item: (-item.size, item.path))
        folders = sorted(self.directories.values(), key=lambda d: d.name.lower())
        files = sorted(self.files, key=lambda e: e.path.lower())
        return [*folders, *files]

    def find(self, path: str) -> ZipDirectory | None:
        here: ZipDirectory | None = self
        for part in path.strip("/").split("/"):
            if here is None or not part:
                break
            here = here.directories.get(part)
        return here


@dataclass(frozen=True)
class MoreChildren:
    """Stands for the children of ``folder`` from ``offset`` on, not yet added."""

    folder: ZipDirectory
    offset: int
    remaining: int


NodeData = ZipDirectory | ZipEntry | MoreChildren


def file_name(entry: ZipEntry) -> str:
    return entry.path.rstrip("/").rsplit("/", 1)[-1]


def shown_name(name: str) -> Text:
    """A folder or file name as a label: an entry name is whatever the zip's author chose,
    escape sequences included, so they are shown as escapes. Text, not str: Tree parses a str
    label as markup, and "[" is legal in a path."""
    return Text(visible_line(name))


class ZipTree(Tree[NodeData]):
    """Folders with files/unzipped/zipped totals; ``s`` switches size and name order."""

    COMPONENT_CLASSES: ClassVar[set[str]] = Tree.COMPONENT_CLASSES | {
        "zip-tree--directory",
        "zip-tree--size",
        "zip-tree--muted",
    }

    DEFAULT_CSS = """
    ZipTree {
        height: 1fr;
        background: $surface;
        padding: 0;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        & > .zip-tree--directory {
            color: $text-primary;
            text-style: bold;
        }
        & > .zip-tree--size {
            color: $foreground;
        }
        & > .zip-tree--muted {
            color: $text-muted;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="zip-tree.open"),
        Binding("space", "toggle_node", "Expand", show=False, id="zip-tree.toggle"),
        Binding("s", "toggle_order", "Sort name/size", id="zip-tree.sort"),
        Binding("j", "cursor_down", "Down", show=False, id="zip-tree.down"),
        Binding("k", "cursor_up", "Up", show=False, id="zip-tree.up"),
    ]

    order: reactive[TreeOrder] = reactive[TreeOrder]("size", init=False)
    """Biggest first, or folders then files by name."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("/", id=id)
        self.show_root = False
        self.guide_depth = 3
        self._root_folder: ZipDirectory | None = None
        self._total = 0

    # -- what the screen uses -----------------------------------------------------------------

    @property
    def folder(self) -> ZipDirectory | None:
        return self._root_folder

    def show_folder(self, folder: ZipDirectory) -> None:
        """Show a listing; only the top level gets nodes until something is expanded."""
        self._root_folder = folder
        self._total = folder.size
        self._populate(set(), None)

    def reveal(self, path: str) -> TreeNode[NodeData] | None:
        """Expand down to ``path`` (a file or a ``folder/``) and put the cursor on it."""
        node: TreeNode[NodeData] = self.root
        parts = path.rstrip("/").split("/")
        for depth in range(len(parts)):
            wanted = "/".join(parts[: depth + 1])
            child = self._find_child(node, wanted)
            if child is None:
                return None
            node = child
            if depth < len(parts) - 1:
                self._ensure_children(node)
                node.expand()
        self._move_to(node)
        return node

    def _move_to(self, node: TreeNode[NodeData]) -> None:
        # Node line numbers are assigned when the lines are rebuilt; build them first.
        _ = self._tree_lines
        self.move_cursor(node)

    # -- actions ------------------------------------------------------------------------------

    def action_toggle_order(self) -> None:
        self.order = "name" if self.order == "size" else "size"

    def watch_order(self) -> None:
        if self._root_folder is None:
            return
        expanded = {
            node.data.path
            for node in self._walk(self.root)
            if node.is_expanded and isinstance(node.data, ZipDirectory)
        }
        cursor = self.cursor_node.data if self.cursor_node is not None else None
        at = cursor.path if isinstance(cursor, ZipDirectory | ZipEntry) else None
        self._populate(expanded, at)

    # -- lazy children ------------------------------------------------------------------------

    def _populate(self, expanded: set[str], cursor_path: str | None) -> None:
        self.clear()
        assert self._root_folder is not None
        self._add_batch(self.root, self._root_folder, 0)
        self.root.expand()
        # Re-open what was open, outermost first, so each folder's children exist in time.
        for path in sorted(expanded, key=lambda p: p.count("/")):
            node = self._find_child_path(path)
            if node is not None:
                self._ensure_children(node)
                node.expand()
        target = self._find_child_path(cursor_path) if cursor_path else None
        if target is not None:
            self._move_to(target)
        else:
            self.cursor_line = 0

    def _add_batch(self, parent: TreeNode[NodeData], folder: ZipDirectory, offset: int) -> None:
        children = folder.children(self.order)
        for child in children[offset : offset + BATCH]:
            if isinstance(child, ZipDirectory):
                parent.add(shown_name(child.name), data=child, allow_expand=True)
            else:
                parent.add_leaf(shown_name(file_name(child)), data=child)
        left = len(children) - offset - BATCH
        if left > 0:
            parent.add_leaf(Text(ELLIPSIS), data=MoreChildren(folder, offset + BATCH, left))

    def _ensure_children(self, node: TreeNode[NodeData]) -> None:
        if isinstance(node.data, ZipDirectory) and not node.children:
            self._add_batch(node, node.data, 0)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        self._ensure_children(event.node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        data = event.node.data
        if isinstance(data, MoreChildren) and event.node.parent is not None:
            event.stop()
            parent = event.node.parent
            event.node.remove()
            self._add_batch(parent, data.folder, data.offset)

    def _find_child(self, node: TreeNode[NodeData], path: str) -> TreeNode[NodeData] | None:
        """The child of ``node`` for ``path``, adding batches until it appears."""
        while True:
            more = None
            for child in node.children:
                data = child.data
                if isinstance(data, ZipDirectory | ZipEntry) and data.path.rstrip("/") == path:
                    return child
                if isinstance(data, MoreChildren):
                    more = child
            if more is None or not isinstance(more.data, MoreChildren):
                return None
            pending = more.data
            more.remove()
            self._add_batch(node, pending.folder, pending.offset)

    def _find_child_path(self, path: str) -> TreeNode[NodeData] | None:
        node: TreeNode[NodeData] = self.root
        parts = path.rstrip("/").split("/")
        for depth in range(len(parts)):
            found = self._find_child(node, "/".join(parts[: depth + 1]))
            if found is None:
                return None
            node = found
        return node

    def _walk(self, node: TreeNode[NodeData]) -> Iterable[TreeNode[NodeData]]:
        for child in node.children:
            yield child
            yield from self._walk(child)

    # -- rendering ----------------------------------------------------------------------------

    def _columns(self, data: NodeData | None) -> str:
        files_w, size_w, zipped_w = COLUMN_WIDTHS
        if isinstance(data, ZipDirectory | ZipEntry):
            files = f"{data.file_count:,}" if isinstance(data, ZipDirectory) else ""
            return (
                f"{files:>{files_w}}{compact_size(data.size):>{size_w}}"
                f"{compact_size(data.compressed_size):>{zipped_w}}"
            )
        return " " * sum(COLUMN_WIDTHS)

    def _depth(self, node: TreeNode[NodeData]) -> int:
        depth = 0
        parent = node.parent
        while parent is not None and parent is not self.root:
            depth += 1
            parent = parent.parent
        return depth

    def get_label_width(self, node: TreeNode[NodeData]) -> int:
        # Only the natural width: the padding to the right edge must not widen the tree.
        return len(node.label) + 2 + sum(COLUMN_WIDTHS) + 1

    def render_label(self, node: TreeNode[NodeData], base_style: Style, style: Style) -> Text:
        data = node.data
        available = self.scrollable_content_region.width - self._depth(node) * self.guide_depth
        columns = Text(self._columns(data), style=self.get_component_rich_style("zip-tree--size"))
        if isinstance(data, ZipDirectory):
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
            name = shown_name(f"{data.name}/")
            name.stylize(self.get_component_rich_style("zip-tree--directory"))
        elif isinstance(data, MoreChildren):
            icon = "  "
            name = Text(
                f"{ELLIPSIS} {data.remaining:,} more (enter)",
                style=self.get_component_rich_style("zip-tree--muted"),
            )
        else:
            icon = "  "
            name = shown_name(str(node.label))
        room = max(4, available - len(icon) - columns.cell_len - 1)
        name.truncate(room, overflow="ellipsis")
        line = Text.assemble((icon, base_style), name, " " * (room - name.cell_len + 1), columns)
        line.stylize(style)
        return line


class ZipTreeHeader(Widget):
    """Column titles over a ``ZipTree`` (same width), with the order it is sorted in."""

    DEFAULT_CSS = """
    ZipTreeHeader {
        height: 1;
        background: $panel;
        color: $foreground;
        text-style: bold;
    }
    """

    order: reactive[TreeOrder] = reactive[TreeOrder]("size")
    """Mirrors the tree's order."""

    def render(self) -> Text:
        files_w, size_w, zipped_w = COLUMN_WIDTHS
        right = f"{'Files':>{files_w}}{'Unzipped':>{size_w}}{'Zipped':>{zipped_w}}"
        arrow = "\N{DOWNWARDS ARROW}" if self.order == "size" else "\N{UPWARDS ARROW}"
        left = f" Path  by {self.order} {arrow}"
        # The tree keeps a one-cell scrollbar gutter: its columns end one cell short.
        width = max(self.size.width, len(left) + len(right) + 1)
        return Text(left.ljust(width - len(right) - 1) + right + " ", no_wrap=True)


def node_data(node: TreeNode[Any] | None) -> NodeData | None:
    return node.data if node is not None else None


__all__ = [
    "BATCH",
    "MoreChildren",
    "NodeData",
    "TreeOrder",
    "ZipDirectory",
    "ZipTree",
    "ZipTreeHeader",
    "node_data",
]
