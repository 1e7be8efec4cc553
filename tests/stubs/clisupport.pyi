# The bare name pytest imports tests/cli/clisupport.py by (see tests/stubs/README).
from cli.clisupport import *
