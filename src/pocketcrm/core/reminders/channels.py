"""The channels a reminder goes out through: their names, checked and stored in one order."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pocketcrm.core.errors import Invalid

CHANNELS = ("stdout", "desktop", "email", "command")


def channel_set(stored: str) -> frozenset[str]:
    """The channels named in a reminder's `delivered_channels` text."""
    return frozenset(name for name in (part.strip() for part in stored.split(",")) if name)


def ordered_channels(channels: Collection[str]) -> tuple[str, ...]:
    """CHANNELS order, unknown names last: the same set always reads the same."""
    order = {name: index for index, name in enumerate(CHANNELS)}
    return tuple(sorted(set(channels), key=lambda name: (order.get(name, len(order)), name)))


def channel_text(channels: Collection[str]) -> str:
    """`delivered_channels` text: the names comma-separated, in CHANNELS order."""
    return ",".join(ordered_channels(channels))


def check_channels(channels: Sequence[str]) -> list[str]:
    """Known channel names in order, without repeats; Invalid names the unknown one."""
    chosen: list[str] = []
    for raw in channels:
        for name in (part.strip().lower() for part in raw.split(",")):
            if not name:
                continue
            if name not in CHANNELS:
                raise Invalid("channel", f"unknown channel {name!r}; use {', '.join(CHANNELS)}")
            if name not in chosen:
                chosen.append(name)
    if not chosen:
        raise Invalid("channel", f"give at least one of {', '.join(CHANNELS)}")
    return chosen
