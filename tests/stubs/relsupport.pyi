# The bare name pytest imports tests/reliability/relsupport.py by (see tests/stubs/README).
from reliability.relsupport import *
