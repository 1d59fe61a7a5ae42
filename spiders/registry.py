"""The portal registry: one YAML entry per government website, validated on load.

A registry directory holds ``*.yaml`` files (one per province, say), each a mapping
``portals: [ ... ]``.  An entry names the portal, its CMS family, the publishing unit(s) it
covers with their 行政区划代码, its start URLs and the domains it may fetch from, and only the
selectors that differ from the family defaults (:mod:`spiders.selectors`).  ``${VAR}`` in a
string value is replaced by the environment variable ``VAR``.

Where the registry is read from: ``NIANBAO_PORTALS_DIR`` (one directory, or several joined with
``os.pathsep``) if set, otherwise the packaged ``spiders/portals/``.  Every problem — an unknown
key, a bad URL, a missing field, a duplicate id — raises :class:`RegistryError` naming the file
and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from nianbao.errors import UserError
from spiders.selectors import FAMILIES, FAMILY_DEFAULTS, family_selectors

PACKAGED_DIR = Path(__file__).with_name("portals")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class RegistryError(UserError):
    """A registry file that cannot be used; the message names the file and line."""


class Unit(BaseModel):
    """A publishing unit (government or department) whose reports the portal carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=2)
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    level: Literal["province", "city", "county", "township"] = "county"
    kind: Literal["government", "department"] = "government"


class Politeness(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    download_delay: float | None = Field(default=None, ge=0)
    concurrency_per_host: int | None = Field(default=None, ge=1, le=4)


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


class Portal(BaseModel):
    """One government website in the registry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")
    name: str = Field(min_length=2)
    family: Literal["trs", "hanweb", "generic"]
    region_code: str = Field(pattern=r"^\d{6}$")
    units: list[Unit] = Field(min_length=1)
    start_urls: list[str] = Field(min_length=1)
    domains: list[str] = Field(default_factory=list)
    encoding: str | None = None
    selectors: dict[str, str] = Field(default_factory=dict)
    max_list_pages: int = Field(default=30, ge=1, le=500)
    # a portal that needs code: "package.module:Class", a small subclass of its family's spider
    spider: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    politeness: Politeness = Field(default_factory=Politeness)
    notes: str | None = None

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        return [_check_url(u) for u in urls]

    @field_validator("domains")
    @classmethod
    def _domains(cls, domains: list[str]) -> list[str]:
        for d in domains:
            if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", d):
                raise ValueError(f"not a host name: {d!r}")
        return [d.lower() for d in domains]

    @field_validator("selectors")
    @classmethod
    def _selectors(cls, selectors: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        family = info.data.get("family")
        if family is None:
            return selectors
        unknown = sorted(set(selectors) - set(FAMILY_DEFAULTS[family]))
        if unknown:
            raise ValueError(
                f"unknown selector(s) {', '.join(unknown)} for family {family} "
                f"(known: {', '.join(sorted(FAMILY_DEFAULTS[family]))})"
            )
        return selectors

    @model_validator(mode="after")
    def _fill(self) -> Portal:
        if not self.domains:
            object.__setattr__(self, "domains", sorted({host_of(u) for u in self.start_urls}))
        units = [u if u.region_code else u.model_copy(update={"region_code": self.region_code})
                 for u in self.units]
        object.__setattr__(self, "units", units)
        return self

    @property
    def effective_selectors(self) -> dict[str, str]:
        return family_selectors(self.family, self.selectors)

    def allows(self, url: str) -> bool:
        """Whether ``url`` is on one of the portal's own domains (host, or host:port)."""
        return url_allowed(url, self.domains)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def url_allowed(url: str, domains: Iterable[str]) -> bool:
    """``url`` is allowed when its host (or host:port) equals or is a subdomain of an entry."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    for d in domains:
        if ":" in d:
            if f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}" == d:
                return True
        elif host == d or host.endswith("." + d):
            return True
    return False


# --- loading -----------------------------------------------------------------------------


def registry_dirs(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    raw = str(explicit) if explicit else os.environ.get("NIANBAO_PORTALS_DIR", "")
    if not raw:
        return [PACKAGED_DIR]
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p]


def _expand(value: Any, where: str) -> Any:
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in os.environ:
                raise RegistryError(f"{where}: environment variable {m.group(1)} is not set")
            return os.environ[m.group(1)]

        return _VAR.sub(sub, value)
    if isinstance(value, list):
        return [_expand(v, where) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, where) for k, v in value.items()}
    return value


def _node_line(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """1-based line of the deepest node of ``loc`` that exists in the YAML tree."""
    line = node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    line = k.start_mark.line + 1
                    node = v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def load_file(path: Path) -> list[Portal]:
    """Validate and return the portals of one YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark else ""
        raise RegistryError(f"{path}{at}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) != {"portals"} or not isinstance(data["portals"], list):
        raise RegistryError(f"{path}:1: expected a mapping with one key `portals:` holding a list")
    assert tree is not None
    portals_node = next(v for k, v in tree.value if k.value == "portals")
    out: list[Portal] = []
    for i, raw in enumerate(data["portals"]):
        entry_line = _node_line(portals_node, (i,))
        if not isinstance(raw, dict):
            raise RegistryError(f"{path}:{entry_line}: portal entry is not a mapping")
        try:
            out.append(Portal.model_validate(_expand(raw, f"{path}:{entry_line}")))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = tuple(err["loc"])
            line = _node_line(portals_node, (i, *loc))
            field = ".".join(str(p) for p in loc) or "entry"
            pid = str(raw.get("id", f"#{i + 1}"))
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            raise RegistryError(f"{path}:{line}: portal {pid}: {field}: {msg}") from exc
    return out


class Registry:
    """All portals of the registry directories, by id."""

    def __init__(self, portals: dict[str, Portal], sources: dict[str, Path]) -> None:
        self.portals = portals
        self.sources = sources

    @classmethod
    def load(cls, directory: str | os.PathLike[str] | None = None) -> Registry:
        portals: dict[str, Portal] = {}
        sources: dict[str, Path] = {}
        for d in registry_dirs(directory):
            if not d.is_dir():
                raise RegistryError(f"{d}: portal registry directory does not exist")
            for path in sorted(d.glob("*.yaml")):
                for p in load_file(path):
                    if p.id in portals:
                        raise RegistryError(
                            f"{path}: portal {p.id}: duplicate id (also in {sources[p.id]})"
                        )
                    portals[p.id] = p
                    sources[p.id] = path
        return cls(portals, sources)

    def get(self, portal_id: str) -> Portal:
        try:
            return self.portals[portal_id]
        except KeyError:
            raise UserError(
                f"unknown portal {portal_id!r} (see `nianbao portals list`; registry: "
                f"{', '.join(str(d) for d in registry_dirs())})"
            ) from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.portals.values())

    def __len__(self) -> int:
        return len(self.portals)


def load_registry(directory: str | os.PathLike[str] | None = None) -> Registry:
    return Registry.load(directory)


def portal_to_yaml(portal: Portal) -> str:
    """One entry as YAML (defaults left out), ready to paste under ``portals:``."""
    data = portal.model_dump(mode="json", exclude_defaults=True)
    data["units"] = [
        {k: v for k, v in u.items() if not (k == "region_code" and v == portal.region_code)}
        for u in data["units"]
    ]
    return yaml.safe_dump({"portals": [data]}, allow_unicode=True, sort_keys=False)


__all__ = ["FAMILIES", "Portal", "Registry", "RegistryError", "Unit", "load_registry", "url_allowed"]
