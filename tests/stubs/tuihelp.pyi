# The bare name pytest imports tests/tui/tuihelp.py by (see tests/stubs/README).
from tui.tuihelp import *
