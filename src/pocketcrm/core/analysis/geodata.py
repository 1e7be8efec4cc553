"""The phonenumbers geocoder's place data, read a chunk at a time.

The package ships its prefix -> place table as some thirty modules (40 MB of source) that
`phonenumbers.geodata` merges into one dict on import: 0.3 to 1.3 s, most of `report
calls`. The chunks hold the prefixes in sorted order, so the chunk that may hold a prefix is
found from each chunk's first key, read from the top of its file. `install()` puts a
stand-in `phonenumbers.geodata` in place before the geocoder is imported whose table loads
the chunk a lookup needs the first time it is needed: the geocoder's own logic runs
unchanged, and any later user in the process still sees every place (chunks load on
demand). When the package's layout is not the one expected, nothing is installed and the
geocoder imports its data as usual.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from bisect import bisect_right
from pathlib import Path

_KEY = re.compile(r"^ '(\d+)':")
_LONGEST = re.compile(r"^GEOCODE_LONGEST_PREFIX = (\d+)$", re.MULTILINE)
_HEAD_LINES = 60  # the licence header, then the first key


class LazyPlaces(dict[str, dict[str, str]]):
    """The geocoder's prefix table; a lookup first loads the chunk the prefix falls in."""

    def __init__(self, chunks: list[tuple[str, Path]]) -> None:
        super().__init__()
        self._firsts = [first for first, _path in chunks]
        self._paths = [path for _first, path in chunks]
        self._loaded: set[int] = set()

    def _load_for(self, key: object) -> None:
        if not isinstance(key, str):
            return
        at = bisect_right(self._firsts, key) - 1
        if at >= 0 and at not in self._loaded:
            self._loaded.add(at)
            self.update(_chunk(self._paths[at]))

    def __contains__(self, key: object) -> bool:
        self._load_for(key)
        return super().__contains__(key)

    def __getitem__(self, key: str) -> dict[str, str]:
        self._load_for(key)
        return super().__getitem__(key)

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self._load_for(key)
        return super().get(key, default)

    def chunks_loaded(self) -> int:
        return len(self._loaded)


def _chunk(path: Path) -> dict[str, dict[str, str]]:
    """One data module's table, run without the package's merging __init__."""
    spec = importlib.util.spec_from_file_location(f"phonenumbers.geodata.{path.stem}", path)
    if spec is None or spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data: dict[str, dict[str, str]] = module.data
    return data


def _first_key(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        for _n, line in zip(range(_HEAD_LINES), handle, strict=False):
            found = _KEY.match(line)
            if found:
                return found.group(1)
    return ""


def _layout(base: Path) -> tuple[list[tuple[str, Path]], int] | None:
    """(first key and file of each chunk, sorted; the longest prefix), or None when the
    package is not laid out as expected."""
    try:
        longest = _LONGEST.search((base / "__init__.py").read_text(encoding="utf-8"))
        chunks = sorted((_first_key(p), p) for p in base.glob("data*.py"))
    except OSError:
        return None
    if longest is None or not chunks or any(not first for first, _p in chunks):
        return None
    return chunks, int(longest.group(1))


def install() -> None:
    """Put the lazy stand-in in place unless the geocoder data is imported already."""
    if "phonenumbers.geodata" in sys.modules:
        return
    spec = importlib.util.find_spec("phonenumbers")
    if spec is None or spec.origin is None:
        return
    base = Path(spec.origin).parent / "geodata"
    found = _layout(base)
    if found is None:
        return
    chunks, longest = found
    module = types.ModuleType("phonenumbers.geodata", "the geocoder's data, a chunk at a time")
    module.__path__ = [str(base)]  # the locale table beside it imports as usual
    module.__package__ = "phonenumbers.geodata"
    module.GEOCODE_DATA = LazyPlaces(chunks)  # type: ignore[attr-defined]
    module.GEOCODE_LONGEST_PREFIX = longest  # type: ignore[attr-defined]
    sys.modules["phonenumbers.geodata"] = module
