"""`python -m pocketcrm` runs the same command as the `pocketcrm` script."""

from pocketcrm.launcher import main

main()
