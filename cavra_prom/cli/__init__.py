"""The ``cavra`` command line. The only place that prints and chooses exit codes."""
