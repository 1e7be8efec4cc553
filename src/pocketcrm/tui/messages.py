"""App-wide events, named in the past tense: something happened, screens decide what to do."""

from __future__ import annotations

from textual.message import Message


class DatabaseChanged(Message):
    """The database changed (this app saved, or another process wrote): show fresh data."""


class StoreOpened(Message):
    """The database is open; screens can load their first data."""
