"""Settings options, made from ``briefer.declarations``, and --help grouped by concern."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..declarations import BRIEF, CONCERNS, SETTINGS, Setting
from ..declarations import FETCH as FETCH  # summarize's --feed-items is a fetch option

# Options that are no setting say where they belong; these groups come first in --help.
OUTPUT = "Output"
RUN = "Run"
_ORDER = (OUTPUT, BRIEF, RUN, *CONCERNS[1:])
_OTHER = "Other options"


class GroupedOption(click.Option):
    """An option that names its --help section."""

    def __init__(self, *args: Any, group: str = _OTHER, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group


class GroupedCommand(click.Command):
    """A command whose --help lists its options in sections, most used first."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None and not isinstance(param, click.Argument):
                sections.setdefault(getattr(param, "group", _OTHER), []).append(record)
        for title in (*_ORDER, *sorted(set(sections) - set(_ORDER))):
            if title in sections:
                with formatter.section(f"{title} options" if title != _OTHER else title):
                    formatter.write_dl(sections[title])


class _CommaChoices(click.ParamType):  # type: ignore[type-arg]
    """A comma-separated list of choices, e.g. md,json,pdf."""

    name = "list"

    def __init__(self, choices: tuple[str, ...]) -> None:
        self.choices = choices

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        wanted = tuple(v.strip() for v in str(value).split(",") if v.strip())
        unknown = [v for v in wanted if v not in self.choices]
        if unknown or not wanted:
            self.fail(f"unknown format(s) {unknown}; use {', '.join(self.choices)}", param, ctx)
        return wanted


class _Text(click.ParamType):  # type: ignore[type-arg]
    """Text of a bounded length."""

    name = "text"

    def __init__(self, low: float | None, high: float | None) -> None:
        self.low, self.high = int(low or 0), int(high or 1_000_000)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not self.low <= len(value) <= self.high:
            self.fail(f"give {self.low} to {self.high} characters", param, ctx)
        return value


def _type(s: Setting) -> Any:
    if s.kind == "choice":
        return click.Choice(s.choices)
    if s.kind == "choices":
        return _CommaChoices(s.choices)
    if s.kind == "int":
        return click.IntRange(
            None if s.low is None else int(s.low), None if s.high is None else int(s.high)
        )
    if s.kind == "float":
        return click.FloatRange(s.low, s.high, min_open=s.low_open)
    if s.kind in ("file", "files"):
        return click.Path(dir_okay=False, exists=s.must_exist, path_type=Path)
    if s.kind == "dir":
        return click.Path(file_okay=False, path_type=Path)
    if s.kind == "str" and (s.low is not None or s.high is not None):
        return _Text(s.low, s.high)
    return None


def option_for(s: Setting) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click option of a declared setting; its value arrives under the setting's name."""
    help = s.flag_help or s.help
    notes = []
    if s.kind != "bool" and s.default_text:
        notes.append(f"default: {s.default_text}")
    if s.env:
        notes.append(f"env: {s.env}")
    if notes:
        help = f"{help} [{'; '.join(notes)}]"
    kwargs: dict[str, Any] = {"cls": GroupedOption, "group": s.concern, "help": help}
    if s.kind == "bool":
        kwargs.update(flag_value=s.switch, default=None)
    else:
        kwargs.update(type=_type(s), default=None)
        if s.kind == "files":
            kwargs.update(multiple=True, default=())
        if s.kind == "choices":
            kwargs["metavar"] = ",".join(s.choices)
    return click.option(*s.flags, s.name, **kwargs)


def _price_options(s: Setting) -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """--input-price and --output-price: the [prices] entry of --model, from the command line."""
    return [
        click.option(
            flag,
            type=click.FloatRange(0),
            default=None,
            cls=GroupedOption,
            group=s.concern,
            help=f"USD per million {side} tokens for --model (overrides [prices]).",
        )
        for flag, side in zip(s.flags, ("input", "output"))
    ]


def settings_options(
    *names: str, target: str = "settings"
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Apply the options of the declared settings (all with flags, or only ``names``)."""
    chosen = [
        s for s in SETTINGS if s.target == target and s.flags and (not names or s.name in names)
    ]
    unknown = set(names) - {s.name for s in SETTINGS}
    if unknown:
        raise TypeError(f"undeclared settings: {sorted(unknown)}")
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = []
    for s in chosen:
        options.extend(_price_options(s) if s.hand_written else [option_for(s)])

    def apply(func: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


def take_settings(options: dict[str, Any], target: str = "settings") -> dict[str, Any]:
    """Remove the declared settings from a command's keyword arguments: name -> value, None
    when not given (an unset switch or an empty list does not override the file)."""
    taken: dict[str, Any] = {}
    for s in SETTINGS:
        if s.target != target or s.hand_written or s.name not in options:
            continue
        value = options.pop(s.name)
        taken[s.name] = tuple(value) or None if s.kind == "files" else value
    return taken
