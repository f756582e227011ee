"""The documents every edition has, in one registry: what each is called, how many pages it
must fill, and its smallest body type. Everything that loops over documents reads this."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    name: str
    pages: int                  # pages it must fit on; more is a fit error
    min_body_points: float      # the smallest body type allowed (check reads the stylesheets)
    text_field: str             # the Edition field holding its text (with title and review)
    subject_field: str          # the field of that text used as the PDF's subject

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
    "brochure": Document("brochure", pages=2, min_body_points=11, text_field="brochure",
                         subject_field="summary"),
    "checklist": Document("checklist", pages=1, min_body_points=12, text_field="checklist",
                          subject_field="intro"),
}
