# The bare name pytest imports tests/core/coresupport.py by (see tests/stubs/README).
from core.coresupport import *
