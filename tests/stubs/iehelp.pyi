# The bare name pytest imports tests/importexport/iehelp.py by (see tests/stubs/README).
from importexport.iehelp import *
