"""Allow ``python -m coalign``."""

from coalign.cli.main import main

main()
