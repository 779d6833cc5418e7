"""`briefer summarize`: summaries on demand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import briefer

from .app import (
    Bar,
    State,
    cli,
    error,
    flags,
    handle_errors,
    print_dry_run,
    print_mode,
    resolve_settings,
)
from .options import FETCH, OUTPUT, GroupedCommand, GroupedOption, settings_options


@cli.command(cls=GroupedCommand)
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    cls=GroupedOption,
    group=OUTPUT,
    help="Write the summary to FILE (atomically) instead of stdout.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(briefer.FORMATS),
    default=None,
    cls=GroupedOption,
    group=OUTPUT,
    help="Output format [default: from the -o file's extension (.md, .txt, .html, .json, .pdf), "
    "else md]; pdf needs -o.",
)
@click.option(
    "--feed-items",
    type=click.IntRange(1),
    default=briefer.DEFAULT_FEED_ITEMS,
    show_default=True,
    metavar="N",
    cls=GroupedOption,
    group=FETCH,
    help="A feed URL stands for its N newest items (by date, undated last).",
)
@settings_options()
@click.pass_obj
@handle_errors
def summarize(
    state: State,
    /,
    sources: tuple[str, ...],
    output: Path | None,
    fmt: str | None,
    feed_items: int,
    **options: Any,
) -> None:
    """Summarize articles: key points and risks, each with its evidence quote.

    SOURCES are files (.txt, .md, .html), directories (read recursively), http(s)
    URLs of pages or feeds, or - for standard input. A feed (RSS, Atom, JSON Feed)
    stands for its newest items (--feed-items), each read as `briefer brief` reads it;
    nothing is remembered, so a second run summarizes them again. Inputs that fail are
    reported on stderr and the others are still summarized; the exit code is then 1.

    With no endpoint configured the offline extractive engine runs. Set OPENAI_API_KEY
    (OpenAI) or --base-url (any OpenAI-compatible server) to use an LLM.

    \b
    Examples:
      briefer summarize seeds/000_1786c7b9cbb94b69.txt
      briefer summarize notes/ https://example.org/story.html -o brief.md
      briefer summarize https://example.org/feed.xml --feed-items 5
      briefer summarize seeds/ -o summary.pdf          # the format follows the extension
      curl -s https://example.org/a.html | briefer summarize - --format json
      briefer summarize seeds/ --base-url http://127.0.0.1:8080/v1 --model local
      briefer summarize seeds/ --model gpt-4o-mini --dry-run
    """
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        fmt = {"markdown": "md", "htm": "html", "txt": "md", "": "md"}.get(suffix, suffix)
        if fmt not in briefer.FORMATS:
            raise click.UsageError(
                f"{output}: briefer cannot write .{suffix} files; name it .md, .html, .pdf or "
                ".json, or pass --format"
            )
    if fmt == "pdf" and output is None:
        raise click.UsageError("a PDF is binary: write it to a file, e.g. -o summary.pdf")
    settings = resolve_settings(state, options)
    if settings.dry_run:
        plan = briefer.dry_run(sources, settings, feed_items=feed_items)
        for failure in plan.failures:
            error(f"{failure.source}: {failure.reason}")
        print_dry_run(plan)
        if settings.consolidate_above and plan.engine == "openai":
            click.echo(
                "Not counted: one consolidation call for each article of more than "
                f"{settings.consolidate_above} chunks."
            )
        if plan.failures:
            raise click.exceptions.Exit(briefer.EXIT_ERROR)
        return
    if settings.batch_export is not None:
        exported, failures = briefer.export_batch(sources, settings, feed_items=feed_items)
        if exported is not None:
            click.echo(flags(exported.message))
            return
        for failure in failures:
            error(f"{failure.source}: {failure.reason}")
        raise click.exceptions.Exit(briefer.EXIT_ERROR)
    bar = Bar(state)
    try:
        run = briefer.summarize(sources, settings, progress=bar, feed_items=feed_items)
    finally:
        bar.close()
    for failure in run.failures:
        error(f"{failure.source}: {failure.reason}")
    print_mode(state, run.engine)
    if not run.digests:
        raise click.exceptions.Exit(briefer.EXIT_ERROR)
    if output is None:
        click.echo(briefer.render(run, fmt, templates_dir=settings.templates_dir), nl=False)
    else:
        briefer.write_atomic(
            output, briefer.render_bytes(run, fmt, templates_dir=settings.templates_dir)
        )
        if not state.quiet:
            click.echo(f"Wrote {output} ({len(run.digests)} article(s), {fmt}).")
    if run.failures:
        raise click.exceptions.Exit(briefer.EXIT_ERROR)
