"""The report on disk: one writer at a time, atomic files, and a digest that ties CLAIMS.md to what it shows.

A report is a set of files in one folder: CLAIMS.json, CLAIMS.md, one page a source under ``CLAIMS/`` (each row's
full section), the figures under ``claims_figures/`` and the volatile run log. Three things keep them whole:

- **One writer at a time.** ``locked(md_path)`` holds ``CLAIMS.lock`` beside the report (filelock) while a run reads
  the report it merges into and writes the result, so two runs writing one report path never lose each other's rows.
- **Atomic files.** Each file is written to a temp file (``.NAME.PID.tmp``) and renamed over the old one. A process
  killed between the two leaves the temp file; ``recover`` removes every one at the next start (under the lock no
  writer is alive).
- **A digest.** CLAIMS.md's first line, and each page's, names the SHA-256 of the CLAIMS.json it was rendered from
  and of the figure files the report shows. Files are written figures first, CLAIMS.json, the pages, then CLAIMS.md,
  and last the pages of sources no row quotes any more are removed; a kill between the renames leaves a CLAIMS.md or
  a page whose digest does not match, a page missing or a page left over (``pair_problems``): a torn report.
  ``recover`` renders a torn report again from its CLAIMS.json, and warns about figure files that differ from the
  ones the report was written with (their old bytes are gone: ``git checkout`` them, or measure those claims again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterator

from filelock import FileLock, Timeout

from toy_claims.harness.render import FIGURE_DIR, PAGE_DIR, page_paths, render_markdown, render_pages
from toy_claims.harness.report import ReportError, load_report, run_log_path

__all__ = ["locked", "write_report", "pair_problems", "pair_is_consistent", "recover", "LOCK_WAIT_SECONDS"]

LOCK_WAIT_SECONDS = 600.0  # how long a run waits for another run writing the same report
_TEMP = re.compile(r"^\..+\.\d+\.tmp$")


def lock_path(md_path: Path) -> Path:
    return Path(md_path).with_suffix(".lock")


@contextlib.contextmanager
def locked(md_path: Path, timeout: float = LOCK_WAIT_SECONDS, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the report's lock; ``waiting`` hears once that another run holds it. ``ReportError`` after ``timeout``."""
    lock = FileLock(str(lock_path(md_path)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if waiting is not None:
            waiting(f"waiting for {lock_path(md_path)}: another run is writing this report")
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise ReportError(f"{lock_path(md_path)} stayed locked for {timeout:.0f} s: another run is writing "
                              f"{md_path}") from None
    try:
        yield
    finally:
        lock.release()


def write_report(md_path: Path, doc: dict[str, Any], figures: dict[str, bytes], run_log: dict | None = None) -> Path:
    """Render, then write figures, CLAIMS.json, the per-source pages and CLAIMS.md, each atomically, and remove the
    pages left by sources no row quotes now. Returns the JSON path.

    Rendering first means a document that cannot be rendered writes nothing. Call it holding ``locked(md_path)``.
    """
    md_path = Path(md_path)
    root = md_path.parent
    json_bytes = (json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode()
    on_disk = {path: figures.get(path) for path in _figure_paths(doc)}
    digest = _digest_line(json_bytes, _figures_digest(root, on_disk)) + "\n"
    md_bytes = (digest + render_markdown(doc)).encode()
    pages = {rel: (digest + text).encode() for rel, text in render_pages(doc, md_path.name).items()}
    for rel, data in sorted(figures.items()):
        _atomic_write(root / rel, data)
    json_path = md_path.with_suffix(".json")
    _atomic_write(json_path, json_bytes)
    for rel, data in sorted(pages.items()):
        _atomic_write(root / rel, data)
    _atomic_write(md_path, md_bytes)
    for rel in _left_over_pages(root, pages):
        (root / rel).unlink(missing_ok=True)
    if run_log is not None:
        _atomic_write(run_log_path(md_path), (json.dumps(run_log, indent=1) + "\n").encode())
    return json_path


def pair_problems(md_path: Path) -> list[str]:
    """What does not match between CLAIMS.md, its pages and the CLAIMS.json and figures beside it ([] for a whole
    report). A torn report (``_torn_pages``) comes first and alone."""
    md_path = Path(md_path)
    json_path = md_path.with_suffix(".json")
    try:
        first = md_path.read_text().split("\n", 1)[0]
        json_bytes = json_path.read_bytes()
    except OSError as exc:
        return [f"{exc.filename}: cannot be read ({type(exc).__name__})"]
    found = _DIGEST.match(first)
    if found is None or found.group("json") != _sha(json_bytes):
        return [_torn(md_path)]
    doc = json.loads(json_bytes)
    if torn := _torn_pages(md_path, first, doc):
        return [_torn(md_path, torn)]
    paths = _figure_paths(doc)
    if found.group("figures") != _figures_digest(md_path.parent, dict.fromkeys(paths)):
        missing = [p for p in paths if not (md_path.parent / p).is_file()]
        newer = [p for p in paths if p not in missing and (md_path.parent / p).stat().st_mtime > md_path.stat().st_mtime]
        return [f"the figure files differ from those {md_path.name} was written with"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; written after it: {', '.join(newer)}" if newer else "")]
    return []


def pair_is_consistent(md_path: Path) -> bool:
    """Whether CLAIMS.md was rendered from the CLAIMS.json and the figure files beside it."""
    return not pair_problems(md_path)


def recover(md_path: Path) -> list[str]:
    """At the start of a run: remove the temp files of killed writers and render a torn CLAIMS.md again from its
    CLAIMS.json. Returns what it did and what it could not repair, one line each. Skips (and says so) while another
    run holds the lock."""
    md_path = Path(md_path)
    if not md_path.with_suffix(".json").exists():
        return []
    said: list[str] = []
    try:
        with locked(md_path, timeout=0):
            figures = md_path.parent / FIGURE_DIR
            pages = md_path.parent / PAGE_DIR
            temps = [p for p in [*md_path.parent.glob(".*.tmp"), *(figures.rglob(".*.tmp") if figures.is_dir() else []),
                                 *(pages.glob(".*.tmp") if pages.is_dir() else [])] if _TEMP.match(p.name)]
            for p in temps:
                p.unlink(missing_ok=True)
            if temps:
                said.append(f"removed {len(temps)} temp file(s) of a killed write")
            problems = pair_problems(md_path)
            if problems and problems[0].startswith(_torn(md_path)):
                doc = load_report(md_path.with_suffix(".json"))
                write_report(md_path, doc, {})
                said.append(f"{problems[0]}: rendered {md_path.name} again from it")
                problems = pair_problems(md_path)
            said += [f"{p}: git checkout them or measure their claims again" for p in problems]
    except ReportError:
        said.append(f"{lock_path(md_path)} is held by another run: not checked")
    return said


def _torn(md_path: Path, pages: list[str] | None = None) -> str:
    said = f"{md_path.name} was not rendered from the {md_path.with_suffix('.json').name} beside it (a write torn by a kill)"
    return said + (f": its pages {', '.join(pages)} are not those written with it" if pages else "")


def _torn_pages(md_path: Path, first: str, doc: dict[str, Any]) -> list[str]:
    """The pages that were not written with CLAIMS.md (whose first line is ``first``): missing, of another write, or
    left over from a source no row quotes now."""
    root, wanted = md_path.parent, set(page_paths(doc))
    torn = []
    for rel in sorted(wanted):
        try:
            with (root / rel).open(encoding="utf-8", errors="replace") as f:
                if f.readline().rstrip("\n") != first:
                    torn.append(f"{rel} (of another write)")
        except OSError:
            torn.append(f"{rel} (missing)")
    return torn + [f"{rel} (left over)" for rel in _left_over_pages(root, wanted)]


def _left_over_pages(root: Path, wanted) -> list[str]:
    """Pages in the report's page folder that a report wrote (they open with a digest line) and ``wanted`` lacks."""
    folder = root / PAGE_DIR
    found = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        rel = f"{PAGE_DIR}/{path.name}"
        if rel in wanted:
            continue
        try:
            with path.open(encoding="utf-8", errors="replace") as f:
                if _DIGEST.match(f.readline().rstrip("\n")):
                    found.append(rel)
        except OSError:
            continue
    return found


_DIGEST = re.compile(r"^<!-- rendered from CLAIMS\.json sha256:(?P<json>[0-9a-f]{64})"
                     r"(?: and its figures sha256:(?P<figures>[0-9a-f]{64}))? -->$")


def _digest_line(json_bytes: bytes, figures_digest: str) -> str:
    return f"<!-- rendered from CLAIMS.json sha256:{_sha(json_bytes)} and its figures sha256:{figures_digest} -->"


def _figure_paths(doc: dict[str, Any]) -> list[str]:
    return sorted({f["path"] for row in doc.get("claims", []) for f in row.get("figures", [])})


def _figures_digest(root: Path, data: dict[str, bytes | None]) -> str:
    """One SHA-256 over each figure's path and bytes (``data``'s where given, else the file's; a missing file counts)."""
    lines = []
    for path in sorted(data):
        content = data[path]
        if content is None:
            try:
                content = (root / path).read_bytes()
            except OSError:
                lines.append(f"{path} missing")
                continue
        lines.append(f"{path} {_sha(content)}")
    return _sha("\n".join(lines).encode())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
