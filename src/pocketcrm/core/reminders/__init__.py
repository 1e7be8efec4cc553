"""Reminders: what is due, delivered exactly once, and whether the job is healthy.

- due: what should have reminded by now (follow-ups, overdue repeats, cadence, birthdays)
- claim: step 1, record what is due and claim it in one write transaction
- engine: steps 2 and 3 and the whole run (deliver through the channels, then settle)
- channels: the channels' names; rows: the raw SQL helpers the steps share
- health: when reminders last ran, what is pending or stuck (status, doctor, the interface)

The channels themselves are core/delivery.py; installing the job is core/scheduling.py.
Start-up is most of a run's cost, so these modules use plain SQL through the session and
never import models.py (about 100 ms of table classes) or a date library.
"""
