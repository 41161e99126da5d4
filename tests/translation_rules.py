"""The value rules hassfest applies to a custom integration's translations.

Shared by the hassfest rule tests and the translation tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import re
from typing import Any, Final

from homeassistant.helpers import config_validation as cv
import voluptuous as vol

Errors = list[str]

# script/hassfest/translations.py checks translations/en.json of a custom
# integration. translation_value_validator applies to every string: no HTML
# (cv.string_with_no_html), no placeholder in single quotes, no combined
# references, no leading or trailing spaces, and no URL: a URL is passed in as a
# description placeholder instead. The URL regex is hassfest's RE_URL; core's
# tests/hassfest/test_translations.py rejects "www.example.com",
# "http://example.com:8080", "WWW.EXAMPLE.COM" and "HTTPS://www.example.com", so it
# ignores case. It wants a top-level domain of letters: an IP address passes.
RE_URL: Final = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)
RE_PLACEHOLDER_IN_SINGLE_QUOTES: Final = re.compile(r"'{\w+}'")
RE_COMBINED_REFERENCE: Final = re.compile(r"(.+\[%)|(%\].+)")


def urls_in(text: str) -> list[str]:
    return [match.group(0) for match in RE_URL.finditer(text)]


def translation_value_errors(value: str) -> Errors:
    """Return what hassfest's translation_value_validator finds in a string."""
    errors = []
    try:
        cv.string_with_no_html(value)
    except vol.Invalid as err:
        errors.append(str(err))
    if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(value):
        errors.append("the string should not contain placeholders inside single quotes")
    if RE_COMBINED_REFERENCE.search(value):
        errors.append("the string should not contain combined translations")
    if value != value.strip():
        errors.append("the string should not contain leading or trailing spaces")
    if urls_in(value):
        errors.append(
            "the string should not contain URLs, please use description "
            "placeholders instead"
        )
    return errors


def leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{path}.{key}" if path else key)
    else:
        yield path, node


def translation_errors(strings: Mapping[str, Any]) -> Errors:
    errors = []
    for path, value in leaves(strings):
        if not isinstance(value, str):
            errors.append(f"{path}: expected str")
            continue
        errors.extend(f"{path}: {error}" for error in translation_value_errors(value))
    return errors
