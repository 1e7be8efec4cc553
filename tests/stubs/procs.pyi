# The bare name pytest imports tests/reliability/procs.py by (see tests/stubs/README).
from reliability.procs import *
