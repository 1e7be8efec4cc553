# The bare name pytest imports tests/tui/test_snapshots.py by (see tests/stubs/README):
# the other snapshot files share its app factory and steps.
from tui.test_snapshots import *
