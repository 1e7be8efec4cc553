# The bare name pytest imports tests/reminders/reminder_kit.py by (see tests/stubs/README).
from reminders.reminder_kit import *
