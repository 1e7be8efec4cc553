"""The first-run phone region guess: locale territory first, then the zone's country."""

from __future__ import annotations

from pathlib import Path

from pocketcrm.core.regions import (
    guess_region,
    region_from_locale,
    region_from_zone,
    system_zone,
)


def _tzpath(tmp_path: Path) -> tuple[str, ...]:
    """A zoneinfo folder with the two tables in their real format."""
    (tmp_path / "zone.tab").write_text(
        "# comment\nGB\t+513030-0000731\tEurope/London\nDE\t+5230+01322\tEurope/Berlin\tmost\n"
    )
    (tmp_path / "zone1970.tab").write_text("NZ,AQ\t-3652+17446\tPacific/Auckland\n")
    return (str(tmp_path),)


def test_locale_territory() -> None:
    assert region_from_locale({"LANG": "en_GB.UTF-8"}).region == "GB"  # type: ignore[union-attr]
    assert region_from_locale({"LC_ALL": "de_AT@euro", "LANG": "en_US"}).region == "AT"  # type: ignore[union-attr]
    assert region_from_locale({"LC_MESSAGES": "pt_BR", "LANG": "C"}).region == "BR"  # type: ignore[union-attr]
    assert region_from_locale({"LC_ALL": "C.UTF-8", "LANG": "en_GB.UTF-8"}) is None
    assert region_from_locale({"LANG": "POSIX"}) is None
    assert region_from_locale({}) is None


def test_zone_country(tmp_path: Path) -> None:
    path = _tzpath(tmp_path)
    assert region_from_zone("Europe/London", path).region == "GB"  # type: ignore[union-attr]
    assert region_from_zone("Pacific/Auckland", path).region == "NZ"  # type: ignore[union-attr]
    assert region_from_zone("UTC", path) is None
    assert region_from_zone("Mars/Olympus", path) is None


def test_guess_order_and_the_system_zone(tmp_path: Path) -> None:
    path = _tzpath(tmp_path)
    found = guess_region({"LANG": "fr_FR.UTF-8"}, "Europe/London", path)
    assert found is not None and (found.region, found.source) == ("FR", "locale fr_FR.UTF-8")
    found = guess_region({"LANG": "C.UTF-8", "TZ": "Europe/Berlin"}, "", path)
    assert found is not None and (found.region, found.source) == ("DE", "time zone Europe/Berlin")
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "localtime").symlink_to("/usr/share/zoneinfo/Europe/London")
    assert system_zone({}, root) == "Europe/London"
    (root / "etc" / "localtime").unlink()
    (root / "etc" / "timezone").write_text("Europe/Berlin\n")
    assert system_zone({}, root) == "Europe/Berlin"
