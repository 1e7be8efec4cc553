"""Which country's phone numbers someone types: guessed once, on first run, from the locale or
the time zone, so "020 7946 0321" in London is a valid number without any setup.

Standard library only (the zone-to-country table is zoneinfo's zone.tab, from the system or
the tzdata package); the environment and the system zone are handed in, never read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

# en_GB.UTF-8, de_DE@euro, pt_BR: the territory is the two upper-case letters after "_".
_LOCALE = re.compile(r"^[A-Za-z]{2,3}_(?P<territory>[A-Z]{2})(?:[.@]|$)")
# Locale variables in the order POSIX consults them for messages.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


@dataclass(frozen=True)
class RegionGuess:
    region: str  # ISO 3166 code, e.g. GB
    source: str  # how it was found, for the notice: "time zone Europe/London"


def region_from_locale(environ: dict[str, str]) -> RegionGuess | None:
    """The territory of the first locale variable that is set (C and POSIX have none)."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "").strip()
        if not value:
            continue
        match = _LOCALE.match(value)
        return RegionGuess(match["territory"], f"locale {value}") if match else None
    return None


def _zone_tables(tzpath: tuple[str, ...]) -> list[str]:
    """The text of zone.tab (one country per zone) then zone1970.tab, first found of each."""
    texts = []
    for name in ("zone.tab", "zone1970.tab"):
        for folder in tzpath:
            candidate = Path(folder) / name
            if candidate.is_file():
                texts.append(candidate.read_text(encoding="utf-8", errors="replace"))
                break
        else:
            try:
                texts.append(
                    resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")
                )
            except (ModuleNotFoundError, OSError):
                continue
    return texts


def region_from_zone(zone: str, tzpath: tuple[str, ...]) -> RegionGuess | None:
    """The country of an IANA zone ("Europe/London" -> GB); None for UTC and unknown zones."""
    zone = zone.strip()
    if not zone or "/" not in zone:
        return None
    for table in _zone_tables(tzpath):
        for line in table.splitlines():
            if line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) >= 3 and fields[2] == zone:
                return RegionGuess(fields[0].split(",")[0], f"time zone {zone}")
    return None


def system_zone(environ: dict[str, str], root: Path = Path("/")) -> str:
    """The system's IANA zone name: $TZ, the /etc/localtime link, or /etc/timezone."""
    tz = environ.get("TZ", "").lstrip(":").strip()
    if tz and "/" in tz and not tz.startswith("/"):
        return tz
    link = root / "etc" / "localtime"
    try:
        target = str(link.resolve()) if link.is_symlink() else ""
    except OSError:
        target = ""
    if "/zoneinfo/" in target:
        return target.split("/zoneinfo/", 1)[1]
    try:
        return (root / "etc" / "timezone").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def guess_region(
    environ: dict[str, str], configured_zone: str, tzpath: tuple[str, ...]
) -> RegionGuess | None:
    """The locale's territory, else the country of the time zone (the configured one, else
    the system's); None when neither says."""
    found = region_from_locale(environ)
    if found is not None:
        return found
    zone = configured_zone or system_zone(environ)
    return region_from_zone(zone, tzpath) if zone else None
