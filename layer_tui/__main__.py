from layer_tui.cli import main

raise SystemExit(main())
