"""Reusable pieces of the browsing screens, each with its own DEFAULT_CSS."""

from layer_tui.ui.widgets.crumb_bar import CrumbBar
from layer_tui.ui.widgets.details_panel import DetailsPanel
from layer_tui.ui.widgets.filter_prompt import FilterPrompt
from layer_tui.ui.widgets.header_bar import HeaderBar, HeaderInfo
from layer_tui.ui.widgets.resource_table import ResourceTable
from layer_tui.ui.widgets.table_model import Column, TableRow

__all__ = [
    "Column",
    "CrumbBar",
    "DetailsPanel",
    "FilterPrompt",
    "HeaderBar",
    "HeaderInfo",
    "ResourceTable",
    "TableRow",
]
