from jobsched.cli import main

raise SystemExit(main())
