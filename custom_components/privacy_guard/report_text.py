"""The report in a few plain lines: what a weekly notification says (pure).

Written in the house's language where it has one here (English otherwise):
the house's week against the week before, then the speakers with something
to say, worst first, then where the dashboard is. A number nobody recorded
is a question mark, never a 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

# How many speakers a summary names, worst first.
MAX_SPEAKERS: Final = 3

TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "title": "Privacy Guard: the week",
        "house": (
            "{uploads} uploads, {unasked} that nobody asked for, {leaks} while"
            " guarded; the week before: {uploads_before}, {unasked_before},"
            " {leaks_before}."
        ),
        "away": "A speaker was open {hours} h while nobody was home.",
        "quiet": "No upload that nobody asked for was found.",
        "speaker": (
            "{name}: {misactivations} misactivations, {silent} silent uploads,"
            " {leaks} while guarded, open {hours} h while nobody was home."
        ),
        "dashboard": "Dashboard: {url}",
    },
    "de": {
        "title": "Privacy Guard: die Woche",
        "house": (
            "{uploads} Uploads, {unasked} ungefragt, {leaks} trotz Schutz;"
            " die Woche davor: {uploads_before}, {unasked_before},"
            " {leaks_before}."
        ),
        "away": ("Ein Lautsprecher war {hours} h offen, während niemand zu Hause war."),
        "quiet": "Kein ungefragter Upload wurde gefunden.",
        "speaker": (
            "{name}: {misactivations} Fehlaktivierungen, {silent} stille Uploads,"
            " {leaks} trotz Schutz, {hours} h offen, während niemand zu Hause war."
        ),
        "dashboard": "Dashboard: {url}",
    },
}


def _n(figures: Mapping[str, Any], key: str) -> int:
    """Return a figure for sorting and deciding (none recorded: 0)."""
    value = figures.get(key)
    return value if isinstance(value, int) else 0


def _shown(figures: Mapping[str, Any], key: str) -> str:
    """Return a figure as written: a question mark when nothing recorded it."""
    value = figures.get(key)
    return str(value) if isinstance(value, int) else "?"


def _hours(seconds: int, language: str) -> str:
    text = f"{seconds / 3600:.1f}"
    return text.replace(".", ",") if language == "de" else text


def summary(report: Mapping[str, Any], language: str, url: str) -> dict[str, Any]:
    """Return the title and the lines of a report's summary."""
    texts = TEXTS.get(language.split("-", maxsplit=1)[0], TEXTS["en"])
    lang = "de" if texts is TEXTS["de"] else "en"
    house = report["house"]["figures"]
    before = report["house"]["previous"]
    lines = [
        texts["house"].format(
            uploads=_shown(house, "uploads"),
            unasked=_shown(house, "unsolicited"),
            leaks=_shown(house, "leaks"),
            uploads_before=_shown(before, "uploads"),
            unasked_before=_shown(before, "unsolicited"),
            leaks_before=_shown(before, "leaks"),
        )
    ]
    if away := _n(house, "open_while_away"):
        lines.append(texts["away"].format(hours=_hours(away, lang)))
    noted = [
        speaker
        for speaker in report["speakers"]
        if _n(speaker["figures"], "unsolicited") or _n(speaker["figures"], "leaks")
    ][:MAX_SPEAKERS]
    if not noted:
        lines.append(texts["quiet"])
    for speaker in noted:
        figures = speaker["figures"]
        lines.append(
            texts["speaker"].format(
                name=speaker["name"],
                misactivations=_shown(figures, "misactivations"),
                silent=_shown(figures, "silent"),
                leaks=_shown(figures, "leaks"),
                hours=_hours(_n(figures, "open_while_away"), lang),
            )
        )
    lines.append(texts["dashboard"].format(url=url))
    return {"title": texts["title"], "lines": lines}
