"""Content stage: YAML files -> validated models -> one Edition per region and language.

Layers, each checked before anything renders:
  regions/<id>.yaml        a region, possibly `extends:` another (country -> state -> clinic)
  <document>.<lang>.yaml   the handout text per language (common, brochure, checklist)
  region `content:`        a region's own wording laid over the language files
  clinics/<id>.yaml        the clinic named by the region

Every problem becomes a ContentError naming the file, line and field. Templates receive only
the Edition built at the end.
"""

import re
from dataclasses import dataclass, replace
from pathlib import Path

from .approvals import Approvals, EditionReview, file_sha256
from .documents import DOCUMENTS
from .colors import contrast_ratio, parse_hex_color
from .errors import ContentError
from .languages import (REFERENCE_LANGUAGE, base_language, has_variant_file, in_language,
                        matches, respell, text_language)
from .logos import LogoError, check_logo
from .paths import CONTENT_DIR
from .phones import Contact, PhoneBook
from .schema import (BROCHURE_SECTION_IDS, Brochure, Checklist, Clinic, JargonTerm,
                     Common, CrisisLine, EmailText, Labels, Region, Strict, Variant,
                     validate)
from .sources import Source, load_yaml
from .typography import colon, full_stop, typeset

TEXT_FILES = {"common": Common, "brochure": Brochure, "checklist": Checklist, "email": EmailText}
MIN_BRAND_CONTRAST = 4.5


# --- the model templates receive -------------------------------------------------------------

@dataclass(frozen=True)
class CrisisLineView:
    name: str
    contacts: tuple[Contact, ...]
    open_24_7: bool
    notes: str | None


@dataclass(frozen=True)
class LocalResourceView:
    name: str
    contacts: tuple[Contact, ...]
    notes: str | None


@dataclass(frozen=True)
class ClinicView:
    name: str
    address: tuple[str, ...]
    phone: Contact | None
    website: Contact | None
    logo_src: str | None
    logo_alt: str | None
    brand_color: str | None
    hours: str | None = None
    hours_per_language: bool = False    # given per language, or one text for every edition
    intake_email: Contact | None = None
    tty: Contact | None = None


@dataclass(frozen=True)
class Edition:
    """Everything one region's handouts in one language show, validated and resolved."""
    region_id: str
    region_name: str
    language: str
    paper: str
    emergency: tuple[Contact, ...]
    crisis_lines: tuple[CrisisLineView, ...]
    local_resources: tuple[LocalResourceView, ...]
    clinic: ClinicView
    labels: Labels
    disclaimer: str
    jargon: tuple[JargonTerm, ...]
    brochure: Brochure
    checklist: Checklist
    email: EmailText
    # The files each document is made from (for incremental builds).
    input_files: dict[str, tuple[Path, ...]]
    # Where each printed value came from: "brochure.sections[2].heading" -> (file, line), so a
    # problem found on the page names the file, line and field to change.
    origins: dict[str, tuple[str, int | None]]
    # Whether every file it is made from is approved as it is now (approvals.py), and the
    # short hash of those files its edition mark prints.
    review: EditionReview

    @property
    def key(self) -> str:
        return f"{self.region_id}/{self.language}"

    @property
    def files(self) -> tuple[Path, ...]:
        """Every content file the edition's documents are made from."""
        return tuple(dict.fromkeys(f for document in DOCUMENTS
                                   for f in self.input_files[document]))

    @property
    def mark(self) -> str:
        """The edition mark printed on every handout: 'us/en-US · 1a2b3c4', with the approval
        date when final, so printed stock can be matched to what it was made from."""
        mark = f"{self.key} · {self.review.content_hash}"
        if self.review.final and self.review.approved_on:
            mark += " · " + self.labels.approved_on.format(
                date=self.review.approved_on.isoformat())
        return mark

    @property
    def first_phone_contact(self) -> Contact:
        """The first crisis number one can call or text (a line's chat or website is no use
        in a one-line reminder), or, in a region with none, the first contact."""
        contacts = [c for line in self.crisis_lines for c in line.contacts]
        return next((c for c in contacts if c.href.startswith(("tel:", "sms:"))), contacts[0])

    @property
    def colon(self) -> str:
        """A colon after a label, as the language writes it: French puts a no-break space
        before it. Templates print it wherever they put a colon of their own."""
        return colon(self.language)

    @property
    def full_stop(self) -> str:
        """The end of a sentence the templates close ("Open 24/7."): '。' in Chinese."""
        return full_stop(self.language)

    def origin(self, field_path: str) -> str | None:
        """'content/brochure.en.yaml, line 12, field 'summary'' for a printed field (or the
        nearest enclosing one that is known)."""
        field_path = self._as_written(field_path)
        known = self._nearest_origin(field_path)
        if known is None:
            return None
        file, line = known
        return f"{file}{f', line {line}' if line else ''}, field '{_field_name(field_path)}'"

    @property
    def direction(self) -> str:
        """'rtl' for a language written right to left (Arabic), else 'ltr' (see scripts.py)."""
        from .scripts import writing
        return writing(self.language).direction

    def error(self, field_path: str, problem: str) -> ContentError:
        """A ContentError about a printed field, at its file and line."""
        field_path = self._as_written(field_path)
        file, line = self._nearest_origin(field_path) or (None, None)
        return ContentError(file, problem, line, _field_name(field_path))

    def _as_written(self, field_path: str) -> str:
        """Text given for the language ('notes: {en: ...}') is printed in the edition's
        variety ('notes.en-GB'): name it as the file has it."""
        in_base = re.sub(r"\.([a-z]{2,3})-[A-Za-z0-9-]+$", r".\1", field_path)
        if field_path not in self.origins and in_base in self.origins:
            return in_base
        return field_path

    def _nearest_origin(self, field_path: str) -> tuple[str, int | None] | None:
        path = field_path
        while path:
            if path in self.origins:
                return self.origins[path]

            shorter = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path)
            path = "" if shorter == path else shorter
        return None


def _field_name(field_path: str) -> str:
    """The field as its file names it: 'clinic.name' -> 'name'."""
    return field_path.split(".", 1)[1] if "." in field_path else field_path


# --- loading ---------------------------------------------------------------------------------

class ContentSet:
    """Loads and validates content, each file once: from one content folder, or from a
    clinic's folder laid over the shipped content (`base_dir`), where the clinic's files win
    and its own regions are the ones built."""

    def __init__(self, content_dir: Path = CONTENT_DIR, base_dir: Path | None = None):
        self.content_dir = Path(content_dir)
        self.base_dir = Path(base_dir) if base_dir else None
        self.roots = (self.content_dir, *((self.base_dir,) if self.base_dir else ()))
        self._files: dict[Path, Source] = {}
        self._approvals: Approvals | None = None
        self._hashes: dict[Path, str] = {}
        self._variants: dict[Path, tuple[Source, Variant]] = {}
        self._regions: dict[str, tuple[Source, Region, tuple[Path, ...]]] = {}

    def path(self, relative: str) -> Path:
        """A content file by its path inside the content: the clinic's own copy if it has
        one, else the shipped one (or where the clinic's would go, when neither exists)."""
        for root in self.roots:
            if (root / relative).exists():
                return root / relative
        return self.content_dir / relative

    def _file(self, path: Path) -> Source:
        if path not in self._files:
            # A link (or a ../ path) that leads out of the content folder is refused: content
            # is what a person reviewed in this folder, nothing else.
            if path.exists() and not any(path.resolve().is_relative_to(root.resolve())
                                         for root in self.roots):
                raise ContentError(path, "leads outside the content folder (a link to "
                                         f"{path.resolve()}); copy the file in instead")
            self._files[path] = load_yaml(path)
        return self._files[path]

    @property
    def approvals(self) -> Approvals:
        """The approvals recorded in the content's own folder (a clinic's folder approves
        the shipped files it uses there)."""
        if self._approvals is None:
            self._approvals = Approvals(self.content_dir)
        return self._approvals

    def file_name(self, path: Path) -> str:
        """A content file's name as the manifest and the approvals give it."""
        from .manifest import ContentRoots
        return ContentRoots(self.content_dir, self.base_dir).name(path)

    def file_hash(self, path: Path) -> str:
        if path not in self._hashes:
            self._hashes[path] = file_sha256(path)
        return self._hashes[path]

    def review_of(self, files) -> EditionReview:
        return self.approvals.edition_review(
            {self.file_name(path): self.file_hash(path) for path in files})

    def region_path(self, region_id: str) -> Path:
        return self.path(f"regions/{region_id}.yaml")

    def region_ids(self) -> list[str]:
        """Regions to build: a clinic folder's own, or all. Files starting with '_' are
        shared bases others extend."""
        return sorted(p.stem for p in (self.content_dir / "regions").glob("*.yaml")
                      if not p.name.startswith("_"))

    # regions

    def region(self, region_id: str) -> tuple[Source, Region, tuple[Path, ...]]:
        """A region merged over its parents, validated; with the files of its chain."""
        if region_id not in self._regions:
            path = self.region_path(region_id)
            if not path.exists():
                known = ", ".join(self.region_ids()) or "none"
                raise ContentError(path, f"no such region '{region_id}' (known regions: {known})")
            source, files = self._region_chain(region_id, ())
            region = validate(source, Region)
            if region.id != region_id:
                raise source.error(("id",), f"is '{region.id}' but the file is named "
                                            f"'{region_id}.yaml'; make them match")
            check_region_wording(source, region)
            self._regions[region_id] = (source, region, files)
        return self._regions[region_id]

    def _region_chain(self, region_id: str, children: tuple[str, ...]):
        source = self._file(self.region_path(region_id))
        if not isinstance(source.data, dict):
            raise source.error((), "expected a mapping of fields at the top of the file")
        parent_id = source.data.get("extends")
        own = Source(source.path, {k: v for k, v in source.data.items() if k != "extends"},
                     {loc: o for loc, o in source.origins.items() if loc[:1] != ("extends",)})
        if parent_id is None:
            return own, (source.path,)
        if not isinstance(parent_id, str):
            raise source.error(("extends",), "expected the id of another region, e.g. us")
        if parent_id == region_id or parent_id in children:
            cycle = " -> ".join((*children, region_id, parent_id))
            raise source.error(("extends",), f"regions extend each other in a circle: {cycle}")
        if not self.region_path(parent_id).exists():
            raise source.error(("extends",), f"no region '{parent_id}' to extend "
                                             f"(no file regions/{parent_id}.yaml)")
        parent, files = self._region_chain(parent_id, children + (region_id,))
        return own.merged_over(parent), files + (source.path,)

    # handout text

    def variant(self, tag: str, region_source: Source) -> tuple[Source | None, Variant]:
        """A variety's file (languages/en-GB.yaml), validated; none for a bare language."""
        if not has_variant_file(tag):
            return None, Variant()
        path = self.path(f"languages/{tag}.yaml")
        if path in self._variants:
            return self._variants[path]
        if not path.exists():
            raise region_source.error(("languages",), f"names '{tag}' but there is no "
                                                      f"languages/{tag}.yaml (what {tag} spells "
                                                      f"or words differently); add one, or "
                                                      f"print '{text_language(tag)}'")
        source = self._file(path)
        variant = validate(source, Variant)
        for name in variant.content:
            if name not in TEXT_FILES:
                raise source.error(("content", name), f"is not a document (expected one of: "
                                                      f"{', '.join(TEXT_FILES)})")
        self._variants[path] = (source, variant)     # read once, for every document
        return source, variant

    def text(self, name: str, language: str, region_source: Source, region: Region) -> tuple[Strict, list[Path], Source]:
        """One language file with its variety's and the region's wording laid over it, in
        the variety's spelling, validated."""
        base = text_language(language)
        path = self.path(f"{name}.{base}.yaml")
        if not path.exists():
            raise region_source.error(("languages",), f"has '{language}' but there is no "
                                                      f"{name}.{base}.yaml in content/")
        source = self._file(path)
        files = [path]
        if base != REFERENCE_LANGUAGE:
            reference_path = self.path(f"{name}.{REFERENCE_LANGUAGE}.yaml")
            check_translation_covers(self._file(reference_path), source)
            files.append(reference_path)
        variant_source, variant = self.variant(language, region_source)
        if variant_source is not None:
            files.append(variant_source.path)
            if name in variant.content:
                source = _laid_over(source, variant_source, ("content", name), name)
        # The region's wording for the language, then for this variety alone.
        for key in dict.fromkeys((base, language)):
            if region.content.get(key, {}).get(name) is not None:
                source = _laid_over(source, region_source, ("content", key, name), name)
        source = _respelled(source, variant.spelling)
        model = validate(source, TEXT_FILES[name])
        if name == "brochure":
            check_brochure_sections(source, model)
        return model, files, source

    # editions

    def edition(self, region_id: str, language: str) -> Edition:
        region_source, region, region_files = self.region(region_id)
        # "en" stands for the region's English edition ("en-GB") when it has just one.
        matching = [tag for tag in region.languages if matches(tag, (language,))]
        if language not in region.languages and len(matching) == 1:
            language = matching[0]
        if language not in region.languages:
            raise region_source.error(("languages",), f"region '{region_id}' has no '{language}' "
                                                      f"edition (it has {', '.join(region.languages)})")
        files = list(region_files)
        texts, text_files, sources = {}, {}, {"region": region_source}
        for name in TEXT_FILES:
            texts[name], text_files[name], sources[name] = self.text(name, language,
                                                                     region_source, region)
            texts[name] = typeset_model(texts[name], language)
        files.extend(text_files["common"])
        common: Common = texts["common"]
        labels = common.labels

        clinic_path = self.path(f"clinics/{region.clinic}.yaml")
        if not clinic_path.exists():
            raise region_source.error(("clinic",), f"no clinic file {clinic_path.name} in "
                                                   f"content/clinics/")
        clinic_source = self._file(clinic_path)
        clinic = validate(clinic_source, Clinic)
        sources["clinic"] = clinic_source
        files.append(clinic_path)
        phones = PhoneBook(region.country, region.short_codes)
        # A logo's path is inside the folder its clinic file is in (a clinic's own, or the
        # shipped content for the examples).
        clinic_root = next(root for root in (*self.roots, self.content_dir)
                           if clinic_path.resolve().is_relative_to(root.resolve()))
        clinic_view = resolve_clinic(clinic_source, clinic, phones, labels, clinic_root,
                                     language)
        if clinic.logo:
            files.append(clinic_root / clinic.logo.path)

        check_lines_speak(region_source, region, language)
        # Each document prints the edition mark, a hash of every file of the edition: a
        # change to the checklist's text changes the brochure's mark too, so each document is
        # made from (and rebuilt for) all of them.
        every_file = tuple(dict.fromkeys(files + [f for document in DOCUMENTS
                                                  for f in text_files[document]]))
        input_files = {document: every_file for document in DOCUMENTS}
        emergency = tuple(
            phones.contact(region_source, ("emergency", "numbers", i), number, labels.call)
            for i, number in enumerate(region.emergency.numbers))
        edition = Edition(
            region_id=region.id,
            region_name=region.name,
            language=language,
            paper=region.paper,
            emergency=emergency,
            crisis_lines=tuple(resolve_crisis_line(region_source, i, line, language, phones, labels)
                               for i, line in enumerate(region.crisis_lines)),
            local_resources=tuple(resolve_local_resource(region_source, i, resource, language,
                                                         phones, labels)
                                  for i, resource in enumerate(region.local_resources)),
            clinic=clinic_view,
            labels=labels,
            disclaimer=common.disclaimer,
            jargon=tuple(common.jargon),
            brochure=texts["brochure"],
            checklist=texts["checklist"],
            email=texts["email"],
            input_files=input_files,
            origins=printed_origins(sources),
            review=self.review_of(dict.fromkeys(f for document in DOCUMENTS
                                                for f in input_files[document])),
        )
        check_printable(edition)
        return edition

    def editions(self, regions=(), languages=()) -> tuple[list[Edition], list[tuple[str, ContentError]]]:
        """Every region in every one of its languages (or those asked for), validated.

        Returns the good editions and, separately, the ones whose content is broken, so one
        broken region does not stop the others."""
        editions, failures = [], []
        for region_id in regions or self.region_ids():
            try:
                _, region, _ = self.region(region_id)
            except ContentError as exc:
                failures.append((region_id, exc))
                continue
            for language in region.languages:
                if not matches(language, languages):
                    continue
                try:
                    editions.append(self.edition(region_id, language))
                except ContentError as exc:
                    failures.append((f"{region_id}/{language}", exc))
        return editions, failures


def printed_origins(sources: dict[str, Source]) -> dict[str, tuple[str, int | None]]:
    """Every value's file and line, keyed as templates name them ('brochure.summary')."""
    from .paths import display_path
    from .sources import format_location

    origins = {}
    for name, source in sources.items():
        for location, (path, line) in source.origins.items():
            key = f"{name}.{format_location(location)}" if location else name
            origins[key] = (display_path(path), line)
    return origins


# --- checks across files ---------------------------------------------------------------------

def check_region_wording(source: Source, region: Region) -> None:
    """A region's `content:` names only languages it prints and documents that exist: a typo
    there would otherwise be ignored, and the wording silently not printed."""
    for language, documents in region.content.items():
        # A shared base ("_outside-us") words languages for all the regions extending it.
        shared = Path(source.origin_of(("content", language))[0]).name.startswith("_")
        if not any(matches(tag, (language,)) for tag in region.languages) and not shared:
            raise source.error(("content", language),
                               f"the region has no '{language}' edition (its languages: "
                               f"{', '.join(region.languages)})")
        if not isinstance(documents, dict):
            raise source.error(("content", language), "expected a group of documents "
                                                      f"({', '.join(TEXT_FILES)})")
        for name in documents:
            if name not in TEXT_FILES:
                raise source.error(("content", language, name),
                                   f"is not a document (expected one of: {', '.join(TEXT_FILES)})")


# Content the handouts do not print: review records, section ids, the diagram's description
# (its alt text, read out, never drawn) and flags.
NOT_PRINTED = frozenset({"review", "id", "description", "current", "icons"})


def printed_texts(edition: Edition, email: bool = False):
    """(field, text) for every piece of content the PDFs print, each field named as the
    templates name it, so edition.origin() finds its file and line. Email text only with
    `email` (the fonts' check leaves it out: mail programs show it in their own fonts)."""
    def walk(field, value):
        if isinstance(value, str):
            yield field, value
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in NOT_PRINTED:
                    yield from walk(f"{field}.{key}", item)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                yield from walk(f"{field}[{index}]", item)

    yield from walk("brochure", edition.brochure.model_dump(by_alias=True))
    yield from walk("checklist", edition.checklist.model_dump(by_alias=True))
    yield from walk("common.labels", edition.labels.model_dump(by_alias=True))
    yield "common.disclaimer", edition.disclaimer
    language = edition.language
    for index, contact in enumerate(edition.emergency):
        yield f"region.emergency.numbers[{index}]", contact.text
    for group, views in (("crisis_lines", edition.crisis_lines),
                         ("local_resources", edition.local_resources)):
        for index, view in enumerate(views):
            field = f"region.{group}[{index}]"
            yield f"{field}.name.{language}", view.name
            if view.notes:
                yield f"{field}.notes.{language}", view.notes
            for contact in view.contacts:
                yield field, contact.text
    clinic = edition.clinic
    yield "clinic.name", clinic.name
    yield from walk("clinic.address", clinic.address)
    for name, contact in (("phone", clinic.phone), ("website", clinic.website),
                          ("tty", clinic.tty), ("intake_email", clinic.intake_email)):
        if contact:
            yield f"clinic.{name}", contact.text
    if clinic.hours:
        yield "clinic.hours", clinic.hours
    if email:
        yield from walk("email", edition.email.model_dump(by_alias=True))


def check_printable(edition: Edition) -> None:
    """Every printed character must be one the shipped fonts have a glyph for: any other
    would come out in whatever font the machine has, or as an empty box."""
    from .fonts import covered_characters, describe, first_unprintable

    from .scripts import writing

    covered = covered_characters(language=edition.language)
    faces = " or ".join(writing(edition.language).faces)
    for field, text in printed_texts(edition):
        missing = first_unprintable(text, covered)
        if missing:
            raise edition.error(field, f"{describe(missing)} is not in the handout's fonts "
                                       f"({faces}), so it cannot be printed; replace it (or "
                                       f"add a font that has it to styles/fonts/)")


def check_lines_speak(source: Source, region: Region, language: str) -> None:
    """A language a region adds must be one its crisis lines are worded in. When the lines
    come from another file (the national region a clinic's extends), the mistake is the
    added language, so that is where the error points."""
    languages_file = source.origin_of(("languages",))[0]
    for index, line in enumerate(region.crisis_lines):
        lines_file = source.origin_of(("crisis_lines", index, "name"))[0]
        if in_language(line.name, language) is None and lines_file != languages_file:
            from .paths import display_path
            raise source.error(("languages",),
                               f"'{language}' cannot be printed: the crisis lines (from "
                               f"{display_path(lines_file)}) are worded in "
                               f"{', '.join(line.name)} only; remove '{language}' here")


def check_translation_covers(reference: Source, translation: Source) -> None:
    """A translation must have every key the English file has: a missing key would silently
    drop text from the handout (review records and panel layout may differ)."""
    def walk(ref, tra, location):
        if isinstance(ref, dict) and isinstance(tra, dict):
            for key, value in ref.items():
                # Review records and term lists are each language's own.
                if key in ("review", "jargon") or (key == "note" and location[-1:] == ("review",)):
                    continue
                if key not in tra:
                    _, line = reference.origin_of(location + (key,))
                    raise translation.error(location + (key,), f"is missing; the English file "
                                                               f"has it (line {line})")
                walk(value, tra[key], location + (key,))
        elif isinstance(ref, list) and isinstance(tra, list) and ref and isinstance(ref[0], dict):
            if len(ref) != len(tra):
                raise translation.error(location, f"has {len(tra)} entries; the English file "
                                                  f"has {len(ref)}")
            for index, (r, t) in enumerate(zip(ref, tra)):
                walk(r, t, location + (index,))
    walk(reference.data, translation.data, ())


def check_brochure_sections(source: Source, brochure: Brochure) -> None:
    ids = [s.id for s in brochure.sections]
    for index, section_id in enumerate(ids):
        if section_id in ids[:index]:
            raise source.error(("sections", index, "id"), f"section '{section_id}' appears twice")
    missing = [s for s in BROCHURE_SECTION_IDS if s not in ids]
    if missing:
        raise source.error(("sections",), f"missing section{'s' if len(missing) > 1 else ''}: "
                                          f"{', '.join(missing)}")
    if tuple(ids) != BROCHURE_SECTION_IDS:
        raise source.error(("sections",), "sections are out of order; expected "
                                          + ", ".join(BROCHURE_SECTION_IDS))


# Brochure sections are a list in the language files; a region overrides them by id.

def _sections_by_id(source: Source) -> Source:
    sections = source.data.get("sections") if isinstance(source.data, dict) else None
    if not isinstance(sections, list) or not all(isinstance(s, dict) and "id" in s for s in sections):
        return source
    index_to_id = {i: s["id"] for i, s in enumerate(sections)}
    data = dict(source.data, sections={s["id"]: s for s in sections})
    origins = {(loc[:1] + (index_to_id[loc[1]],) + loc[2:]
                if loc[:1] == ("sections",) and len(loc) > 1 else loc): origin
               for loc, origin in source.origins.items()}
    return Source(source.path, data, origins)


def _sections_as_list(source: Source) -> Source:
    sections = source.data.get("sections")
    if not isinstance(sections, dict):
        return source
    ids = list(sections)
    position = {section_id: i for i, section_id in enumerate(ids)}
    data = dict(source.data, sections=[sections[i] for i in ids])
    origins = {(loc[:1] + (position[loc[1]],) + loc[2:]
                if loc[:1] == ("sections",) and len(loc) > 1 and loc[1] in position else loc): origin
               for loc, origin in source.origins.items()}
    return Source(source.path, data, origins)


def _section_overrides(over: Source, region_source: Source, at: tuple) -> Source:
    sections = over.data["sections"]
    if not isinstance(sections, dict):
        raise region_source.error(at + ("sections",), "expected sections by id, e.g. "
                                                      "'insurance: {heading: ...}'")
    for section_id, fields in sections.items():
        if section_id not in BROCHURE_SECTION_IDS:
            raise region_source.error(at + ("sections", section_id),
                                      f"no brochure section '{section_id}'; sections are: "
                                      f"{', '.join(BROCHURE_SECTION_IDS)}")
        if not isinstance(fields, dict):
            raise region_source.error(at + ("sections", section_id), "expected a group of fields")
    # Each override keeps its id so the merged section still names itself.
    data = dict(over.data, sections={i: dict(f, id=i) for i, f in sections.items()})
    return Source(over.path, data, over.origins)


def _laid_over(source: Source, over_file: Source, at: tuple, name: str) -> Source:
    """Wording from a region or variant file (at `at` inside it) laid over a language file;
    brochure sections are matched by id."""
    over = over_file.sub(at)
    if not isinstance(over.data, dict):
        raise over_file.error(at, f"expected a group of fields to put over the {name} text")
    if name == "brochure" and "sections" in over.data:
        over = _section_overrides(over, over_file, at)
        return _sections_as_list(over.merged_over(_sections_by_id(source)))
    return over.merged_over(source)


NOT_RESPELLED = frozenset({"id", "icons", "current", "review"})


def _respelled(source: Source, spelling: dict[str, str]) -> Source:
    """Every text in a variety's spelling; where each came from stays as it was."""
    if not spelling:
        return source

    def walk(value):
        if isinstance(value, str):
            return respell(value, spelling)
        if isinstance(value, dict):
            # Names the templates look things up by (icons, ids) are not words to respell.
            return {k: v if k in NOT_RESPELLED else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value
    return Source(source.path, walk(source.data), source.origins)


# --- resolving for print ---------------------------------------------------------------------

# Typography (typography.py) is applied here, once, as the Edition is made: every text the
# handouts and emails print, labels included, comes from the Edition, so templates, the PDF's
# title and subject, the email's subject and attachment names, and the checks that compare
# content with the PDFs' text all see the same typeset text (a Jinja `finalize` would miss
# what Python prints, and does not see the edition inside imported macros). Templates put
# their own colons through `edition.colon`.
#
# Left as their files write them: numbers, web and email addresses (Contact.text, .href), the
# clinic's postal address (what a map or the post knows it by) and the crisis lines' names and
# notes (printed exactly as checked against their source on verified_on). Labels inside a
# Contact come from the typeset labels.

def typeset_model(value, language: str):
    """`value` (a content model, or a list, dict or string in one) with every string
    typeset for `language`. Review records are not printed and stay as written."""
    from pydantic import BaseModel

    from .schema import Review

    if isinstance(value, str):
        return typeset(value, language)
    if isinstance(value, Review):
        return value
    if isinstance(value, BaseModel):
        return value.model_copy(update={name: typeset_model(getattr(value, name), language)
                                        for name in type(value).model_fields})
    if isinstance(value, (list, tuple)):
        return type(value)(typeset_model(item, language) for item in value)
    if isinstance(value, dict):
        return {key: typeset_model(item, language) for key, item in value.items()}
    return value


def _local(source: Source, location: tuple, texts: dict | None, language: str) -> str | None:
    if texts is None:
        return None
    text = in_language(texts, language)
    if text is None:
        raise source.error(location, f"has no '{language}' text")
    return text


def _with_option_and_keyword(source: Source, where: tuple, reach, contact: Contact,
                             labels: Labels) -> Contact:
    """The printed form with its keypad option ("988, then press 1") and the label with its
    text keyword ("Text SHOUT to"), worded by the language's labels."""
    if reach.keyword and reach.how != "text":
        raise source.error(where + ("keyword",), f"a keyword is for text lines, not '{reach.how}'")
    if reach.option and reach.how != "call":
        raise source.error(where + ("option",), f"a key to press is for calls, not '{reach.how}'")
    if reach.option:
        contact = replace(contact, text=labels.press_option.format(number=contact.text,
                                                                   option=reach.option))
    if reach.keyword:
        # The link opens a message with the keyword already typed (RFC 5724's body).
        from urllib.parse import quote
        contact = replace(contact, label=labels.text_keyword.format(keyword=reach.keyword),
                          href=f"{contact.href}?body={quote(reach.keyword)}")
    return contact


def resolve_crisis_line(source: Source, index: int, line: CrisisLine, language: str,
                        phones: PhoneBook, labels: Labels) -> CrisisLineView:
    here = ("crisis_lines", index)
    contacts = []
    for j, reach in enumerate(line.reach):
        where = here + ("reach", j)
        label = getattr(labels, reach.how)
        display = reach.display
        if isinstance(display, dict):
            display = _local(source, where + ("display",), display, language)
        if reach.how in ("chat", "web"):
            if not reach.url:
                raise source.error(where + ("url",), f"'{reach.how}' needs its https:// address")
            contacts.append(Contact(label, display or reach.url.removeprefix("https://"),
                                    reach.url, reach.how))
            continue
        if not reach.number:
            raise source.error(where + ("number",), f"'{reach.how}' needs a number")
        scheme = "sms" if reach.how == "text" else "tel"
        contact = phones.contact(source, where + ("number",), reach.number, label, display,
                                 scheme, reach.how)
        contacts.append(_with_option_and_keyword(source, where, reach, contact, labels))
    # The name and notes as the region file writes them (not typeset): see above.
    return CrisisLineView(
        name=_local(source, here + ("name",), line.name, language),
        contacts=tuple(contacts),
        open_24_7=line.open_24_7,
        notes=_local(source, here + ("notes",), line.notes, language),
    )


def resolve_local_resource(source, index, resource, language, phones, labels) -> LocalResourceView:
    here = ("local_resources", index)
    contacts = []
    if resource.phone:
        contacts.append(phones.contact(source, here + ("phone",), resource.phone, labels.phone))
    if resource.website:
        contacts.append(Contact(labels.website, resource.website.removeprefix("https://").rstrip("/"),
                                resource.website))
    notes = _local(source, here + ("notes",), resource.notes, language)
    return LocalResourceView(
        name=typeset(_local(source, here + ("name",), resource.name, language), language),
        contacts=tuple(contacts),
        notes=typeset(notes, language) if notes else notes,
    )


def resolve_clinic(source: Source, clinic: Clinic, phones: PhoneBook, labels: Labels,
                   content_dir: Path, language: str = REFERENCE_LANGUAGE) -> ClinicView:
    phone = phones.contact(source, ("phone",), clinic.phone, labels.phone) if clinic.phone else None
    tty = phones.contact(source, ("tty",), clinic.tty, labels.tty) if clinic.tty else None
    intake_email = None
    if clinic.intake_email:
        from email_validator import EmailNotValidError, validate_email
        try:
            address = validate_email(clinic.intake_email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise source.error(("intake_email",), f"'{clinic.intake_email}' is not an email "
                                                  f"address: {exc}") from None
        intake_email = Contact(labels.email, address, f"mailto:{address}")
    hours = clinic.hours
    if isinstance(hours, dict):
        hours = _local(source, ("hours",), hours, language)
    if hours:
        hours = typeset(hours, language)
    website = None
    if clinic.website:
        website = Contact(labels.website,
                          clinic.website.removeprefix("https://").rstrip("/"), clinic.website)
    logo_src = None
    if clinic.logo:
        if "://" in clinic.logo.path or clinic.logo.path.startswith("data:"):
            raise source.error(("logo", "path"), f"'{clinic.logo.path}' is not a web address "
                                                 f"the handout can use: put the logo file "
                                                 f"inside content/ and give its path")
        logo_path = (content_dir / clinic.logo.path).resolve()
        if not logo_path.is_relative_to(content_dir.resolve()):
            raise source.error(("logo", "path"), f"'{clinic.logo.path}' is outside the content "
                                                 f"folder; put the logo inside content/")
        if logo_path.suffix.lower() not in (".svg", ".png"):
            raise source.error(("logo", "path"), "the logo must be an .svg or .png file")
        if not logo_path.is_file():
            raise source.error(("logo", "path"), f"'{clinic.logo.path}' does not exist "
                                                 f"(paths are relative to content/)")
        try:
            check_logo(logo_path)
        except LogoError as exc:
            raise source.error(("logo", "path"), f"'{clinic.logo.path}' {exc}") from None
        logo_src = logo_path.as_uri()
    if clinic.brand_color:
        try:
            rgb = parse_hex_color(clinic.brand_color)
        except ValueError:
            raise source.error(("brand_color",), f"'{clinic.brand_color}' is not a colour "
                                                 f"like #1F4E79") from None
        ratio = contrast_ratio(rgb, (255, 255, 255))
        if ratio < MIN_BRAND_CONTRAST:
            raise source.error(("brand_color",),
                               f"white text on {clinic.brand_color} has contrast {ratio:.1f}:1, "
                               f"below {MIN_BRAND_CONTRAST}:1; choose a darker colour")
    return ClinicView(
        name=typeset(clinic.name, language), address=tuple(clinic.address), phone=phone,
        website=website, logo_src=logo_src,
        logo_alt=typeset(clinic.logo.alt, language) if clinic.logo else None,
        brand_color=clinic.brand_color, hours=hours, intake_email=intake_email, tty=tty,
        hours_per_language=isinstance(clinic.hours, dict),
    )


def region_summaries(content: ContentSet) -> list[dict]:
    """Each region's languages, paper, emergency numbers and crisis lines, for listing."""
    rows = []
    for region_id in content.region_ids():
        _, region, files = content.region(region_id)
        rows.append({
            "id": region.id,
            "name": region.name,
            "extends": [f.stem for f in files[:-1] if not f.stem.startswith("_")],
            "languages": region.languages,
            "paper": region.paper,
            "emergency": region.emergency.numbers,
            "crisis_lines": [
                {"name": in_language(line.name, region.languages[0]),
                 "reach": [r.number or r.url for r in line.reach],
                 "open_24_7": line.open_24_7,
                 "source": line.source,
                 "verified_on": line.verified_on.isoformat()}
                for line in region.crisis_lines],
        })
    return rows
