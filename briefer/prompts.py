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
from pathlib import Path
from typing import Any

import jinja2

from .errors import ConfigError
from .resources import data_dir

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


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _render(source: str, values: dict[str, Any], prompt: Prompt, part: str) -> str:
    try:
        return _ENV.from_string(source).render(**values)
    except jinja2.TemplateError as exc:
        raise ConfigError(f"{prompt.path}: the {part} part failed to render: {exc}") from None


def render_messages(
    prompt: Prompt,
    static: dict[str, Any],
    header: dict[str, Any],
    article_text: str,
) -> list[dict[str, str]]:
    """Chat messages: static instructions as the system message, then header and article."""
    system = _render(prompt.system, static, prompt, "system")
    user = _render(prompt.user, {**static, **header}, prompt, "input")
    # Delimiters inside the article would let it close its own data block: defuse them.
    body = article_text.replace(ARTICLE_CLOSE, "ARTICLE> >>").replace(ARTICLE_OPEN, "<< <ARTICLE")
    content = f"{user}\n{ARTICLE_OPEN}\n{body}\n{ARTICLE_CLOSE}\n"
    return [{"role": "system", "content": system}, {"role": "user", "content": content}]
