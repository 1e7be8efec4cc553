# The bare name pytest imports tests/core/smtp_kit.py by (see tests/stubs/README).
from core.smtp_kit import *
