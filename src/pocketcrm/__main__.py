"""`python -m pocketcrm` runs the same command as the `pocketcrm` script."""

from pocketcrm.cli import main

main()
