"""Stage 1: read the sources and cut them into chunks (parsed in worker processes when big)."""

from __future__ import annotations

import marshal
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from pocketcrm.core.errors import CrmError, Invalid
from pocketcrm.core.text import source_is_clean
from pocketcrm.core.transfer import jsonfmt
from pocketcrm.core.transfer.importer.normalise import REC_FIELDS, Normaliser, Rec
from pocketcrm.core.transfer.importer.report import SourceInfo
from pocketcrm.core.transfer.records import ContactDraft

FORMATS = ("google", "outlook", "hubspot", "generic", "csv", "vcard", "json")
CHUNK = 2000


def _first_line(path: Path) -> str:
    from pocketcrm.core.transfer.encoding import open_text

    stream, _ = open_text(path)
    with stream:
        for line in stream:
            if line.strip():
                return line.lstrip("\ufeff")
    return ""


def detect_format(path: str | os.PathLike[str]) -> str:
    """google/outlook/hubspot/generic, vcard or json, from the file's content."""
    import csv

    from pocketcrm.core.transfer.csv_formats import detect_format as csv_flavour

    head = _first_line(Path(path))
    if not head.strip():
        raise Invalid("file", f"{os.fspath(path)} is empty")
    if head.strip().upper().startswith("BEGIN:VCARD"):
        return "vcard"
    if jsonfmt.looks_like_json(head):
        return "json"
    delimiter = max((",", ";", "\t"), key=head.count)
    header = next(csv.reader([head], delimiter=delimiter))
    return csv_flavour([h.strip() for h in header])


PARALLEL_BYTES = 4_000_000  # files this big are parsed by worker processes
IN_FLIGHT = 4  # chunks being parsed at once: memory stays bounded whatever the file size
_LINE_REF = re.compile(r"^(lines?|rows?) (\d+)(?:-(\d+))?")


def _workers() -> int:
    return min(2, os.cpu_count() or 1)


def _shift(message: str, offset: int) -> str:
    """A parser's 'line 3: ...' inside a chunk, as the line in the whole file."""

    def moved(found: re.Match[str]) -> str:
        end = f"-{int(found.group(3)) + offset}" if found.group(3) else ""
        return f"{found.group(1)} {int(found.group(2)) + offset}{end}"

    return _LINE_REF.sub(moved, message, count=1)


def _csv_chunks(stream: TextIO, size: int = 0) -> Iterator[tuple[str, str, int]]:
    """(header line, text of SIZE whole records, records before them): the csv module finds
    where records end, so quoted line breaks never split a chunk."""
    import csv

    size = size or CHUNK
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    header = stream.readline()
    while header and not header.strip():
        header = stream.readline()
    lines: list[str] = []

    def feed() -> Iterator[str]:
        for line in stream:
            lines.append(line)
            yield line

    delimiter = max((",", ";", "\t"), key=header.count)
    count = offset = 0
    for _ in csv.reader(feed(), delimiter=delimiter):
        count += 1
        if count >= size:
            yield header, "".join(lines), offset
            lines.clear()
            offset += count
            count = 0
    if lines:
        yield header, "".join(lines), offset


def _vcard_chunks(stream: TextIO, size: int = 0) -> Iterator[tuple[str, str, int]]:
    """("", text of about SIZE cards, lines before them), cut only where a card begins."""
    size = size or CHUNK
    lines: list[str] = []
    cards = offset = 0
    for line in stream:
        if line[:11].upper() == "BEGIN:VCARD":
            if cards >= size:
                yield "", "".join(lines), offset
                offset += len(lines)
                lines.clear()
                cards = 0
            cards += 1
        lines.append(line)
    if lines:
        yield "", "".join(lines), offset


def _die_with(parent: int, direct: bool) -> None:
    """Worker initialiser: end this worker when the importing process dies, even by SIGKILL.

    Pool workers otherwise outlive a killed parent, each blocked on the other's pipe with the
    database file open. On Linux the kernel kills a worker whose parent dies
    (PR_SET_PDEATHSIG), and a parent that died before that was set shows as a changed
    parent id. DIRECT: forked by PARENT itself; otherwise (a forkserver's child, or no
    prctl) a thread watches PARENT and ends the worker when it is gone.
    """
    armed = _set_death_signal()
    if direct and os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if armed and direct:
        return
    import threading

    first = os.getppid()

    def watch() -> None:
        import time

        while os.getppid() == first and alive(parent):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _set_death_signal() -> bool:
    """prctl(PR_SET_PDEATHSIG, SIGKILL) through ctypes; False where there is no such call."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def alive(pid: int) -> bool:
    """Whether PID still runs: a zombie (killed, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc here: the signal test is all there is
    return stat.rpartition(")")[2].split()[0] != "Z"


def _parse_chunk(
    job: tuple[str, str, dict[str, str] | None, str, str, int, str], norm: Normaliser
) -> bytes | list[tuple[Any, ...]] | tuple[str, str]:
    """In a worker: parse one chunk and normalise its records (errors come back as data).

    Records travel as tuples of their fields: a third cheaper to unpickle than dataclass
    instances, and the importing process does the unpickling while it is the busier one.
    They are marshalled (plain strings, numbers, lists and dicts): four times cheaper to
    write than pickle and a little cheaper to read.
    """
    import io

    kind, fmt, mapping, head, body, offset, file = job
    norm.clean_source = source_is_clean(body)
    try:
        if kind == "vcard":
            from pocketcrm.core.transfer.vcard import read_vcard_text

            drafts: Iterator[ContactDraft] = read_vcard_text(body)
        else:
            from pocketcrm.core.transfer.csv_formats import read_csv

            drafts = read_csv(io.StringIO(head + body, newline=""), fmt, mapping)
        out = []
        for draft in drafts:
            draft.line += offset
            draft.problems = [_shift(p, offset) for p in draft.problems]
            out.append(REC_FIELDS(norm.from_draft(draft, file)))
        try:
            return marshal.dumps(out)
        except ValueError:  # something marshal cannot carry: pickle takes it
            return out
    except CrmError as exc:
        if isinstance(exc, Invalid):
            return (exc.field, _shift(exc.message, offset))
        return ("file", str(exc))


class Source:
    """One file being read: its format, encoding and a count of records seen."""

    def __init__(self, path: Path, fmt: str | None, mapping: dict[str, str] | None) -> None:
        if fmt is not None and fmt not in FORMATS:
            raise Invalid("format", f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        if not path.exists():
            raise Invalid("file", f"{path} does not exist; check the path")
        self.path = path
        self.mapping = mapping
        detected = detect_format(path)
        if fmt is None:
            fmt = detected
        elif fmt == "csv":
            fmt = "generic" if detected in ("vcard", "json") else detected
        self.fmt = fmt
        self.encoding = ""
        self.records = 0
        # the records' time when they carry none of their own (fidelity's newer rule)
        self.modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        self.clean = False  # no control character anywhere in the file (set by batches)

    def batches(self, norm: Normaliser) -> Iterator[tuple[str, bytes]]:
        """The file's normalised records (CSV, vCard) or JSON items, a chunk at a time, in
        file order, packed for the spool (see _pack).

        A big CSV or vCard file is parsed and normalised by worker processes, a chunk each:
        parsing and phone normalisation are most of an import's work.
        """
        from pocketcrm.core.transfer.encoding import open_text

        self.clean = norm.clean_source = self._clean(self.fmt == "json")
        stream, self.encoding = open_text(self.path)
        file = self.path.name
        with stream:
            if self.fmt == "json":
                items = []
                for item in jsonfmt.read_document(stream):
                    items.append((item.section, item.line, item.value))
                    if len(items) >= CHUNK:
                        yield _pack(items, "j")
                        items = []
                if items:
                    yield _pack(items, "j")
                return
            if _workers() > 1 and self.path.stat().st_size >= PARALLEL_BYTES:
                yield from self._parallel(stream, norm)
                return
            if self.fmt == "vcard":
                from pocketcrm.core.transfer.vcard import read_vcards

                drafts: Iterator[ContactDraft] = read_vcards(stream)
            else:
                from pocketcrm.core.transfer.csv_formats import read_csv

                drafts = read_csv(stream, self.fmt, self.mapping)
            records = []
            for draft in drafts:
                records.append(REC_FIELDS(norm.from_draft(draft, file)))
                if len(records) >= CHUNK:
                    yield _pack(records, "r")
                    records = []
            if records:
                yield _pack(records, "r")

    def _clean(self, json: bool) -> bool:
        """No control or bidirectional character anywhere in the file (one read at C speed;
        a big CSV or vCard file is checked chunk by chunk in the workers instead)."""
        from pocketcrm.core.transfer.encoding import open_text

        if not json and _workers() > 1 and self.path.stat().st_size >= PARALLEL_BYTES:
            return False
        stream, _ = open_text(self.path)
        tail = ""  # an escape cut between two blocks is seen whole
        with stream:
            while block := stream.read(1 << 20):
                if not source_is_clean(tail + block, json=json):
                    return False
                tail = block[-5:]
        return True

    def _parallel(self, stream: TextIO, norm: Normaliser) -> Iterator[tuple[str, bytes]]:
        import multiprocessing
        import threading
        from collections import deque
        from concurrent.futures import Future, ProcessPoolExecutor

        chunks = _vcard_chunks(stream) if self.fmt == "vcard" else _csv_chunks(stream)
        kind = "vcard" if self.fmt == "vcard" else "csv"
        # fork when this process runs one thread: workers start at once with the parsers
        # loaded and never touch the database connection they inherit. With other threads
        # (the interface imports in a worker thread) forking could copy a held lock, so the
        # workers come from a clean forkserver instead (about half a second to start).
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods and threading.active_count() == 1:
            context: Any = multiprocessing.get_context("fork")
        elif "forkserver" in methods:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
        else:
            context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=_workers(),
            mp_context=context,
            initializer=_die_with,
            initargs=(os.getpid(), context.get_start_method() != "forkserver"),
        ) as pool:
            pending: deque[Future[bytes | list[tuple[Any, ...]] | tuple[str, str]]] = deque()

            def result(
                future: Future[bytes | list[tuple[Any, ...]] | tuple[str, str]],
            ) -> tuple[str, bytes]:
                found = future.result()
                if isinstance(found, tuple):
                    raise Invalid(*found)
                if isinstance(found, bytes):  # marshalled by the worker: kept as it came
                    return "r", found
                return _pack(found, "r")

            for head, body, offset in chunks:
                job = (kind, self.fmt, self.mapping, head, body, offset, self.path.name)
                pending.append(pool.submit(_parse_chunk, job, norm))
                if len(pending) >= IN_FLIGHT:
                    yield result(pending.popleft())
            while pending:
                yield result(pending.popleft())

    def info(self) -> SourceInfo:
        return SourceInfo(str(self.path), self.fmt, self.encoding, self.records)


def _pack(rows: list[tuple[Any, ...]], kind: str) -> tuple[str, bytes]:
    """A chunk of records ("r": Rec fields) or JSON items ("j": section, line, value) as
    bytes: marshal (cheap both ways), or pickle ("R", "J") for what marshal cannot carry."""
    try:
        return kind, marshal.dumps(rows)
    except ValueError:
        import pickle

        return kind.upper(), pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)


class Spool:
    """Every source read, parsed and normalised BEFORE the write lock is taken.

    An import used to parse inside its write transaction, holding the lock for the whole
    run (a minute for 100,000 rows on a busy machine), and every other writer waited or
    failed. The chunks wait here instead, in an anonymous temporary file (private, already
    unlinked), so memory stays flat; the locked phase only reads them back and writes.
    """

    def __init__(self) -> None:
        import tempfile

        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.chunks: list[list[tuple[str, int, int]]] = []
        self.size = 0

    def read(self, source: Source, norm: Normaliser) -> None:
        chunks: list[tuple[str, int, int]] = []
        for kind, blob in source.batches(norm):
            self.file.write(blob)
            chunks.append((kind, self.size, len(blob)))
            self.size += len(blob)
        self.chunks.append(chunks)

    def items(self, index: int) -> Iterator[Rec | jsonfmt.Item]:
        """The records of the INDEXth source read, in file order."""
        for kind, start, length in self.chunks[index]:
            self.file.seek(start)
            blob = self.file.read(length)
            if kind.isupper():
                import pickle

                rows = pickle.loads(blob)  # written by this process, just now
            else:
                rows = marshal.loads(blob)
            if kind.lower() == "j":
                for section, line, value in rows:
                    yield jsonfmt.Item(section, line, value)
            else:
                for fields in rows:
                    yield Rec(*fields)

    def close(self) -> None:
        self.file.close()


# -- the normalised record ------------------------------------------------------------------
