"""Settings: every ini key and option name, read once from pytest's configuration and validated.

The plugin, the live step library and the command line all read a ``Settings`` object; nothing
else calls ``config.getini`` for a checklist key. A bad value is a ``pytest.UsageError`` that
names the key, the value and how to fix it, raised before anything runs.
"""

from __future__ import annotations

import math
import re
import shlex
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from living_checklist.core import quality, redact, urls
from living_checklist.core.keys import (
    DEFAULT_CONFIDENCE,
    DEFAULT_EVIDENCE,
    DEFAULT_ID_PATTERN,
    DEFAULT_SEEDS,
    DEFAULT_SYSTEM_TIMEOUT,
    INI_CONFIDENCE,
    INI_EVIDENCE,
    INI_FEATURES,
    INI_ID_PATTERN,
    INI_LOAD_WORKERS,
    INI_QUALITY_MODEL,
    INI_REQUIRE_IDS,
    INI_SEEDS,
    INI_SERVICE,
    INI_SERVICES,
    INI_SYSTEM,
    INI_SYSTEM_TIMEOUT,
    INI_SYSTEMS,
    INI_URL,
    INI_WAIVERS,
    TBD,
)

# Set by `living-checklist status` (living_checklist.dryrun.run) before pytest configures: the
# plugin then checks its options and starts no run (a dry run collects and writes nothing).
DRY_RUN_KEY = pytest.StashKey[bool]()

__all__ = [
    "DRY_RUN_KEY",
    "DEFAULT_EVIDENCE",
    "DEFAULT_ID_PATTERN",
    "DEFAULT_SEEDS",
    "DEFAULT_SYSTEM_TIMEOUT",
    "DEFAULT_CONFIDENCE",
    "INI_CONFIDENCE",
    "INI_EVIDENCE",
    "INI_FEATURES",
    "INI_ID_PATTERN",
    "INI_LOAD_WORKERS",
    "INI_QUALITY_MODEL",
    "INI_REQUIRE_IDS",
    "INI_SEEDS",
    "INI_SERVICE",
    "INI_SERVICES",
    "INI_SYSTEM",
    "INI_SYSTEMS",
    "INI_SYSTEM_TIMEOUT",
    "INI_URL",
    "INI_WAIVERS",
    "Settings",
    "TBD",
    "is_worker",
    "nothing_runs",
    "of",
]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")

# key, help, default: registered by the plugin, so they are known wherever the package is installed.
INI_KEYS: tuple[tuple[str, str, str], ...] = (
    (INI_FEATURES, "folder of the requirement feature files; the checklist acts only where this is set", ""),
    (INI_SEEDS, "folder of the seeds manifest and digests (default: seeds)", DEFAULT_SEEDS),
    (INI_EVIDENCE, "folder of the manual evidence records, <ID>.toml (default: evidence)", DEFAULT_EVIDENCE),
    (
        INI_QUALITY_MODEL,
        "quality model the slots are checked against: iso25010 (ISO/IEC 25010:2023) or none",
        quality.MODEL,
    ),
    (INI_WAIVERS, "quality sub-characteristics with no slot on purpose, one 'name: reason' a line", ""),
    (INI_ID_PATTERN, "regex a requirement id tag must match", DEFAULT_ID_PATTERN),
    (INI_REQUIRE_IDS, "every scenario must carry an id tag (true/false)", "false"),
    (INI_SYSTEM, "command line of the system under test (split with shlex, never a shell); TBD until known", TBD),
    (INI_SYSTEM_TIMEOUT, "seconds one run of the system under test may take before it is killed", "60"),
    (
        INI_SYSTEMS,
        "named systems under test, one per line: NAME = command (a feature or scenario tagged @system-NAME "
        "runs it); NAME.timeout = seconds and NAME.cwd = folder are optional",
        "",
    ),
    (INI_URL, "base URL of the service under test, e.g. http://127.0.0.1:8000; TBD until known", TBD),
    (
        INI_SERVICE,
        "command that starts the service under test (shlex, never a shell); the checklist waits until "
        "checklist_url answers and stops it at the end; empty when the service runs already",
        "",
    ),
    (
        INI_SERVICES,
        "named services, one a line: NAME = URL, or NAME = URL | command that starts it (then NAME.timeout = "
        "seconds and NAME.cwd = folder are optional); a feature or scenario tagged @service-NAME uses that one",
        "",
    ),
    (
        INI_CONFIDENCE,
        "confidence of the bounds that decide a median or percentile budget (0.95: verified only when the "
        "upper bound is within it); 0 judges on point estimates",
        DEFAULT_CONFIDENCE,
    ),
    (
        INI_LOAD_WORKERS,
        "run every load on Locust: a master and this many workers, separate processes on this machine "
        "(needs the extra 'load', locust>=2.20); empty or 0: the built-in client",
        "",
    ),
)


def add_ini(parser: pytest.Parser) -> None:
    for key, help_text, default in INI_KEYS:
        parser.addini(key, help_text, default=default)


def _usage(key: str, raw: object, expected: str) -> pytest.UsageError:
    """A usage error quoting the value redacted: a refused line may carry a password or a token."""
    shown = redact.redact_text(repr(raw))
    return pytest.UsageError(f"{key} = {shown}: {expected}; fix it in [tool.pytest.ini_options] or with -o {key}=...")


def ini_text(config: pytest.Config, key: str) -> str:
    """The ini value as text, stripped; empty when the key is unknown (the plugin is disabled)."""
    try:
        value = config.getini(key)
    except ValueError:
        return ""
    return str(value).strip() if value is not None else ""


def parse_bool(key: str, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _usage(key, raw, "expected true or false")


def parse_id_pattern(key: str, raw: str) -> str:
    try:
        re.compile(raw)
    except re.error as exc:
        raise _usage(key, raw, f"not a valid regular expression ({exc})") from None
    return raw


def parse_quality_model(key: str, raw: str) -> str:
    if raw.lower() not in quality.MODELS:
        raise _usage(key, raw, f"expected one of {', '.join(quality.MODELS)}")
    return raw.lower()


def parse_waivers(key: str, raw: str) -> tuple[tuple[str, str], ...]:
    try:
        return tuple(quality.parse_waivers(raw).items())
    except quality.WaiverError as exc:
        raise _usage(key, raw, str(exc)) from None


def parse_timeout(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise _usage(key, raw, "expected a positive number of seconds, e.g. 60")
    return value


def parse_workers(key: str, raw: str) -> int:
    """A whole number of load workers, 0 (the built-in client) to 256."""
    if not raw.strip().isdigit() or int(raw) > 256:
        raise _usage(key, raw, "expected a whole number of Locust workers from 0 to 256, e.g. 2")
    return int(raw)


def parse_confidence(key: str, raw: str) -> float:
    """A confidence in [0, 1): 0 means point estimates, anything else the bounds' confidence."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:  # NaN fails both
        raise _usage(key, raw, "expected a number from 0 (point estimates) up to but not including 1, e.g. 0.95")
    return value


def parse_url(key: str, raw: str) -> str:
    """An http(s) URL with a host that requests can go to as written; ``TBD`` or empty stay as they
    are (the service steps are pending). Shown redacted when refused (it may carry a password)."""
    if raw in ("", TBD):
        return raw or TBD
    shown = redact.redact_url(raw)
    try:
        parts = urllib.parse.urlsplit(raw)
    except ValueError as exc:
        raise _usage(key, shown, f"the URL is not valid ({exc})") from None
    try:
        parts.port  # noqa: B018 -- raises for a port that is not a number in range
    except ValueError as exc:
        raise _usage(key, shown, f"the port is not valid ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _usage(key, shown, "expected an http:// or https:// URL with a host, e.g. http://127.0.0.1:8000")
    problem = urls.url_problem(parts)
    if problem is not None:
        raise _usage(key, shown, problem)
    return raw


def parse_command(key: str, raw: str) -> tuple[str, ...]:
    """A command line split like a shell would (no shell runs it); empty or ``TBD`` is no command."""
    if raw in ("", TBD):
        return ()
    try:
        argv = tuple(shlex.split(raw))
    except ValueError as exc:
        raise _usage(key, raw, f"cannot be split into arguments ({exc})") from None
    return argv


def _split_or_none(text: str) -> tuple[str, ...]:
    try:
        return parse_command("", text)
    except pytest.UsageError:
        return ()


SERVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class NamedService:
    """A ``checklist_services`` line (name, URL, command or none) with its NAME.timeout and NAME.cwd."""

    name: str
    url: str
    argv: tuple[str, ...] = ()
    timeout: float | None = None  # None: checklist_system_timeout
    cwd: str = ""  # folder the service starts in, relative to the rootdir; empty: the rootdir


SERVICE_OPTION = re.compile(r"(?P<name>.+)\.(?P<option>timeout|cwd)")


def parse_services(key: str, raw: str, rootdir: Path | None = None) -> tuple[NamedService, ...]:
    """``NAME = URL [| command]`` lines, each name once; ``NAME.timeout`` and ``NAME.cwd`` for a command."""
    found: dict[str, NamedService] = {}
    options: dict[str, dict[str, str]] = {}
    for line in raw.splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, equals, rest = text.partition("=")
        name = name.strip()
        option = SERVICE_OPTION.fullmatch(name)
        if equals and option is not None:
            if option["option"] in options.setdefault(option["name"], {}):
                raise _usage(key, line, f"{name} is set twice")
            options[option["name"]][option["option"]] = rest.strip()
            continue
        if not equals or not SERVICE_NAME.fullmatch(name):
            raise _usage(key, line, "expected lines NAME = URL or NAME = URL | command, NAME of letters, digits, _ . -")
        if name in found:
            raise _usage(key, line, f"the service {name!r} is named twice")
        url_text, _, command = rest.partition("|")
        url = parse_url(key, url_text.strip())
        if url == TBD and command.strip():
            raise _usage(key, line, "a service the checklist starts needs a URL to wait for")
        found[name] = NamedService(name, url, parse_command(key, command.strip()))
    for name, table in options.items():
        found[name] = _service_options(key, found.get(name), name, table, rootdir)
    return tuple(found.values())


def _service_options(
    key: str, named: NamedService | None, name: str, table: dict[str, str], rootdir: Path | None
) -> NamedService:
    option = next(iter(table))
    if named is None or not named.argv:
        raise _usage(key, f"{name}.{option} = {table[option]}", f"there is no line {name} = URL | command to start")
    timeout = parse_timeout(f"{key} ({name}.timeout)", table["timeout"]) if "timeout" in table else None
    return NamedService(name, named.url, named.argv, timeout, _project_folder(key, name, table.get("cwd", ""), rootdir))


def _project_folder(key: str, name: str, cwd: str, rootdir: Path | None) -> str:
    if not cwd or rootdir is None:
        return cwd
    folder = (rootdir / cwd).resolve()
    if not folder.is_dir() or not folder.is_relative_to(rootdir.resolve()):
        raise _usage(key, f"{name}.cwd = {cwd}", f"no such folder inside the project ({rootdir})")
    return cwd


SYSTEM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
SYSTEM_OPTIONS = ("timeout", "cwd")


@dataclass(frozen=True)
class NamedSystem:
    """One line group of ``checklist_systems``: ``NAME = command``, ``NAME.timeout``, ``NAME.cwd``."""

    name: str
    command: str  # as written; TBD until known
    timeout: float | None = None  # None: checklist_system_timeout
    cwd: str = ""  # folder the system starts in, relative to the rootdir; empty: the rootdir


def parse_systems(key: str, raw: str, rootdir: Path) -> tuple[NamedSystem, ...]:
    """``NAME = command`` lines (``#`` comments and blank lines skipped), each name once, with
    optional ``NAME.timeout = seconds`` and ``NAME.cwd = folder`` lines for a name defined there."""
    commands: dict[str, str] = {}
    options: dict[str, dict[str, str]] = {}
    for text in _setting_lines(raw):
        name, option, value = _system_line(key, text)
        table = options.setdefault(name, {}) if option else commands
        if (option or name) in table:
            raise _usage(key, text, f"{name}.{option} is set twice" if option else f"{name} is set twice")
        table[option or name] = value
    for name in options:
        if name not in commands:
            raise _usage(key, raw, f"{name}.{next(iter(options[name]))} is set but there is no line {name} = command")
    return tuple(
        _named_system(key, name, command, options.get(name, {}), rootdir) for name, command in commands.items()
    )


def _system_line(key: str, text: str) -> tuple[str, str, str]:
    """``NAME = command`` as (NAME, "", command); ``NAME.option = value`` as (NAME, option, value)."""
    left, sep, value = text.partition("=")
    name, dot, option = left.strip().partition(".")
    if not sep or not SYSTEM_NAME.fullmatch(name) or (dot and option not in SYSTEM_OPTIONS):
        raise _usage(key, text, "expected NAME = command, NAME.timeout = seconds or NAME.cwd = folder per line")
    return name, option, value.strip()


def _setting_lines(raw: str) -> Iterator[str]:
    """The lines of a multi-line ini value, stripped, without blank lines and ``#`` comments."""
    for line in raw.splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            yield text


def _named_system(key: str, name: str, command: str, options: dict[str, str], rootdir: Path) -> NamedSystem:
    parse_command(f"{key} ({name})", command)
    timeout = parse_timeout(f"{key} ({name}.timeout)", options["timeout"]) if "timeout" in options else None
    return NamedSystem(name, command or TBD, timeout, _project_folder(key, name, options.get("cwd", ""), rootdir))


@dataclass(frozen=True)
class Settings:
    """The checklist's settings for one pytest run (or one dry run)."""

    rootdir: Path
    features_dir: str  # empty: the plugin is not configured here and does nothing
    seeds_dir: str = DEFAULT_SEEDS
    evidence_dir: str = DEFAULT_EVIDENCE
    quality_model: str = quality.MODEL
    waivers: tuple[tuple[str, str], ...] = ()
    id_pattern: str = DEFAULT_ID_PATTERN
    require_ids: bool = False
    system: str = TBD
    system_timeout: float = DEFAULT_SYSTEM_TIMEOUT
    url: str = TBD
    service: tuple[str, ...] = ()  # argv of checklist_service; empty: the harness starts nothing
    services: tuple[NamedService, ...] = ()  # checklist_services, for @service-NAME
    systems: tuple[NamedSystem, ...] = ()  # checklist_systems, for @system-NAME
    confidence: float = float(DEFAULT_CONFIDENCE)  # 0: median and percentile budgets on point estimates
    load_workers: int = 0  # checklist_load_workers: Locust workers a load runs on; 0: the built-in client

    @property
    def active(self) -> bool:
        return bool(self.features_dir)

    @property
    def features_root(self) -> Path:
        return (self.rootdir / self.features_dir).resolve()

    def command_lines(self) -> tuple[tuple[str, ...], ...]:
        """Every system and service command line, split (one that cannot be split names nothing)."""
        texts = [self.system, *(system.command for system in self.systems)]
        argvs = [_split_or_none(text) for text in texts]
        return (*argvs, self.service, *(service.argv for service in self.services))

    def start_folders(self) -> tuple[Path, ...]:
        """The folders a system may start in: the rootdir and each named system's ``cwd``."""
        return (self.rootdir, *(self.rootdir / system.cwd for system in self.systems if system.cwd))

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        """Read and validate every key; raise ``pytest.UsageError`` for the first bad one."""
        url, service = _service_settings(ini_text(config, INI_URL), ini_text(config, INI_SERVICE))
        return cls(
            rootdir=config.rootpath,
            features_dir=parse_features(INI_FEATURES, ini_text(config, INI_FEATURES), config.rootpath, config.inipath),
            seeds_dir=ini_text(config, INI_SEEDS) or DEFAULT_SEEDS,
            evidence_dir=ini_text(config, INI_EVIDENCE) or DEFAULT_EVIDENCE,
            quality_model=parse_quality_model(INI_QUALITY_MODEL, ini_text(config, INI_QUALITY_MODEL) or quality.MODEL),
            waivers=parse_waivers(INI_WAIVERS, ini_text(config, INI_WAIVERS)),
            id_pattern=parse_id_pattern(INI_ID_PATTERN, ini_text(config, INI_ID_PATTERN) or DEFAULT_ID_PATTERN),
            require_ids=parse_bool(INI_REQUIRE_IDS, ini_text(config, INI_REQUIRE_IDS)),
            system=ini_text(config, INI_SYSTEM) or TBD,
            system_timeout=parse_timeout(INI_SYSTEM_TIMEOUT, ini_text(config, INI_SYSTEM_TIMEOUT) or "60"),
            url=url,
            service=service,
            services=parse_services(INI_SERVICES, ini_text(config, INI_SERVICES), config.rootpath),
            systems=parse_systems(INI_SYSTEMS, ini_text(config, INI_SYSTEMS), config.rootpath),
            confidence=parse_confidence(INI_CONFIDENCE, ini_text(config, INI_CONFIDENCE) or DEFAULT_CONFIDENCE),
            load_workers=parse_workers(INI_LOAD_WORKERS, ini_text(config, INI_LOAD_WORKERS) or "0"),
        )


def parse_features(key: str, raw: str, rootdir: Path, inipath: Path | None = None) -> str:
    """The features folder: empty (the plugin stays out of the way), or a folder inside the project.

    A misspelled name, a file, or a folder outside the project (``/`` would walk the whole file
    system) is refused before anything runs.
    """
    if not raw:
        return raw
    folder = rootdir / raw
    moved = inipath is not None and inipath.parent.resolve() != rootdir.resolve()
    if moved and not folder.is_dir() and inipath is not None and (inipath.parent / raw).is_dir():
        # --rootdir (or -c) put the rootdir elsewhere: node ids and report paths are relative to it,
        # so the features folder has to be inside it for the two to agree.
        raise _usage(
            key,
            raw,
            f"is read from the rootdir {rootdir}, not from the folder of {inipath.name}; drop --rootdir, "
            "or give a rootdir that holds the features folder",
        )
    if not folder.exists():
        raise _usage(key, raw, f"no such folder under {rootdir}; create it, or name the folder of the .feature files")
    if not folder.is_dir():
        raise _usage(key, raw, "is a file; name the folder that holds the .feature files")
    root = rootdir.resolve()
    resolved = folder.resolve()
    if resolved != root and root not in resolved.parents:
        raise _usage(key, raw, f"is outside the project ({root}); name a folder inside it, e.g. features")
    return raw


def _service_settings(url_text: str, service_text: str) -> tuple[str, tuple[str, ...]]:
    url = parse_url(INI_URL, url_text)
    service = parse_command(INI_SERVICE, service_text)
    if service and url == TBD:
        raise _usage(
            INI_SERVICE,
            service_text,
            f"{INI_URL} is TBD, so there is no address to wait for; set {INI_URL} to the URL the service answers at",
        )
    return url, service


SETTINGS_KEY = pytest.StashKey[Settings]()


def of(config: pytest.Config) -> Settings:
    """The settings of this run, read once (at configure time by the plugin)."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        settings = config.stash[SETTINGS_KEY] = Settings.from_config(config)
    return settings


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is an xdist worker (reports, caches and services belong to the controller)."""
    return hasattr(config, "workerinput")


def nothing_runs(config: pytest.Config) -> bool:
    """--collect-only, --setup-plan and --setup-only run no step: no checklist to tell."""
    option = config.option
    return bool(
        getattr(option, "collectonly", False)
        or getattr(option, "setupplan", False)
        or getattr(option, "setuponly", False)
    )
