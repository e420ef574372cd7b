from analysis.build.cli import main

raise SystemExit(main())
