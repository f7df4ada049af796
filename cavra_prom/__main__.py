"""Allow ``python -m cavra_prom`` as an alias of the ``cavra`` command."""

from cavra_prom.cli.main import main

raise SystemExit(main())
