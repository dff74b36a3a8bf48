from layer_tui.cli import run

run()
