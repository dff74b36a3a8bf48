"""The Textual UI; ``run_tui`` is what the CLI calls."""

from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.launch import run_tui

__all__ = ["LayerTuiApp", "run_tui"]
