"""Prompt files: Markdown with front matter, rendered with jinja2 (StrictUndefined).

A prompt file holds the static instructions (the system message) and, after a final
``# INPUT`` heading, the header of the user message. The article goes after that header,
between fixed delimiters, once rendering is done: article text is never template syntax, and
the static part comes first so that providers' prompt caching can reuse it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .resources import data_dir

if TYPE_CHECKING:
    import jinja2

INPUT_HEADING = "# INPUT"
ARTICLE_OPEN = "<<<ARTICLE"
ARTICLE_CLOSE = "ARTICLE>>>"
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_REQUIRED = ("name", "version", "schema")


@dataclass(frozen=True)
class Prompt:
    """A parsed prompt file."""

    name: str
    version: str
    schema: str
    description: str
    system: str  # template source of the system message
    user: str  # template source of the user message header
    path: Path
    sha256: str  # of the whole file: part of every cache key

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


def _parse(path: Path) -> Prompt:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: prompt file could not be read ({exc.strerror or exc})"
        ) from None
    match = _FRONT.match(raw.replace("\r\n", "\n"))
    if not match:
        raise ConfigError(f"{path}: a prompt file starts with front matter between --- lines")
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ConfigError(f"{path}: front matter line {line!r} is not 'key: value'")
        meta[key.strip()] = value.strip()
    missing = [k for k in _REQUIRED if not meta.get(k)]
    if missing:
        raise ConfigError(f"{path}: front matter lacks {', '.join(missing)}")
    body = raw.replace("\r\n", "\n")[match.end() :]
    system, sep, user = body.partition(f"\n{INPUT_HEADING}\n")
    if not sep:
        raise ConfigError(f"{path}: the prompt needs a final '{INPUT_HEADING}' section")
    return Prompt(
        name=meta["name"],
        version=meta["version"],
        schema=meta["schema"],
        description=meta.get("description", ""),
        system=system.strip() + "\n",
        user=user.strip() + "\n",
        path=path,
        sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
    )


def _folders(prompts_dir: Path | None) -> list[Path]:
    folders = []
    if prompts_dir is not None:
        if not Path(prompts_dir).is_dir():
            raise ConfigError(f"{prompts_dir}: prompts folder not found; check the path")
        folders.append(Path(prompts_dir))
    folders.append(data_dir("prompts"))
    return folders


def list_prompts(prompts_dir: Path | None = None) -> list[Prompt]:
    """Every prompt by name; a file in ``prompts_dir`` overrides the shipped one."""
    found: dict[str, Prompt] = {}
    for folder in reversed(_folders(prompts_dir)):
        for path in sorted(folder.glob("*.md")):
            prompt = _parse(path)
            found[prompt.name] = prompt
    return [found[name] for name in sorted(found)]


def load_prompt(name: str, prompts_dir: Path | None = None) -> Prompt:
    """The named prompt, from ``prompts_dir`` first, then the shipped prompts."""
    for prompt in list_prompts(prompts_dir):
        if prompt.name == name:
            return prompt
    raise ConfigError(f"no prompt named {name!r}; `briefer prompts list` shows the prompts")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # jinja2 loads when a prompt is first rendered, not when briefer is imported.
    import jinja2

    return jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


@lru_cache(maxsize=64)
def _compiled(source: str) -> jinja2.Template:
    # A run renders the same few templates for every chunk: compile each once.
    return _environment().from_string(source)


def _render(source: str, values: dict[str, Any], prompt: Prompt, part: str) -> str:
    import jinja2

    try:
        return _compiled(source).render(**values)
    except jinja2.TemplateError as exc:
        raise ConfigError(f"{prompt.path}: the {part} part failed to render: {exc}") from None


_MARKER_RUN = re.compile(r"<{3,}|>{3,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
FIELD_LIMIT = 300  # characters of one metadata field kept inside the data block


def defuse(text: str) -> str:
    """Text that cannot open or close a data block: every run of three or more < or > is
    spaced out, so no line of it can read as a delimiter, whatever its case or spacing."""
    return _MARKER_RUN.sub(lambda m: " ".join(m.group(0)), text)


def one_line(value: object, limit: int = FIELD_LIMIT) -> str:
    """An untrusted metadata value as one defused line: no newlines or control characters."""
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return defuse(text)


def data_block(fields: dict[str, object], body: str) -> str:
    """The delimited data: metadata as single-line `name: value` lines, a blank line, the body.

    Everything that comes from an article or a feed (title, site, author, URL, date) goes here,
    never into the instructions or the header of the user message.
    """
    lines = [f"{name}: {one_line(value)}" for name, value in fields.items() if value]
    head = "\n".join(lines)
    inner = f"{head}\n\n{defuse(body)}" if head else defuse(body)
    return f"{ARTICLE_OPEN}\n{inner}\n{ARTICLE_CLOSE}\n"


def render_messages(
    prompt: Prompt,
    static: dict[str, Any],
    header: dict[str, Any],
    body: str,
    fields: dict[str, object] | None = None,
    *,
    note: str | None = None,
) -> list[dict[str, str]]:
    """Chat messages: static instructions as the system message, then the trusted header, an
    optional note (a repair request), and last the data block with the untrusted fields."""
    system = _render(prompt.system, static, prompt, "system")
    user = _render(prompt.user, {**static, **header}, prompt, "input")
    if note:
        user = f"{user.rstrip()}\n{note}\n"
    content = f"{user}\n{data_block(fields or {}, body)}"
    return [{"role": "system", "content": system}, {"role": "user", "content": content}]
