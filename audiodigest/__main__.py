from audiodigest.cli import main

raise SystemExit(main())
