"""Approvals: who approved which content file, when, and the hash of exactly what they approved.

Approvals are data, kept apart from the content they approve, in one file in the content's
own folder (a clinic's folder, or a complete content folder):

    approvals.yaml
      approvals:
        - file: "shipped:brochure.es.yaml"   # as ContentRoots names it
          by: "A. Translator"                # a staff member's name, nothing more
          role: translator
          date: 2026-12-01
          sha256: "..."                      # of the file's bytes when approved

A file is approved only as it was: once its bytes change, its approval no longer counts. An
edition is final only when every file it is made from is approved, each by the role it needs
(ROLE_RULE). Nothing here reads the clock: dates come from the approvals.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import StringConstraints

from .errors import HandoutError
from .schema import Strict, Text, validate
from .languages import REFERENCE_LANGUAGE, base_language
from .sources import INVISIBLE, NOT_ONE_LINE, load_yaml

APPROVALS_FILE = "approvals.yaml"
ROLES = ("clinician", "translator", "editor")
# Said by `review` and the README, so the rule is stated where it is applied.
ROLE_RULE = ("English text, English varieties and regions (crisis lines) need a clinician; "
             "translated text and its varieties need a translator; clinic files and logos need "
             "an editor")
MARK_HASH_LENGTH = 7
MAX_NAME_LENGTH = 100

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class ApprovalRecord(Strict):
    file: Text
    by: Text
    role: Literal["clinician", "translator", "editor"]
    date: date
    sha256: Sha256


class ApprovalsFile(Strict):
    approvals: list[ApprovalRecord] = []


class ApprovalError(HandoutError):
    """An approval that cannot be recorded: names the file and what is expected."""


def role_for(name: str) -> str:
    """The role whose approval a content file needs, by its name ('shipped:brochure.es.yaml',
    'regions/us.yaml', 'clinics/maple.yaml', 'languages/en-GB.yaml')."""
    relative = name.removeprefix("shipped:")
    folder, _, file_name = relative.rpartition("/")
    if folder == "regions":
        return "clinician"      # crisis lines and emergency numbers
    if folder == "languages":
        # A variety's spelling and wording is handout text: as its language's text is.
        language = base_language(file_name.removesuffix(".yaml")).lower()
        return "clinician" if language == REFERENCE_LANGUAGE else "translator"
    if folder or not file_name.endswith(".yaml"):
        return "editor"         # clinics, logos, anything else
    parts = file_name.removesuffix(".yaml").split(".")
    if len(parts) != 2:
        return "editor"
    language = parts[1]
    # A BCP 47 tag's first subtag says the language ('en-GB' is English).
    return "clinician" if base_language(language).lower() == REFERENCE_LANGUAGE else "translator"


def a_role(role: str) -> str:
    """'a clinician's', 'an editor's'."""
    return f"{'an' if role[0] in 'aeiou' else 'a'} {role}'s"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def content_hash(named_hashes: dict[str, str]) -> str:
    """A short hash of a set of files (by name and bytes): the same content, the same hash."""
    digest = hashlib.sha256()
    for name in sorted(named_hashes):
        digest.update(f"{name} {named_hashes[name]}\n".encode())
    return digest.hexdigest()[:MARK_HASH_LENGTH]


@dataclass(frozen=True)
class FileReview:
    """One content file's review status."""
    name: str                           # as ContentRoots names it
    needs: str                          # the role whose approval it needs
    state: str                          # "approved", "changed", "wrong role" or "not approved"
    approval: ApprovalRecord | None = None

    @property
    def approved(self) -> bool:
        return self.state == "approved"

    def describe(self) -> str:
        """'approved 2026-12-01 by A. Name (clinician)', or what is missing."""
        record = self.approval
        if self.state == "approved":
            return f"approved {record.date} by {record.by} ({record.role})"
        if self.state == "changed":
            return (f"changed since {record.by} ({record.role}) approved it on {record.date}; "
                    f"needs {a_role(self.needs)} approval again")
        if self.state == "wrong role":
            return (f"approved by {record.by} as {record.role}, but it needs "
                    f"{a_role(self.needs)} approval")
        return f"needs {a_role(self.needs)} approval"


@dataclass(frozen=True)
class EditionReview:
    """What an edition is made from and whether all of it is approved as it is now."""
    content_hash: str                   # short hash of the edition's files, for its mark
    pending: tuple[FileReview, ...]     # files not approved as they are now
    approved_on: date | None            # when final: the latest approval among its files

    @property
    def final(self) -> bool:
        return not self.pending

    @property
    def status(self) -> str:
        return "final" if self.final else "draft"


class Approvals:
    """The approvals recorded in a content folder, read once."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / APPROVALS_FILE
        self.records: dict[str, ApprovalRecord] = {}
        if self.path.is_file():
            source = load_yaml(self.path)
            if source.data is None:
                return
            for record in validate(source, ApprovalsFile).approvals:
                self.records[record.file] = record  # a later entry for a file wins

    def review(self, name: str, sha256: str) -> FileReview:
        needs = role_for(name)
        record = self.records.get(name)
        if record is None:
            return FileReview(name, needs, "not approved")
        if record.sha256 != sha256:
            return FileReview(name, needs, "changed", record)
        if record.role != needs:
            return FileReview(name, needs, "wrong role", record)
        return FileReview(name, needs, "approved", record)

    def edition_review(self, named_hashes: dict[str, str]) -> EditionReview:
        reviews = [self.review(name, sha) for name, sha in sorted(named_hashes.items())]
        pending = tuple(r for r in reviews if not r.approved)
        approved_on = None if pending or not reviews else max(r.approval.date for r in reviews)
        return EditionReview(content_hash(named_hashes), pending, approved_on)


def record_approval(folder: Path, name: str, sha256: str, by: str, role: str,
                    on: date) -> ApprovalRecord:
    """Record that `by`, as `role`, approved the file `name` (whose bytes hash to `sha256`)
    on `on`, replacing any earlier approval of that file. Refuses a role the file does not
    need, or a name that is empty or holds a line break."""
    needs = role_for(name)
    if role != needs:
        raise ApprovalError(f"{name}: needs {a_role(needs)} approval, not {a_role(role)} "
                            f"({ROLE_RULE}); use --role {needs}")
    by = by.strip()
    # The same rule the approvals file is read with: a name it would refuse must not be
    # written, or it would lock every later build.
    if not by or INVISIBLE.search(by) or NOT_ONE_LINE.search(by) or len(by) > MAX_NAME_LENGTH:
        raise ApprovalError(f"--by: give the approver's name on one line, in at most "
                            f"{MAX_NAME_LENGTH} visible characters")
    path = Path(folder) / APPROVALS_FILE
    if path.exists() and not path.is_file():
        raise ApprovalError(f"{APPROVALS_FILE}: is not a file; move it away and approve again")
    # Two people approving at once must not lose one approval: read, change and write under
    # a lock.
    from filelock import FileLock

    try:
        with FileLock(str(path) + ".lock", timeout=30):
            approvals = Approvals(folder)
            record = ApprovalRecord(file=name, by=by, role=role, date=on, sha256=sha256)
            approvals.records[name] = record
            write_approvals(approvals.path, approvals.records.values())
    except OSError as exc:
        raise ApprovalError(f"{APPROVALS_FILE}: cannot be written ({exc.strerror or exc})")
    return record


def write_approvals(path: Path, records) -> None:
    """Write the approvals file whole, one entry per file in name order (a temporary file
    renamed into place, so a reader never sees half of it)."""
    from .output_folder import write_atomically

    lines = ["# Approvals: who approved which content file, when, and the sha256 of exactly",
             "# what they approved. Written by `iop-handouts approve`; an edited file needs",
             "# approving again. Staff names only: no patient information here.",
             "approvals:"]
    for record in sorted(records, key=lambda r: r.file):
        lines += [f"  - file: {json.dumps(record.file, ensure_ascii=False)}",
                  f"    by: {json.dumps(record.by, ensure_ascii=False)}",
                  f"    role: {record.role}",
                  f"    date: {record.date.isoformat()}",
                  f"    sha256: \"{record.sha256}\""]
    if len(lines) == 4:
        lines[-1] = "approvals: []"
    write_atomically(Path(path), ("\n".join(lines) + "\n").encode("utf-8"))
