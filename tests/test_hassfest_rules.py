"""The rules hassfest and HACS apply to this custom integration, checked offline.

hassfest (home-assistant/core, ``script/hassfest/``) and the HACS action
(hacs/integration, ``custom_components/hacs/validate/``) run only on GitHub. The
rules they apply to a custom integration are transcribed here from their source,
so breaking one fails this suite rather than a release. Each rule is a small
checker that returns the errors it finds, worded as hassfest or HACS words them.
Each checker is also run on a deliberately bad sample, so a checker that accepts
everything cannot pass.

The requirement rules compare the manifest with the Home Assistant installed in
the venv the suite runs on: its own requirements (``requirements.txt``), the
requirements of its bundled integrations (what ``requirements_all.txt`` is
generated from) and its ``package_constraints.txt``. The suite runs on the floor
release and on the current one, so the manifest is checked against both.

These are plain tests: they read files and need no ``hass``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
import importlib
import importlib.metadata
import json
from pathlib import Path
import re
import struct
from typing import Any, Final
from urllib.parse import urlparse
import zlib

from awesomeversion import (
    AwesomeVersion,
    AwesomeVersionException,
    AwesomeVersionStrategy,
)
import homeassistant
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.helpers import config_validation as cv, selector, service
from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
import pytest
import yaml

from .translation_rules import translation_errors, urls_in

# Home Assistant validates with probatio since 2026.10 and with voluptuous before.
# The schemas here use the library its config_validation raises the errors of.
vol: Any = getattr(cv, "probatio", None) or cv.vol
humanize_error: Callable[[Any, Exception], str] = importlib.import_module(
    f"{vol.__name__}.humanize"
).humanize_error

ROOT: Final = Path(__file__).parent.parent
INTEGRATION: Final = ROOT / "custom_components" / "privacy_guard"
HA_PACKAGE: Final = Path(homeassistant.__file__).parent

Errors = list[str]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the suite's autouse fixture: these tests need no Home Assistant."""


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = _load_json(INTEGRATION / "manifest.json")
    return manifest


def _strings() -> dict[str, Any]:
    strings: dict[str, Any] = _load_json(INTEGRATION / "translations" / "en.json")
    return strings


def _services_yaml() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(
        (INTEGRATION / "services.yaml").read_text(encoding="utf-8")
    )
    return services


def _invalid(schema: Callable[[Any], Any], value: Any) -> Errors:
    """Run a schema; return its error in hassfest's words, or nothing."""
    try:
        schema(value)
    except vol.Invalid as err:
        return [humanize_error(value, err)]
    return []


# --- manifest.json ------------------------------------------------------------
# script/hassfest/manifest.py: CUSTOM_INTEGRATION_MANIFEST_SCHEMA, which extends
# INTEGRATION_MANIFEST_SCHEMA; neither allows extra keys.

CORE_DOCUMENTATION_BASE: Final = "https://www.home-assistant.io/integrations"
SUPPORTED_IOT_CLASSES: Final = (
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
)
# model.IntegrationType without "virtual", which only core may use.
INTEGRATION_TYPES: Final = (
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
)
# ScaledQualityScaleTiers and NonScaledQualityScaleTiers.
SUPPORTED_QUALITY_SCALES: Final = (
    "bronze",
    "silver",
    "gold",
    "platinum",
    "custom",
    "no_score",
    "internal",
    "legacy",
)


def _custom_documentation_url(value: str) -> str:
    """Mirror hassfest's custom_documentation_url."""
    if urlparse(value).scheme != "https":
        raise vol.Invalid("Documentation url is not prefixed with https")
    if value.startswith(CORE_DOCUMENTATION_BASE):
        raise vol.Invalid(
            "Documentation URL should point to the custom integration documentation"
        )
    return value


def _verify_version(value: str) -> str:
    """Mirror hassfest's verify_version."""
    try:
        AwesomeVersion(
            value,
            ensure_strategy=[
                AwesomeVersionStrategy.CALVER,
                AwesomeVersionStrategy.SEMVER,
                AwesomeVersionStrategy.SIMPLEVER,
                AwesomeVersionStrategy.BUILDVER,
                AwesomeVersionStrategy.PEP440,
            ],
        )
    except AwesomeVersionException as err:
        raise vol.Invalid(f"'{value}' is not a valid version.") from err
    return value


# The discovery matchers (zeroconf, ssdp, bluetooth, homekit, dhcp, usb) are
# checked for their type only: this integration has none.
CUSTOM_INTEGRATION_MANIFEST_SCHEMA: Final = vol.Schema(
    {
        vol.Required("domain"): str,
        vol.Required("name"): str,
        vol.Optional("integration_type"): vol.In(INTEGRATION_TYPES),
        vol.Optional("config_flow"): bool,
        vol.Optional("mqtt"): [str],
        vol.Optional("zeroconf"): list,
        vol.Optional("ssdp"): list,
        vol.Optional("bluetooth"): list,
        vol.Optional("homekit"): dict,
        vol.Optional("dhcp"): list,
        vol.Optional("usb"): list,
        vol.Required("documentation"): vol.All(vol.Url(), _custom_documentation_url),
        vol.Optional("quality_scale"): vol.In(SUPPORTED_QUALITY_SCALES),
        vol.Optional("requirements"): [str],
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        vol.Required("codeowners"): [str],
        vol.Optional("loggers"): [str],
        vol.Optional("disabled"): str,
        vol.Optional("iot_class"): vol.In(SUPPORTED_IOT_CLASSES),
        vol.Optional("single_config_entry"): bool,
        vol.Optional("preview_features"): dict,
        vol.Optional("version"): vol.All(str, _verify_version),
        vol.Optional("issue_tracker"): vol.Url(),
        vol.Optional("import_executor"): bool,
    }
)


def _manifest_errors(manifest: Mapping[str, Any], directory: str) -> Errors:
    """Return what hassfest's validate_manifest finds in a custom manifest."""
    errors = [
        f"Invalid manifest: {error}"
        for error in _invalid(CUSTOM_INTEGRATION_MANIFEST_SCHEMA, dict(manifest))
    ]
    if manifest.get("domain") != directory:
        errors.append("Domain does not match dir name")
    # Only core's own helpers and platforms are in NO_IOT_CLASS.
    if "iot_class" not in manifest:
        errors.append("Domain is missing an IoT Class")
    # validate_version, for custom integrations only.
    if not manifest.get("version"):
        errors.append("No 'version' key in the manifest file.")
    return errors


def _manifest_key_order_errors(manifest: Mapping[str, Any]) -> Errors:
    """Return hassfest's sort_manifest error: domain, name, then alphabetical."""
    order = {"domain": ".domain", "name": ".name"}
    keys = list(manifest)
    if sorted(keys, key=lambda key: order.get(key, key)) != keys:
        return [
            "Manifest keys are not sorted correctly: domain, name, then "
            "alphabetical order"
        ]
    return []


def _core_collision_errors(domain: str, components: Path) -> Errors:
    """Return hassfest's warning for a domain that shadows a core integration."""
    if (components / domain).exists():
        return ["Domain collides with built-in core integration"]
    return []


# hacs/integration custom_components/hacs/utils/validate.py, used by
# validate/integration_manifest.py: HACS needs more keys than hassfest does.
HACS_INTEGRATION_MANIFEST_SCHEMA: Final = vol.Schema(
    {
        vol.Required("codeowners"): list,
        vol.Required("documentation"): cv.url,
        vol.Required("domain"): str,
        vol.Required("issue_tracker"): cv.url,
        vol.Required("name"): str,
        vol.Required("version"): vol.Coerce(AwesomeVersion),
    },
    extra=vol.ALLOW_EXTRA,
)


def test_manifest_passes_hassfest() -> None:
    assert _manifest_errors(_manifest(), INTEGRATION.name) == []


def test_manifest_checker_rejects_a_bad_manifest() -> None:
    bad = {
        "domain": "privacy_guard",
        "name": "Privacy Guard",
        "codeowners": ["@privacy-guard"],
        "documentation": "http://example.com",
        "homeassistant": "2026.2.0",
    }
    errors = _manifest_errors(bad, "other_dir")
    assert len(errors) == 4
    assert "Documentation url is not prefixed with https" in errors[0]
    assert "'homeassistant'" in errors[0]  # an extra key; voluptuous and probatio
    assert errors[1:] == [
        "Domain does not match dir name",
        "Domain is missing an IoT Class",
        "No 'version' key in the manifest file.",
    ]
    core_docs = {**bad, "documentation": f"{CORE_DOCUMENTATION_BASE}/privacy_guard"}
    assert (
        "should point to the custom integration"
        in _manifest_errors(core_docs, "privacy_guard")[0]
    )
    assert (
        "is not a valid version"
        in _manifest_errors({**bad, "version": "not a version"}, "privacy_guard")[0]
    )


def test_manifest_keys_are_sorted() -> None:
    assert _manifest_key_order_errors(_manifest()) == []


def test_key_order_checker_rejects_unsorted_keys() -> None:
    assert _manifest_key_order_errors({"name": "x", "domain": "x"}) != []
    assert _manifest_key_order_errors({"domain": "x", "name": "x", "b": 1, "a": 1})
    assert not _manifest_key_order_errors({"domain": "x", "name": "x", "a": 1})


def test_domain_does_not_collide_with_a_core_integration() -> None:
    components = HA_PACKAGE / "components"
    assert _core_collision_errors(_manifest()["domain"], components) == []
    assert _core_collision_errors("ffmpeg", components) != []


def test_manifest_passes_hacs() -> None:
    assert _invalid(HACS_INTEGRATION_MANIFEST_SCHEMA, _manifest()) == []
    without_tracker = {
        key: value for key, value in _manifest().items() if key != "issue_tracker"
    }
    assert _invalid(HACS_INTEGRATION_MANIFEST_SCHEMA, without_tracker) != []


# --- dependencies -------------------------------------------------------------
# script/hassfest/dependencies.py: _validate_dependency_imports runs for custom
# integrations too. An import from homeassistant.components.<x> needs x in
# dependencies or after_dependencies, unless x is an entity platform or one of
# ALLOWED_USED_COMPONENTS, or this integration has a platform file named x.

ALLOWED_USED_COMPONENTS: Final = frozenset(
    {
        "alert",
        "automation",
        "conversation",
        "default_config",
        "device_automation",
        "frontend",
        "group",
        "homeassistant",
        "input_boolean",
        "input_button",
        "input_datetime",
        "input_number",
        "input_select",
        "input_text",
        "media_source",
        "onboarding",
        "panel_custom",
        "persistent_notification",
        "person",
        "script",
        "shopping_list",
        "sun",
        "system_health",
        "system_log",
        "timer",
        "webhook",
        "websocket_api",
        "zone",
        "mjpeg",
        "stream",
    }
)


def _nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Walk a module as hassfest's ImportCollector does: not into TYPE_CHECKING."""
    if (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    ):
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _nodes(child)


def _referenced_components(sources: Iterable[str]) -> set[str]:
    """Return the core integrations the sources import from."""
    found: set[str] = set()
    for text in sources:
        for node in _nodes(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "homeassistant.components.http.auth" and [
                    alias.name for alias in node.names
                ] == ["async_sign_path"]:
                    continue
                if node.module.startswith("homeassistant.components."):
                    found.add(node.module.split(".")[2])
                elif node.module == "homeassistant.components":
                    found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(
                    alias.name.split(".")[2]
                    for alias in node.names
                    if alias.name.startswith("homeassistant.components.")
                )
    return found


def _dependency_errors(
    manifest: Mapping[str, Any], referenced: Iterable[str], integration: Path
) -> Errors:
    """Return hassfest's errors for components used but not depended on."""
    from homeassistant.const import Platform

    allowed = (
        ALLOWED_USED_COMPONENTS
        | {platform.value for platform in Platform}
        | set(manifest.get("dependencies", []))
        | set(manifest.get("after_dependencies", []))
        | {manifest["domain"]}
    )
    errors = [
        f"Using component {domain} but it's not in 'dependencies' or "
        "'after_dependencies'"
        for domain in sorted(set(referenced) - allowed)
        if not (integration / f"{domain}.py").is_file()
        and not (integration / domain).is_dir()
    ]
    errors.extend(
        f"Dependency {dep} is both in dependencies and after_dependencies"
        for dep in manifest.get("dependencies", [])
        if dep in manifest.get("after_dependencies", [])
    )
    return errors


def test_used_components_are_dependencies() -> None:
    sources = (path.read_text(encoding="utf-8") for path in INTEGRATION.rglob("*.py"))
    referenced = _referenced_components(sources)
    assert referenced, "no import of homeassistant.components was found"
    assert _dependency_errors(_manifest(), referenced, INTEGRATION) == []


def test_dependency_checker_rejects_an_undeclared_component() -> None:
    referenced = _referenced_components(
        [
            "from homeassistant.components.zha import x\n"
            "from homeassistant.components import hue\n"
            "import homeassistant.components.mqtt\n"
            "if TYPE_CHECKING:\n    from homeassistant.components.isy994 import y\n"
        ]
    )
    assert referenced == {"hue", "mqtt", "zha"}
    manifest = {"domain": "privacy_guard", "dependencies": ["ffmpeg"]}
    assert _dependency_errors(manifest, referenced, INTEGRATION) == [
        f"Using component {domain} but it's not in 'dependencies' or "
        "'after_dependencies'"
        for domain in ("hue", "mqtt", "zha")
    ]
    both = {**manifest, "after_dependencies": ["ffmpeg"]}
    assert _dependency_errors(both, [], INTEGRATION) == [
        "Dependency ffmpeg is both in dependencies and after_dependencies"
    ]


def test_dependencies_exist_in_home_assistant() -> None:
    manifest = _manifest()
    deps = [*manifest.get("dependencies", []), *manifest.get("after_dependencies", [])]
    for dep in deps:
        assert (HA_PACKAGE / "components" / dep / "manifest.json").is_file(), dep


# --- config_schema ------------------------------------------------------------
# script/hassfest/config_schema.py: an integration that implements async_setup or
# setup must define CONFIG_SCHEMA, PLATFORM_SCHEMA or PLATFORM_SCHEMA_BASE.


def _config_schema_errors(init_source: str) -> Errors:
    module = ast.parse(init_source)
    functions = {
        item.name
        for item in module.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    if not {"async_setup", "setup"} & functions:
        return []
    names = {"CONFIG_SCHEMA", "PLATFORM_SCHEMA", "PLATFORM_SCHEMA_BASE"}
    for item in module.body:
        if isinstance(item, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id in names
            for target in item.targets
        ):
            return []
        if (
            isinstance(item, ast.AnnAssign | ast.AugAssign)
            and isinstance(item.target, ast.Name)
            and item.target.id in names
        ):
            return []
        if isinstance(item, ast.Import | ast.ImportFrom) and any(
            (alias.asname or alias.name) in names for alias in item.names
        ):
            return []
    return [
        "Integrations which implement 'async_setup' or 'setup' must define either "
        "'CONFIG_SCHEMA', 'PLATFORM_SCHEMA' or 'PLATFORM_SCHEMA_BASE'."
    ]


def test_async_setup_comes_with_a_config_schema() -> None:
    init = (INTEGRATION / "__init__.py").read_text(encoding="utf-8")
    assert _config_schema_errors(init) == []
    assert _config_schema_errors("async def async_setup(hass, config): pass\n")
    assert not _config_schema_errors(
        "CONFIG_SCHEMA = 1\nasync def async_setup(hass, config): pass\n"
    )


# --- requirements -------------------------------------------------------------
# script/hassfest/requirements.py, validate_requirements_format: the format rules
# that apply to custom integrations too.
PACKAGE_REGEX: Final = re.compile(
    r"^(?:--.+\s)?([-_,\.\w\d\[\]]+)(==|>=|<=|~=|!=|<|>|===)*(.*)$"
)


def _requirement_format_errors(requirements: Iterable[str]) -> Errors:
    errors = []
    for req in requirements:
        if " " in req:
            errors.append(f'Requirement "{req}" contains a space')
        elif not PACKAGE_REGEX.match(req):
            errors.append(f'Requirement "{req}" does not match package regex pattern')
    return errors


def test_requirements_are_well_formed() -> None:
    assert _requirement_format_errors(_manifest()["requirements"]) == []


def test_requirement_format_checker_rejects_bad_requirements() -> None:
    assert _requirement_format_errors(["wyoming >= 1.7.2", ">=1"]) == [
        'Requirement "wyoming >= 1.7.2" contains a space',
        'Requirement ">=1" does not match package regex pattern',
    ]


# The check of a custom integration's requirements against Home Assistant itself,
# from home-assistant/core#181913 (merged 2026-09): validate_custom_requirements.
# Its rules, and the exact messages below, are those of its tests in
# tests/hassfest/test_requirements.py:
#   1. a package in Home Assistant's requirements.txt may not be listed at all;
#   2. a requirement may not exclude the version requirements_all.txt pins, and
#      an exact == pin of such a package is refused even at that version: a
#      minimum follows along when Home Assistant updates it;
#   3. a requirement must be satisfiable together with package_constraints.txt;
#   4. a package package_constraints.txt prohibits may not be required.
# An exact pin in package_constraints.txt counts as a version Home Assistant
# depends on here too, as requirements_all.txt is not installed with it (and
# nearly every such pin is one of its integrations' requirements anyway).

# package_constraints.txt pins a package to this to keep it from being installed.
PROHIBITED_VERSION: Final = "1000000000.0.0"
# A marker on a requirement counts unless it can hold nowhere Home Assistant
# runs: "platform_machine=='aarch64'" counts, "python_version<'3.0'" does not.
MARKER_ENVIRONMENTS: Final = tuple(
    {
        "platform_machine": machine,
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "extra": "",
    }
    for machine in ("x86_64", "aarch64", "armv7l", "armv6l", "i686")
)


@dataclass(frozen=True)
class CoreRequirements:
    """What a Home Assistant installs for itself, keyed by normalised name."""

    own: frozenset[str]
    pins: Mapping[str, tuple[str, str]]
    constraints: Mapping[str, tuple[str, SpecifierSet]]


def _may_apply(marker: Marker | None) -> bool:
    if marker is None:
        return True
    return any(marker.evaluate(env) for env in MARKER_ENVIRONMENTS)


def _requirement(line: str) -> Requirement | None:
    """Parse a requirement line; None for comments, options, URLs and markers off."""
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    try:
        req = Requirement(line)
    except InvalidRequirement:
        return None
    return req if _may_apply(req.marker) else None


def _exact_pin(specifier: SpecifierSet) -> str | None:
    """Return the version an == or === pins; a wildcard == is a range."""
    for spec in specifier:
        if spec.operator == "===" or (
            spec.operator == "==" and not spec.version.endswith(".*")
        ):
            return spec.version
    return None


def _core_requirements(
    own: Iterable[str], components: Path, constraints_file: Path
) -> CoreRequirements:
    """Collect what a Home Assistant checkout or installation depends on."""
    own_names = {
        canonicalize_name(req.name) for line in own if (req := _requirement(line))
    }
    pins: dict[str, tuple[str, str]] = {}
    for manifest_file in sorted(components.glob("*/manifest.json")):
        for line in _load_json(manifest_file).get("requirements", []):
            if (req := _requirement(line)) and (version := _exact_pin(req.specifier)):
                pins.setdefault(canonicalize_name(req.name), (req.name, version))
    constraints: dict[str, tuple[str, SpecifierSet]] = {}
    for line in constraints_file.read_text(encoding="utf-8").splitlines():
        if (req := _requirement(line)) is None:
            continue
        name = canonicalize_name(req.name)
        if name in constraints:
            display, merged = constraints[name]
            constraints[name] = (display, merged & req.specifier)
        else:
            constraints[name] = (req.name, req.specifier)
        version = _exact_pin(req.specifier)
        if version is not None and version != PROHIBITED_VERSION:
            pins.setdefault(name, (req.name, version))
    return CoreRequirements(frozenset(own_names), pins, constraints)


def _installed_core_requirements() -> CoreRequirements:
    return _core_requirements(
        importlib.metadata.requires("homeassistant") or [],
        HA_PACKAGE / "components",
        HA_PACKAGE / "package_constraints.txt",
    )


def _near_versions(specifier: SpecifierSet) -> set[Version]:
    """Return each bound of a specifier, and a version just above and below it."""
    found: set[Version] = set()
    for spec in specifier:
        try:
            version = Version(spec.version.removesuffix(".*"))
        except InvalidVersion:
            continue
        release = version.release
        found.add(version)
        found.add(Version(".".join(map(str, (*release, 0, 0, 0, 1)))))
        if nonzero := [index for index, part in enumerate(release) if part]:
            last = nonzero[-1]
            below = (*release[:last], release[last] - 1, 999999)
            found.add(Version(".".join(map(str, below))))
    return found


def _can_both_hold(first: SpecifierSet, second: SpecifierSet) -> bool:
    """Tell whether some version satisfies both specifiers."""
    candidates = _near_versions(first) | _near_versions(second)
    return not candidates or any(
        first.contains(version, prereleases=True)
        and second.contains(version, prereleases=True)
        for version in candidates
    )


def _custom_requirement_error(raw: str, core: CoreRequirements) -> str | None:
    """Return hassfest's one error for a custom integration requirement, if any."""
    try:
        req = Requirement(raw)
    except InvalidRequirement:
        return None  # a git+ URL: not checked against Home Assistant
    if not _may_apply(req.marker):
        return None
    name = canonicalize_name(req.name)
    if name in core.own:
        return (
            f"Requirement {raw} is a dependency of Home Assistant itself and must "
            "not be listed in the manifest of a custom integration."
        )
    if name in core.constraints:
        display, constraint = core.constraints[name]
        if _exact_pin(constraint) == PROHIBITED_VERSION:
            return (
                f"Requirement {raw} is prohibited by Home Assistant, {display} must "
                "not be installed."
            )
    if name in core.pins:
        display, version = core.pins[name]
        if not req.specifier.contains(version, prereleases=True):
            return (
                f"Requirement {raw} is incompatible with {display}=={version}, which "
                "Home Assistant depends on."
            )
        if _exact_pin(req.specifier) is not None:
            return (
                f"Requirement {raw} pins a package Home Assistant depends on "
                f'({display}=={version}). Use a minimum version ("{display}>='
                f'{version}") instead, so it can follow along when Home Assistant '
                "updates it."
            )
        return None
    if name in core.constraints:
        display, constraint = core.constraints[name]
        if not _can_both_hold(req.specifier, constraint):
            return (
                f"Requirement {raw} is incompatible with {display}{constraint}, "
                "which Home Assistant's package constraints require."
            )
    return None


def _custom_requirement_errors(
    requirements: Iterable[str], core: CoreRequirements
) -> Errors:
    return [
        error
        for raw in requirements
        if (error := _custom_requirement_error(raw, core)) is not None
    ]


def test_requirements_fit_the_installed_home_assistant() -> None:
    core = _installed_core_requirements()
    assert core.own, "found none of Home Assistant's own requirements"
    assert core.pins, "found no pin of Home Assistant's integrations"
    assert _custom_requirement_errors(_manifest()["requirements"], core) == []


def test_requirements_admit_the_versions_home_assistant_pins() -> None:
    """The stronger form: each minimum must let core's own pin through."""
    core = _installed_core_requirements()
    for raw in _manifest()["requirements"]:
        req = Requirement(raw)
        pinned = core.pins.get(canonicalize_name(req.name))
        if pinned is not None:
            assert req.specifier.contains(pinned[1], prereleases=True), (
                f"{raw} excludes {pinned[0]}=={pinned[1]}, which Home Assistant "
                f"{HA_VERSION} installs"
            )


@pytest.fixture
def stub_core(tmp_path: Path) -> CoreRequirements:
    """The stubbed Home Assistant of hassfest's own tests, from its three files."""
    modbus = tmp_path / "components" / "modbus"
    modbus.mkdir(parents=True)
    (modbus / "manifest.json").write_text(
        json.dumps({"domain": "modbus", "requirements": ["pymodbus==3.13.1"]})
    )
    constraints = tmp_path / "package_constraints.txt"
    constraints.write_text(
        "pymodbus==3.13.1\n"
        "aiofiles>=24.1.0\n"
        "poetry==1000000000.0.0\n"
        "tenacity!=8.4.0\n"
        "auth0-python<5.0\n"
        "dupe-package<2.0\n"
        "dupe-package>=1.5\n"
    )
    return _core_requirements(["aiohttp==3.14.3"], tmp_path / "components", constraints)


@pytest.mark.parametrize(
    ("requirement", "error"),
    [
        pytest.param(
            "aiohttp==3.14.3",
            "Requirement aiohttp==3.14.3 is a dependency of Home Assistant itself "
            "and must not be listed in the manifest of a custom integration.",
            id="core_dependency",
        ),
        pytest.param(
            "pymodbus==3.6.2",
            "Requirement pymodbus==3.6.2 is incompatible with pymodbus==3.13.1, "
            "which Home Assistant depends on.",
            id="pinned_below_core",
        ),
        pytest.param(
            "pymodbus>=3.20.0",
            "Requirement pymodbus>=3.20.0 is incompatible with pymodbus==3.13.1, "
            "which Home Assistant depends on.",
            id="minimum_above_core",
        ),
        pytest.param(
            "pymodbus==3.13.1",
            "Requirement pymodbus==3.13.1 pins a package Home Assistant depends on "
            '(pymodbus==3.13.1). Use a minimum version ("pymodbus>=3.13.1") instead, '
            "so it can follow along when Home Assistant updates it.",
            id="pinned_to_core_version",
        ),
        pytest.param(
            "aiofiles<24.0.0",
            "Requirement aiofiles<24.0.0 is incompatible with aiofiles>=24.1.0, "
            "which Home Assistant's package constraints require.",
            id="violates_package_constraint",
        ),
        pytest.param(
            "poetry>=1",
            "Requirement poetry>=1 is prohibited by Home Assistant, poetry must "
            "not be installed.",
            id="prohibited_package",
        ),
        pytest.param(
            "pymodbus==3.6.2;platform_machine=='aarch64'",
            "Requirement pymodbus==3.6.2;platform_machine=='aarch64' is "
            "incompatible with pymodbus==3.13.1, which Home Assistant depends on.",
            id="marker_applying_on_another_platform",
        ),
        pytest.param(
            "tenacity==8.4.0",
            "Requirement tenacity==8.4.0 is incompatible with tenacity!=8.4.0, "
            "which Home Assistant's package constraints require.",
            id="violates_excluded_version",
        ),
        pytest.param(
            "dupe-package==3.0",
            "Requirement dupe-package==3.0 is incompatible with "
            "dupe-package<2.0,>=1.5, which Home Assistant's package constraints "
            "require.",
            id="violates_merged_constraints",
        ),
    ],
)
def test_requirement_checker_rejects_what_hassfest_rejects(
    stub_core: CoreRequirements, requirement: str, error: str
) -> None:
    assert _custom_requirement_errors([requirement], stub_core) == [error]


@pytest.mark.parametrize(
    "requirement",
    [
        pytest.param("pymodbus>=3.10.0", id="minimum_below_core"),
        pytest.param("pymodbus>=3.13.1", id="minimum_equal_to_core"),
        pytest.param("aiofiles>=25.0.0", id="within_package_constraint"),
        pytest.param("unknown-package==1.2.3", id="unknown_package"),
        pytest.param("pymodbus==3.6.2;python_version<'3.0'", id="marker_not_applying"),
        pytest.param("aiofiles>25,<25.0.1", id="range_excluding_own_boundaries"),
        pytest.param("pymodbus>3.13.0,<4", id="range_around_core_version"),
        pytest.param("pymodbus==3.13.*", id="wildcard_matching_core_version"),
        pytest.param("pymodbus~=3.13.1", id="compatible_release"),
        pytest.param("tenacity>8.4.0,<9", id="range_around_excluded_version"),
        pytest.param("auth0-python==4.9.0", id="pinned_package_we_only_constrain"),
        pytest.param("dupe-package==1.7", id="within_merged_constraints"),
        pytest.param("git+https://github.com/user/project.git@1.2.3", id="git_url"),
    ],
)
def test_requirement_checker_accepts_what_hassfest_accepts(
    stub_core: CoreRequirements, requirement: str
) -> None:
    assert _custom_requirement_errors([requirement], stub_core) == []


def test_requirement_checker_rejects_pinning_a_version_core_pins() -> None:
    """The manifest's own packages, pinned with == at the version core pins."""
    core = _installed_core_requirements()
    pinned = [
        f"{core.pins[name][0]}=={core.pins[name][1]}"
        for raw in _manifest()["requirements"]
        if (name := canonicalize_name(Requirement(raw).name)) in core.pins
    ]
    assert pinned, "Home Assistant pins none of the manifest's packages"
    errors = _custom_requirement_errors(pinned, core)
    assert len(errors) == len(pinned)
    assert all("pins a package Home Assistant depends on" in e for e in errors)


# --- translations -------------------------------------------------------------
# The value rules of script/hassfest/translations.py live in
# tests/translation_rules.py (the translations tests use them too).
RE_TRANSLATION_KEY: Final = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")


def _key_errors(keys: Iterable[str]) -> Errors:
    """Return hassfest's translation_key_validator error for each bad key."""
    return [
        f"Invalid translation key '{key}', need to be [a-z0-9-_]+ and cannot start "
        "or end with a hyphen or underscore."
        for key in keys
        if RE_TRANSLATION_KEY.match(key) is None
    ]


def _translation_keys(strings: Mapping[str, Any]) -> Iterator[str]:
    """The keys hassfest validates as translation keys."""
    for platform in strings.get("entity", {}).values():
        for key, entity in platform.items():
            yield key
            yield from entity.get("state", {})
            for attribute, attribute_strings in entity.get(
                "state_attributes", {}
            ).items():
                yield attribute
                yield from attribute_strings.get("state", {})
    for key, selector_strings in strings.get("selector", {}).items():
        yield key
        yield from selector_strings.get("options", {})
    for section in ("exceptions", "issues", "services"):
        yield from strings.get(section, {})


def test_translations_pass_hassfest() -> None:
    assert translation_errors(_strings()) == []


def test_translation_keys_pass_hassfest() -> None:
    keys = list(_translation_keys(_strings()))
    assert keys
    assert _key_errors(keys) == []


def test_url_checker_finds_what_hassfest_refuses() -> None:
    assert urls_in("Such as http://pi.hole") == ["http://pi.hole"]
    for url in (
        "An example is: https://example.com.",
        "www.example.com",
        "http://example.com:8080",
        "WWW.EXAMPLE.COM",
        "HTTPS://www.example.com",
        "mqtt://broker.lan:1883",
    ):
        assert urls_in(url), url
    for text in ("Such as {example_url}", "http://192.168.1.2:3000", "http(s)"):
        assert urls_in(text) == [], text


def test_translation_checker_rejects_bad_strings() -> None:
    bad = {
        "config": {
            "step": {
                "user": {
                    "description": "See http://pi.hole",
                    "title": "The '{name}' device",
                }
            },
            "error": {"html": "Press <b>OK</b>", "space": "Trailing "},
            "abort": {"ref": "Done [%key:common::state::on%]", "count": 3},
        }
    }
    assert translation_errors(bad) == [
        "config.step.user.description: the string should not contain URLs, please "
        "use description placeholders instead",
        "config.step.user.title: the string should not contain placeholders "
        "inside single quotes",
        "config.error.html: the string should not contain HTML",
        "config.error.space: the string should not contain leading or trailing spaces",
        "config.abort.ref: the string should not contain combined translations",
        "config.abort.count: expected str",
    ]
    assert translation_errors({"ref": "[%key:common::state::on%]"}) == []


def test_translation_key_checker_rejects_bad_keys() -> None:
    assert len(_key_errors(["Upper", "trailing_", "_leading", "double__score"])) == 4
    assert _key_errors(["ok_key", "ok-key", "key2"]) == []


# --- services.yaml and its translations ---------------------------------------
# script/hassfest/services.py: CUSTOM_INTEGRATION_SERVICES_SCHEMA, and for each
# service its name and description, and the name and description of each field,
# in services.yaml or in translations/en.json; a section needs a name. hassfest
# enforces the names and descriptions for core integrations only; they are
# required here because without them the action shows up unnamed in the UI. A
# field's select selector with a translation_key needs that key in "selector".


def _exists(value: Any) -> Any:
    if value is None:
        raise vol.Invalid("Value cannot be None")
    return value


def _field_schema(*, targeted: bool) -> Callable[[Any], Any]:
    schema: dict[Any, Any] = {
        vol.Optional("example"): _exists,
        vol.Optional("default"): _exists,
        vol.Optional("required"): bool,
        vol.Optional("advanced"): bool,
        vol.Optional("selector"): selector.validate_selector,
        vol.Optional("description"): str,
        vol.Optional("name"): str,
    }
    if targeted:
        schema[vol.Optional("filter")] = {
            vol.Exclusive("attribute", "field_filter"): {
                vol.Required(str): [vol.All(str, service.validate_attribute_option)],
            },
            vol.Exclusive("supported_features", "field_filter"): [
                vol.All(str, service.validate_supported_feature)
            ],
        }
    return vol.Schema(schema)


def _service_schema(*, targeted: bool) -> Callable[[Any], Any]:
    section = vol.Schema(
        {
            vol.Optional("collapsed"): bool,
            vol.Required("fields"): vol.Schema({str: _field_schema(targeted=targeted)}),
            vol.Optional("description"): str,
            vol.Optional("name"): str,
        }
    )
    schema: dict[Any, Any] = {
        vol.Optional("fields"): vol.Schema(
            {str: vol.Any(_field_schema(targeted=targeted), section)}
        ),
        vol.Optional("description"): str,
        vol.Optional("name"): str,
    }
    if targeted:
        schema[vol.Required("target")] = selector.TargetSelector.CONFIG_SCHEMA
    return vol.Schema(schema)


CUSTOM_INTEGRATION_SERVICES_SCHEMA: Final = vol.Schema(
    {
        cv.slug: vol.Any(
            _service_schema(targeted=True), _service_schema(targeted=False), None
        )
    }
)
RE_SERVICE_REGISTRATION: Final = re.compile(
    r"(hass\.services\.(register|async_register))|async_register_entity_service"
    r"|async_register_admin_service"
)


def _fields(service_schema: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Each field of a service, the fields of its sections included."""
    for name, field in (service_schema.get("fields") or {}).items():
        if field and "fields" in field:
            yield from field["fields"].items()
        else:
            yield name, field or {}


def _service_translation_errors(
    services: Mapping[str, Any], strings: Mapping[str, Any]
) -> Errors:
    """Return services.py's errors, with the suffix it uses for custom ones."""
    return [
        error
        for name, schema in services.items()
        for error in _one_service_translation_errors(
            name,
            schema or {},
            strings.get("services", {}).get(name, {}),
            strings.get("selector", {}),
        )
    ]


def _one_service_translation_errors(
    name: str,
    schema: Mapping[str, Any],
    translated: Mapping[str, Any],
    selectors: Mapping[str, Any],
) -> Errors:
    suffix = "and is not in the translations file"
    errors = [
        f"Service {name} has no {key} {suffix}"
        for key in ("name", "description")
        if key not in schema and key not in translated
    ]
    errors.extend(
        f"Service {name} has a section {section} with no name {suffix}"
        for section, section_schema in (schema.get("fields") or {}).items()
        if section_schema
        and "fields" in section_schema
        and "name" not in section_schema
        and "name" not in translated.get("sections", {}).get(section, {})
    )
    declared = set()
    for field, field_schema in _fields(schema):
        declared.add(field)
        field_strings = translated.get("fields", {}).get(field, {})
        errors.extend(
            f"Service {name} has a field {field} with no {key} {suffix}"
            for key in ("name", "description")
            if key not in field_schema and key not in field_strings
        )
        select = (field_schema.get("selector") or {}).get("select") or {}
        if (key := select.get("translation_key")) and key not in selectors:
            errors.append(
                f"Service {name} has a field {field} with a selector with a "
                f"translation key {key} that is not in the translations file"
            )
    errors.extend(
        f"Service {name} has a field {field} in the translations file that is not "
        "in the schema"
        for field in translated.get("fields", {})
        if field not in declared
    )
    return errors


def test_services_yaml_passes_hassfest() -> None:
    assert _invalid(CUSTOM_INTEGRATION_SERVICES_SCHEMA, _services_yaml()) == []


def test_services_schema_rejects_a_bad_service() -> None:
    assert _invalid(CUSTOM_INTEGRATION_SERVICES_SCHEMA, {"Engage now": None})
    assert _invalid(
        CUSTOM_INTEGRATION_SERVICES_SCHEMA,
        {"engage": {"fields": {"duration": {"selector": {"no_such_selector": {}}}}}},
    )
    assert _invalid(
        CUSTOM_INTEGRATION_SERVICES_SCHEMA,
        {"engage": {"fields": {"duration": {"colour": "red"}}}},
    )


def test_a_registered_service_has_a_services_yaml() -> None:
    sources = "\n".join(
        path.read_text(encoding="utf-8") for path in INTEGRATION.rglob("*.py")
    )
    assert RE_SERVICE_REGISTRATION.search(sources)
    assert (INTEGRATION / "services.yaml").is_file()
    assert not RE_SERVICE_REGISTRATION.search("hass.services.has_service(x, y)")


def test_every_service_and_field_is_named_and_described() -> None:
    assert _service_translation_errors(_services_yaml(), _strings()) == []


def test_service_translation_checker_rejects_missing_strings() -> None:
    services = {
        "engage": {
            "fields": {
                "duration": {"selector": {"duration": None}},
                "advanced": {
                    "fields": {
                        "mode": {"selector": {"select": {"translation_key": "mode"}}}
                    }
                },
            }
        },
        "release": None,
    }
    strings = {
        "services": {
            "engage": {
                "name": "Engage",
                "fields": {"duration": {"name": "Duration"}, "stale": {"name": "x"}},
            }
        }
    }
    suffix = "and is not in the translations file"
    assert _service_translation_errors(services, strings) == [
        f"Service engage has no description {suffix}",
        f"Service engage has a section advanced with no name {suffix}",
        f"Service engage has a field duration with no description {suffix}",
        f"Service engage has a field mode with no name {suffix}",
        f"Service engage has a field mode with no description {suffix}",
        "Service engage has a field mode with a selector with a translation key "
        "mode that is not in the translations file",
        "Service engage has a field stale in the translations file that is not in "
        "the schema",
        f"Service release has no name {suffix}",
        f"Service release has no description {suffix}",
    ]


# --- icons.json ---------------------------------------------------------------
# script/hassfest/icons.py: every icon starts with "mdi:"; entity icons per
# platform and translation key, each with an optional default, state icons and
# state_attributes; the keys are translation keys. A service's icons take the
# form {"service": icon, "sections": {section: icon}}, as in core's own
# icons.json files (homeassistant/helpers/icon.py still converts a bare string).
# An attribute state icon may not repeat its default.


def _icon_value(value: Any) -> str:
    value = cv.string_with_no_html(value)
    if not value.startswith("mdi:"):
        raise vol.Invalid(
            "The icon needs to be a valid icon from Material Design Icons and start "
            "with `mdi:`"
        )
    return str(value)


def _translation_key(value: Any) -> str:
    if errors := _key_errors([str(value)]):
        raise vol.Invalid(errors[0])
    return str(value)


def _ensure_not_same_as_default(value: dict[str, Any]) -> dict[str, Any]:
    for translation_key, section in value.items():
        if (default := section.get("default")) and (states := section.get("state")):
            for state, icon in states.items():
                if icon == default:
                    raise vol.Invalid(
                        f"The icon for state `{translation_key}.{state}` is the same "
                        "as the default icon and thus can be removed"
                    )
    return value


def _icons_schema() -> Callable[[Any], Any]:
    state = cv.schema_with_slug_keys(_icon_value, slug_validator=_translation_key)
    entity = {
        vol.Optional("default"): _icon_value,
        vol.Optional("state"): state,
        vol.Optional("state_attributes"): vol.All(
            cv.schema_with_slug_keys(
                {vol.Optional("default"): _icon_value, vol.Optional("state"): state},
                slug_validator=_translation_key,
            ),
            _ensure_not_same_as_default,
        ),
    }
    data_entry = vol.Schema({"step": {str: {"section": {str: _icon_value}}}})

    def described(key: str) -> Any:
        return cv.schema_with_slug_keys(
            {
                vol.Required(key): _icon_value,
                vol.Optional("sections"): cv.schema_with_slug_keys(
                    _icon_value, slug_validator=_translation_key
                ),
            },
            slug_validator=_translation_key,
        )

    return vol.Schema(
        {
            vol.Optional("config"): data_entry,
            vol.Optional("issues"): vol.Schema({str: {"fix_flow": data_entry}}),
            vol.Optional("options"): data_entry,
            vol.Optional("services"): described("service"),
            vol.Optional("conditions"): described("condition"),
            vol.Optional("triggers"): described("trigger"),
            # Applied a level above the translation keys, as hassfest applies it.
            vol.Optional("entity"): vol.All(
                cv.schema_with_slug_keys(
                    cv.schema_with_slug_keys(entity, slug_validator=_translation_key),
                    slug_validator=cv.slug,
                ),
                _ensure_not_same_as_default,
            ),
        }
    )


def test_icons_pass_hassfest() -> None:
    assert _invalid(_icons_schema(), _load_json(INTEGRATION / "icons.json")) == []


def test_every_service_has_an_icon() -> None:
    """hassfest requires this of core integrations; this one keeps to it."""
    icons = _load_json(INTEGRATION / "icons.json")
    assert set(_services_yaml()) <= set(icons.get("services", {}))


@pytest.mark.parametrize(
    "icons",
    [
        pytest.param({"services": {"engage": "mdi:shield-lock"}}, id="bare_string"),
        pytest.param({"services": {"engage": {"service": "shield"}}}, id="no_mdi"),
        pytest.param({"entity": {"sensor": {"Bad": {"default": "mdi:a"}}}}, id="key"),
        pytest.param({"entity": {"sensor": {"x": {"icon": "mdi:a"}}}}, id="extra"),
        pytest.param(
            {
                "entity": {
                    "sensor": {
                        "x": {
                            "state_attributes": {
                                "a": {"default": "mdi:a", "state": {"on": "mdi:a"}}
                            }
                        }
                    }
                }
            },
            id="same_as_default",
        ),
        pytest.param({"entity_component": {"_": {"default": "mdi:a"}}}, id="hub"),
    ],
)
def test_icon_schema_rejects_bad_icons(icons: dict[str, Any]) -> None:
    assert _invalid(_icons_schema(), icons) != []


# --- brand images -------------------------------------------------------------
# Since Home Assistant 2026.3 (core#163960) a custom integration ships its brand
# images in custom_components/<domain>/brand/; the brands integration serves only
# the names in its ALLOWED_IMAGES. HACS (validate/brands.py, hacs/integration#5128)
# fails when brand/icon.png is missing and the domain is not in the brands
# repository. The sizes are those of the home-assistant/brands README: icons
# 256x256 (512x512 @2x), logos 128 to 256 pixels on the shortest side (256 to 512
# @2x). The PNG header is read here directly, as Pillow may not be installed.

PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
BRAND_IMAGES: Final = frozenset(
    {
        f"{dark}{kind}{scale}.png"
        for dark in ("", "dark_")
        for kind in ("icon", "logo")
        for scale in ("", "@2x")
    }
)
HACS_BRANDS_ERROR: Final = (
    "The repository does not provide brand assets and is not listed in the Home "
    "Assistant brands repository."
)


def _png_size(data: bytes) -> tuple[int, int] | None:
    """Return the width and height in a PNG's IHDR chunk; None if not a PNG."""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _brand_size_error(name: str, size: tuple[int, int]) -> str | None:
    width, height = size
    double = "@2x" in name
    if "icon" in name:
        side = 512 if double else 256
        if size != (side, side):
            return f"{name} is {width}x{height}, not {side}x{side}"
        return None
    low, high = (256, 512) if double else (128, 256)
    if not low <= min(size) <= high:
        return f"{name} is {width}x{height}: its shortest side is not {low} to {high}"
    return None


def _brand_errors(brand: Path) -> Errors:
    if not (brand / "icon.png").is_file():
        return [HACS_BRANDS_ERROR]
    errors = []
    for path in sorted(brand.iterdir()):
        if path.name not in BRAND_IMAGES:
            errors.append(f"{path.name} is not a brand image Home Assistant serves")
        elif (size := _png_size(path.read_bytes()[:24])) is None:
            errors.append(f"{path.name} is not a PNG")
        elif error := _brand_size_error(path.name, size):
            errors.append(error)
    return errors


def _png(width: int, height: int) -> bytes:
    """Return the start of a PNG: its signature and IHDR chunk."""
    header = struct.pack(">II5B", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        PNG_SIGNATURE
        + struct.pack(">I", len(header))
        + chunk
        + (struct.pack(">I", zlib.crc32(chunk)))
    )


def test_brand_image_names_are_the_ones_home_assistant_serves() -> None:
    try:
        from homeassistant.components.brands.const import ALLOWED_IMAGES
    except ImportError:  # before Home Assistant 2026.3
        pytest.skip(f"Home Assistant {HA_VERSION} serves no local brand images")
    assert frozenset(ALLOWED_IMAGES) == BRAND_IMAGES


def test_brand_images_pass_hacs_and_the_brands_rules() -> None:
    brand = INTEGRATION / "brand"
    assert _brand_errors(brand) == []
    assert {"icon.png", "icon@2x.png", "logo.png", "logo@2x.png"} <= {
        path.name for path in brand.iterdir()
    }


def test_brand_checker_rejects_bad_images(tmp_path: Path) -> None:
    assert _brand_errors(tmp_path) == [HACS_BRANDS_ERROR]
    (tmp_path / "icon.png").write_bytes(_png(128, 128))
    (tmp_path / "icon@2x.png").write_bytes(_png(512, 512))
    (tmp_path / "logo.png").write_bytes(_png(600, 100))
    (tmp_path / "logo@2x.png").write_bytes(b"GIF89a")
    (tmp_path / "banner.png").write_bytes(_png(256, 256))
    assert _brand_errors(tmp_path) == [
        "banner.png is not a brand image Home Assistant serves",
        "icon.png is 128x128, not 256x256",
        "logo.png is 600x100: its shortest side is not 128 to 256",
        "logo@2x.png is not a PNG",
    ]


# --- HACS: hacs.json, information and license ---------------------------------
# hacs/integration: validate/hacsjson.py with HACS_MANIFEST_JSON_SCHEMA from
# utils/validate.py (no extra keys), validate/information.py (a README or info
# file) and validate/license.py (a license GitHub recognises; offline, a LICENSE
# file with one of those licenses' titles).

HACS_MANIFEST_JSON_SCHEMA: Final = vol.Schema(
    {
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any(str, [str]),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): str,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): str,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
        vol.Required("name"): str,
    }
)
LICENSE_TITLES: Final = (
    "Apache License",
    "MIT License",
    "GNU GENERAL PUBLIC LICENSE",
    "GNU LESSER GENERAL PUBLIC LICENSE",
    "GNU AFFERO GENERAL PUBLIC LICENSE",
    "Mozilla Public License",
    "BSD 2-Clause License",
    "BSD 3-Clause License",
    "Boost Software License",
    "Eclipse Public License",
    "This is free and unencumbered software released into the public domain",
    "Creative Commons Legal Code",
)


def _hacs_json_errors(content: Mapping[str, Any]) -> Errors:
    errors = _invalid(HACS_MANIFEST_JSON_SCHEMA, dict(content))
    if content.get("zip_release") and not content.get("filename"):
        errors.append("zip_release is True, but filename is not set")
    if "homeassistant" in content:
        version = AwesomeVersion(content["homeassistant"])
        if version.strategy == AwesomeVersionStrategy.UNKNOWN:
            errors.append(f"homeassistant '{version}' is not a version")
    return errors


def _information_errors(root: Path) -> Errors:
    names = {path.name.lower() for path in root.iterdir()}
    if names & {"readme", "readme.md", "info", "info.md"}:
        return []
    return ["The repository has no information file"]


def _license_errors(root: Path) -> Errors:
    for path in root.iterdir():
        if path.is_file() and path.stem.upper() in ("LICENSE", "LICENCE", "COPYING"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(title.lower() in text.lower() for title in LICENSE_TITLES):
                return []
            return ["The repository has no recognized open source license"]
    return ["The repository has no license"]


def test_hacs_json_passes_hacs() -> None:
    assert _hacs_json_errors(_load_json(ROOT / "hacs.json")) == []


def test_hacs_json_checker_rejects_a_bad_file() -> None:
    errors = _hacs_json_errors(
        {"name": "x", "domains": ["x"], "zip_release": True, "homeassistant": "?"}
    )
    assert len(errors) == 3
    assert "'domains'" in errors[0]  # an extra key
    assert errors[1:] == [
        "zip_release is True, but filename is not set",
        "homeassistant '?' is not a version",
    ]


def test_suite_runs_on_a_home_assistant_hacs_would_install_on() -> None:
    minimum = AwesomeVersion(_load_json(ROOT / "hacs.json")["homeassistant"])
    assert AwesomeVersion(HA_VERSION) >= minimum


def test_repository_has_information_and_a_license() -> None:
    assert _information_errors(ROOT) == []
    assert _license_errors(ROOT) == []


def test_information_and_license_checkers_reject_an_empty_repository(
    tmp_path: Path,
) -> None:
    assert _information_errors(tmp_path) == ["The repository has no information file"]
    assert _license_errors(tmp_path) == ["The repository has no license"]
    (tmp_path / "LICENSE").write_text("All rights reserved.")
    assert _license_errors(tmp_path) == [
        "The repository has no recognized open source license"
    ]
