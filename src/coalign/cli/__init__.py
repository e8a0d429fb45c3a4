"""The ``coalign`` command line: one thin module per command group."""
