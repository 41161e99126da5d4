"""Every translation of translations/en.json matches it key for key.

translations/en.json is the source; each other file in the folder is a
translation of it. A translation has exactly the key paths of en.json, no string
left empty, the same ``{placeholders}`` in each string, and no string left in
English unless it is a name or a token that reads the same in every language.
It also obeys the string rules hassfest applies to en.json. Each checker is run
on a deliberately bad sample too, so a checker that accepts everything cannot
pass.

These are plain tests: they read files and need no ``hass``.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
from pathlib import Path
import re
from typing import Any, Final

import pytest

from .translation_rules import leaves, translation_errors

ROOT: Final = Path(__file__).parent.parent
INTEGRATION: Final = ROOT / "custom_components" / "privacy_guard"
TRANSLATIONS: Final = INTEGRATION / "translations"
SOURCE: Final = TRANSLATIONS / "en.json"
RE_PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")

# Strings of en.json a translation may keep as they are: product names, wake
# words, units and technical tokens, and words spelled the same in German.
SAME_IN_EVERY_LANGUAGE: Final = frozenset(
    {
        # Products and wake words.
        "AdGuard Home",
        "Alexa",
        "Amazon Echo",
        "Apple HomePod",
        "Google Home / Nest",
        "Hey Google",
        "Hey Jarvis",
        "Hey Mycroft",
        "Hey Siri",
        "Okay Nabu",
        "Pi-hole",
        # Units and technical tokens.
        "Bytes",
        "URL",
        "Upload",
        "Uploads",
        # The same word in German.
        "Name",
        "Offline",
        "Zone",
    }
)

Strings = Mapping[str, Any]
Errors = list[str]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the suite's autouse fixture: these tests need no Home Assistant."""


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _translation_files() -> list[Path]:
    return sorted(path for path in TRANSLATIONS.glob("*.json") if path != SOURCE)


def _key_errors(source: Strings, translation: Strings) -> Errors:
    """Return the key paths one file has and the other lacks."""
    source_paths = {path for path, _ in leaves(source)}
    translated_paths = {path for path, _ in leaves(translation)}
    return [f"{path}: missing" for path in sorted(source_paths - translated_paths)] + [
        f"{path}: not in en.json" for path in sorted(translated_paths - source_paths)
    ]


def _placeholders(value: str) -> set[str]:
    return set(RE_PLACEHOLDER.findall(value))


def _value_errors(source: Strings, translation: Strings) -> Errors:
    """Return the strings that are empty or whose placeholders differ."""
    english = dict(leaves(source))
    errors = []
    for path, value in leaves(translation):
        if not isinstance(value, str):
            errors.append(f"{path}: expected str")
            continue
        if not value.strip():
            errors.append(f"{path}: empty")
        if path in english and _placeholders(value) != _placeholders(english[path]):
            errors.append(
                f"{path}: placeholders {sorted(_placeholders(value))} instead of "
                f"{sorted(_placeholders(english[path]))}"
            )
    return errors


def _untranslated(source: Strings, translation: Strings) -> Errors:
    """Return the strings left in English that are not allowed to be."""
    english = dict(leaves(source))
    return [
        f"{path}: not translated: {value!r}"
        for path, value in leaves(translation)
        if value == english.get(path) and value not in SAME_IN_EVERY_LANGUAGE
    ]


def _ids(paths: list[Path]) -> list[str]:
    return [path.name for path in paths]


def test_there_are_translations() -> None:
    assert "de.json" in _ids(_translation_files())


@pytest.fixture(params=_translation_files(), ids=_ids(_translation_files()))
def translation(request: pytest.FixtureRequest) -> Strings:
    strings: Strings = _load(request.param)
    return strings


def test_translation_has_the_keys_of_en_json(translation: Strings) -> None:
    assert _key_errors(_load(SOURCE), translation) == []


def test_translation_keeps_the_placeholders(translation: Strings) -> None:
    assert _value_errors(_load(SOURCE), translation) == []


def test_translation_is_translated(translation: Strings) -> None:
    assert _untranslated(_load(SOURCE), translation) == []


def test_translation_passes_hassfest(translation: Strings) -> None:
    assert translation_errors(translation) == []


def test_allow_list_names_strings_of_en_json() -> None:
    english = {value for _, value in leaves(_load(SOURCE))}
    assert english >= SAME_IN_EVERY_LANGUAGE


@pytest.mark.parametrize("path", _translation_files(), ids=_ids(_translation_files()))
def test_translation_file_is_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(_load(path), indent=2, ensure_ascii=False) + "\n"


SOURCE_SAMPLE: Final = {
    "config": {
        "step": {"user": {"title": "Set up", "description": "Reach {host}"}},
        "abort": {"done": "Done"},
    },
    "selector": {"mode": {"options": {"url": "URL"}}},
}


def test_key_checker_finds_a_missing_and_an_extra_key() -> None:
    translation = {
        "config": {
            "step": {"user": {"title": "Einrichten", "extra": "Zusätzlich"}},
            "abort": {"done": "Fertig"},
        },
        "selector": {"mode": {"options": {"url": "URL"}}},
    }
    assert _key_errors(SOURCE_SAMPLE, translation) == [
        "config.step.user.description: missing",
        "config.step.user.extra: not in en.json",
    ]


def test_key_checker_finds_a_section_replaced_by_a_string() -> None:
    translation = {"config": "Konfiguration", "selector": SOURCE_SAMPLE["selector"]}
    assert _key_errors(SOURCE_SAMPLE, translation) == [
        "config.abort.done: missing",
        "config.step.user.description: missing",
        "config.step.user.title: missing",
        "config: not in en.json",
    ]


def test_value_checker_finds_changed_placeholders_and_empty_strings() -> None:
    translation = {
        "config": {
            "step": {"user": {"title": " ", "description": "Erreiche {hostname}"}},
            "abort": {"done": "Fertig {host}"},
        },
        "selector": {"mode": {"options": {"url": 3}}},
    }
    assert _value_errors(SOURCE_SAMPLE, translation) == [
        "config.step.user.title: empty",
        "config.step.user.description: placeholders ['hostname'] instead of ['host']",
        "config.abort.done: placeholders ['host'] instead of []",
        "selector.mode.options.url: expected str",
    ]


def test_value_checker_accepts_moved_placeholders() -> None:
    translation = {"config": {"step": {"user": {"description": "{host} erreichen"}}}}
    assert _value_errors(SOURCE_SAMPLE, translation) == []


def test_untranslated_checker_allows_only_the_allow_list() -> None:
    translation = {
        "config": {
            "step": {"user": {"title": "Set up", "description": "Erreiche {host}"}},
            "abort": {"done": "Fertig"},
        },
        "selector": {"mode": {"options": {"url": "URL"}}},
    }
    assert _untranslated(SOURCE_SAMPLE, translation) == [
        "config.step.user.title: not translated: 'Set up'"
    ]


def test_hassfest_checker_rejects_a_url_in_a_translation() -> None:
    assert translation_errors({"a": "Siehe https://example.com"}) == [
        "a: the string should not contain URLs, please use description "
        "placeholders instead"
    ]


def test_the_readme_pictures_are_the_screenshot_scripts() -> None:
    """Every picture the README shows exists and is one scripts/screenshots takes."""
    repo = Path(__file__).parents[1]
    shown = set(
        re.findall(r"\(docs/images/([\w-]+\.png)\)", (repo / "README.md").read_text())
    )
    taken = set(
        re.findall(
            r'IMAGES / "([\w-]+\.png)"', (repo / "scripts/screenshots.py").read_text()
        )
    )
    assert (
        shown
        == taken
        == {
            "dashboard.png",
            "dashboard-uploads.png",
            "speaker-device.png",
            "speaker-flow.png",
        }
    )
    for name in shown:
        assert (repo / "docs/images" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
