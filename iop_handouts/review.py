"""The review commands' library: which content files the editions use and whether each is
approved (`review`), and recording an approval (`approve`). The rules are in approvals.py."""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .approvals import ApprovalError, ApprovalRecord, FileReview, file_sha256, record_approval
from .paths import CONTENT_DIR


@dataclass
class FileRow:
    review: FileReview
    editions: list[str]                 # the editions made from it
    file_status: str | None = None      # the file's own review record, e.g. needs-translator-review


@dataclass
class ReviewReport:
    approvals_path: Path
    files: list[FileRow] = field(default_factory=list)
    editions: list[tuple[str, str]] = field(default_factory=list)   # (key, status line)

    def as_dict(self) -> dict:
        return {
            "approvals": str(self.approvals_path),
            "files": [{"file": row.review.name, "needs": row.review.needs,
                       "state": row.review.state,
                       "approved_by": row.review.approval.by if row.review.approval else None,
                       "approved_role": row.review.approval.role if row.review.approval else None,
                       "approved_on": row.review.approval.date.isoformat()
                       if row.review.approval else None,
                       "file_status": row.file_status, "editions": row.editions}
                      for row in self.files],
            "editions": [{"edition": key, "status": status} for key, status in self.editions],
        }


def review_files(content) -> ReviewReport:
    """Every file the editions use, in name order, with its review status; and each
    edition's status (final with its approval date, or draft), with its edition mark."""
    editions, failures = content.editions()
    rows: dict[str, FileRow] = {}
    for edition in editions:
        for path in edition.files:
            name = content.file_name(path)
            if name not in rows:
                rows[name] = FileRow(content.approvals.review(name, content.file_hash(path)), [],
                                     _own_status(content, path))
            rows[name].editions.append(edition.key)
    report = ReviewReport(content.approvals.path, [rows[name] for name in sorted(rows)])
    for edition in editions:
        review = edition.review
        if review.final:
            status = f"final, approved {review.approved_on} [{edition.mark}]"
        else:
            status = (f"draft: {len(review.pending)} file(s) need approval "
                      f"[{edition.mark}]")
        report.editions.append((edition.key, status))
    for key, error in failures:
        report.editions.append((key, f"not built, its content has an error: {error}"))
    return report


def _own_status(content, path: Path) -> str | None:
    """A text file's own review record's status ('needs-translator-review'), if it has one."""
    if path.suffix != ".yaml":
        return None
    try:
        data = content._file(path).data
    except Exception:
        return None
    review = data.get("review") if isinstance(data, dict) else None
    return review.get("status") if isinstance(review, dict) else None


def approve_file(content, file: str, by: str, role: str, on: date) -> ApprovalRecord:
    """Record an approval of `file` (a name as `review` gives it, or a path) as it is now,
    in approvals.yaml of the content's own folder."""
    if Path(content.content_dir).resolve() == CONTENT_DIR.resolve():
        raise ApprovalError("the shipped content is not approved where it is installed: "
                            "approve files in a clinic's folder (made by `iop-handouts init`), "
                            "or in a content folder given with --content")
    path = file_path(content, file)
    try:
        name = content.file_name(path)
    except ValueError:
        raise ApprovalError(f"{file}: not in the content folder or the shipped content") from None
    used = {content.file_name(p) for edition in content.editions()[0] for p in edition.files}
    if name not in used:
        raise ApprovalError(f"{name}: no edition here is made from it; `iop-handouts review` "
                            f"lists the files that are")
    return record_approval(content.content_dir, name, file_sha256(path), by, role, on)


def file_path(content, file: str) -> Path:
    """A content file by the name `review` gives it (or a path)."""
    if file.startswith("shipped:"):
        shipped = content.base_dir or content.content_dir
        path = shipped / file.removeprefix("shipped:")
    elif Path(file).is_file():
        path = Path(file)
    else:
        path = content.path(file)
    if not path.is_file():
        raise ApprovalError(f"{file}: no such content file (`iop-handouts review` lists them)")
    return path
