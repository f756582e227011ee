"""The documents every edition has, in one registry: what each is called, how many pages it
must fill, and its smallest body type. Everything that loops over documents reads this."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    name: str
    pages: int                  # pages it must fit on; more is a fit error
    min_body_points: float      # the smallest body type allowed (check reads the stylesheets)
    # Body sizes to try, largest first: each edition gets the largest at which everything
    # fits, the same on every panel (copyfitting).
    body_sizes: tuple[float, ...]
    text_field: str             # the Edition field holding its text (with title and review)
    subject_field: str          # the field of that text used as the PDF's subject
    # Layout choices the template knows, tried in order at each size until one fits. The
    # first section ("What is IOP?") opens the inside flap when there is room, leaving more
    # to the inside panels; when a long clinic name, address or website (or a long
    # translation) leaves the back cover too full, the disclaimer, or else the clinic's
    # details, move to the flap instead.
    layouts: tuple[tuple[str, ...], ...] = ((),)

    def text(self, edition):
        return getattr(edition, self.text_field)

    def title(self, edition) -> str:
        return self.text(edition).title

    def subject(self, edition) -> str:
        return getattr(self.text(edition), self.subject_field)

    def review(self, edition):
        return self.text(edition).review


# In the order they are built, listed and attached to email.
DOCUMENTS: dict[str, Document] = {
    "brochure": Document("brochure", pages=2, min_body_points=11, body_sizes=(12, 11.5, 11),
                         text_field="brochure", subject_field="summary",
                         layouts=(("first-section-on-flap",), (), ("disclaimer-on-flap",),
                                  ("contact-on-flap",))),
    # A long clinic name, address or website can make the header a line too long: then the
    # header leaves out the address (the brochure has it).
    "checklist": Document("checklist", pages=1, min_body_points=12, body_sizes=(12,),
                          text_field="checklist", subject_field="intro",
                          layouts=((), ("clinic-line-without-address",))),
}

# The large-print edition of a document sits beside it: brochure-large-print.pdf.
LARGE_PRINT_SUFFIX = "-large-print"
