"""Import: pick a file (the tree, or its path typed), see exactly what it would do (the
importer's preview: counts, field-by-field changes, likely duplicates, skipped rows), import
it with a progress bar, and undo a past import (a batch). What `pocketcrm import` and
`import undo` do, through core/transfer/importer: the preview is the importer's own dry run
(write=False), so it is what the import will do; a write is all or nothing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, ProgressBar, Static

from pocketcrm import humanize
from pocketcrm.tui import format as fmt
from pocketcrm.tui.jobs import report_failure
from pocketcrm.tui.modals.confirm import ConfirmModal
from pocketcrm.tui.screens.base import CrmScreen
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.transfer.importer.report import BatchView, ImportReport, UndoReport

IMPORTABLE = (".csv", ".vcf", ".vcard", ".json", ".txt")  # what the picker offers

CHANGE_COLUMNS = [
    Column("line", "Line", 5, lambda c: str(c.line), justify="right"),
    Column("name", "Contact", 12, lambda c: c.name, grow=1),
    Column("field", "Field", 9, lambda c: c.field),
    Column("change", "Change", 16, lambda c: f"{c.old or '∅'} → {c.new}", grow=2),
    Column("action", "Does", 7, lambda c: c.action),
]

BATCH_COLUMNS = [
    Column("id", "Batch", 6, lambda b: f"#{b.id}", justify="right"),
    Column("at", "When", 16, lambda b: fmt.local(b.at)),
    Column("source", "File", 12, lambda b: Path(b.source).name, grow=1),
    Column("created", "New", 6, lambda b: str(b.created), justify="right"),
    Column("updated", "Updated", 7, lambda b: str(b.updated), justify="right"),
    Column("undone", "Undone", 10, lambda b: fmt.local(b.undone_at, date_only=True)),
]


def summary_text(report: ImportReport) -> Text:
    """The preview's counts, duplicates and skipped rows in a few lines."""
    text = Text()
    verb = "Imported" if report.written else "Would import"
    text.append(f"{verb}: ", style="bold")
    text.append(
        f"{report.created} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.skipped} skipped"
    )
    if report.suppressed:
        text.append(f", {report.suppressed} erased people left out", style="yellow")
    text.append(
        f"\ncompanies: {report.companies_created} new, {report.companies_updated} updated"
        f" · {humanize.count(report.change_count, 'field change')}",
        style="dim",
    )
    for hint in report.duplicates[:3]:
        text.append(
            f"\nline {hint.line} {hint.name} looks like #{hint.existing_id} "
            f"{hint.existing_name} ({hint.score}%)",
            style="yellow",
        )
    if report.duplicate_count > 3:
        text.append(f"\n… {report.duplicate_count - 3} more likely duplicates", style="yellow")
    for note in [p for p in report.problems if p.skipped][:3]:
        text.append(f"\nline {note.line} skipped: {'; '.join(note.reasons)}", style="red")
    return text


class ImportScreen(CrmScreen):
    """A file's preview, the import itself, and the past imports to undo."""

    WRITES: ClassVar[dict[str, str]] = {"run_import": "import", "undo_batch": "import"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "path", "Path", id="import-path", tooltip="Type the file's path"),
        Binding("ctrl+o", "pick", "Pick", id="import-pick", tooltip="Pick a file in the folder"),
        Binding("ctrl+s", "run_import", "Import", id="import-run", tooltip="Import the file"),
        Binding("U", "undo_batch", "Undo batch", id="import-undo", tooltip="Undo an import"),
    ]

    def __init__(self) -> None:
        super().__init__(id="import")
        self.preview: ImportReport | None = None
        self.path = ""
        self.batches: list[BatchView] = []
        self.importing = False
        self._seen = 0  # records read so far by a running import (its thread writes it)
        self._lock = threading.Lock()

    def compose(self) -> ComposeResult:
        yield TopBar("import")
        yield Input(
            placeholder="/ types a file to import (.csv .vcf .json), enter previews; ctrl+o picks",
            id="import-path",
        )
        with Vertical(id="import-body"):
            yield Static("Pick a file to see what importing it would do.", id="import-summary")
            yield VirtualTable(CHANGE_COLUMNS, id="import-changes", empty_text="")
        yield ProgressBar(id="import-progress", show_eta=False)
        yield Static("Past imports (U undoes the highlighted one)", classes="pane-title")
        yield VirtualTable(BATCH_COLUMNS, id="import-batches", empty_text="No imports yet.")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#import-progress").display = False
        # Not the path box: the number keys must still switch screens (/ types a path).
        self.query_one("#import-changes", VirtualTable).focus()

    # -- past imports -----------------------------------------------------------------------

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        sort = self.query_one("#import-batches", VirtualTable).sort

        def job() -> list[BatchView]:
            from pocketcrm.core.sorting import sort_rows
            from pocketcrm.core.transfer.importer.undo import list_batches

            return sort_rows(list_batches(store), "imports", sort)

        def done(batches: list[BatchView]) -> None:
            self.batches = batches
            self.query_one("#import-batches", VirtualTable).set_rows(batches)
            self.refresh_bindings()

        self.background(job, done, group="import-batches", exclusive=True)

    @on(VirtualTable.HeaderClicked, "#import-batches")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        self.sort_by_header(event, "imports")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (verdict := self.permitted(action)) is not True:
            return verdict
        if action == "run_import":
            return None if self.preview is None or self.importing else True
        if action == "undo_batch":
            return None if not any(b.undone_at is None for b in self.batches) else True
        return True

    # -- the preview --------------------------------------------------------------------------

    def action_path(self) -> None:
        self.query_one("#import-path", Input).focus()

    def action_pick(self) -> None:
        """The files that look importable in the typed folder (or the current one)."""
        from pocketcrm.tui.modals.pick import PickModal

        typed = Path(self.query_one("#import-path", Input).value.strip() or ".").expanduser()
        folder = (typed if typed.is_dir() else typed.parent).resolve()

        def job() -> list[Path]:
            return sorted(
                p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMPORTABLE
            )

        def listed(files: list[Path]) -> None:
            def picked(index: int | None) -> None:
                if index is not None:
                    self.query_one("#import-path", Input).value = str(files[index - 1])
                    self._preview(str(files[index - 1]))

            choices = [
                (n, f"{f.name}  ({fmt.number(f.stat().st_size)} bytes)")
                for n, f in enumerate(files, 1)
            ]
            self.app.push_screen(
                PickModal(
                    f"Import from {folder}",
                    choices,
                    empty="No .csv, .vcf or .json files here: type the file's path.",
                ),
                picked,
            )

        self.background(job, listed, group="import-pick")

    @on(Input.Submitted, "#import-path")
    def _path_typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._preview(str(Path(event.value.strip()).expanduser()))

    def _preview(self, path: str) -> None:
        store = self.store
        if store is None or self.importing:
            return
        self.preview, self.path = None, path
        self.refresh_bindings()
        self.query_one("#import-summary", Static).update(f"Reading {Path(path).name}…")

        def job() -> ImportReport:
            from pocketcrm.core.transfer.importer.run import import_files

            return import_files(store, [path], write=False)

        def done(report: ImportReport) -> None:
            self.preview = report
            summary = summary_text(report)
            summary.append("\nctrl+s imports it.", style="bold")
            self.query_one("#import-summary", Static).update(summary)
            self.query_one("#import-changes", VirtualTable).set_rows(list(report.changes))
            self.refresh_bindings()

        def failed(exc: BaseException) -> None:
            self.query_one("#import-summary", Static).update(Text(str(exc), style="red"))
            if not _is_crm_error(exc):
                report_failure(self.app, exc)

        self.background(job, done, group="import-preview", exclusive=True, failed=failed)

    # -- the import ----------------------------------------------------------------------------

    def action_run_import(self) -> None:
        preview = self.preview
        if preview is None or self.importing:
            return
        total = preview.created + preview.updated + preview.unchanged + preview.skipped

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(total)

        self.app.push_screen(
            ConfirmModal(
                f"Import {Path(self.path).name}?",
                f"{preview.created} new, {preview.updated} updated; all or nothing, and U "
                "undoes it afterwards.",
                yes="Import",
            ),
            answered,
        )

    def _progress(self, seen: int) -> None:
        with self._lock:  # called in the import's thread
            self._seen = seen

    def _tick(self) -> None:
        with self._lock:
            seen = self._seen
        self.query_one("#import-progress", ProgressBar).update(progress=seen)

    def _run(self, total: int) -> None:
        store, path = self.store, self.path
        if store is None:
            return
        self.importing, self._seen = True, 0
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=max(1, total), progress=0)
        bar.display = True
        ticker = self.set_interval(0.1, self._tick, name="import-progress")
        self.refresh_bindings()

        def job() -> ImportReport:
            from pocketcrm.core.transfer.importer.run import import_files

            return import_files(store, [path], write=True, progress=self._progress)

        def finish() -> None:
            ticker.stop()
            self.importing = False
            bar.display = False
            self.refresh_bindings()

        def done(report: ImportReport) -> None:
            finish()
            self.preview = None
            self.query_one("#import-summary", Static).update(summary_text(report))
            self.notify(
                f"{report.created} new, {report.updated} updated (batch #{report.batch_id})",
                title="Imported",
            )
            self.crm.data_written()

        def failed(exc: BaseException) -> None:
            finish()
            report_failure(self.app, exc)

        self.background(job, done, group="import-write", failed=failed)

    # -- undo ----------------------------------------------------------------------------------

    def action_undo_batch(self) -> None:
        store = self.store
        batch: BatchView | None = self.query_one("#import-batches", VirtualTable).current
        if store is None or batch is None:
            return
        if batch.undone_at is not None:
            self.notify(f"Batch #{batch.id} was undone already.", timeout=3)
            return
        batch_id = batch.id

        def undo() -> None:
            def job() -> UndoReport:
                from pocketcrm.core.transfer.importer.undo import undo_import

                return undo_import(store, batch_id)

            def done(report: UndoReport) -> None:
                self.notify(
                    f"{report.removed} removed, {report.restored} put back as they were",
                    title=f"Import #{report.batch_id} undone",
                )
                self.crm.data_written()

            self.background(job, done, group="write", failed=lambda e: report_failure(self.app, e))

        self.app.push_screen(
            ConfirmModal(
                f"Undo import #{batch.id} ({Path(batch.source).name})?",
                f"Its {batch.created} new contacts go; the {batch.updated} it updated go back.",
                yes="Undo",
            ),
            lambda yes: undo() if yes else None,
        )


def _is_crm_error(exc: BaseException) -> bool:
    from pocketcrm.core.errors import CrmError

    return isinstance(exc, CrmError)
