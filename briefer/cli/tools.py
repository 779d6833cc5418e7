"""`briefer schema`, `batch` and `prompts`: looking at and managing what runs use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import briefer

from .app import (
    State,
    cli,
    handle_errors,
    resolve_settings,
)
from .options import GroupedCommand, settings_options


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the brief's JSON export.

    \b
    Example:
      briefer schema > brief.schema.json
    """
    import json

    click.echo(json.dumps(briefer.brief_json_schema(), indent=2))


@cli.group()
def batch() -> None:
    """Batch jobs submitted with --batch: their status, and cancelling one.

    \b
    Example:
      briefer batch status
    """


# What the batch commands use: the endpoint and the store that remembers batches.
_BATCH_SETTINGS = ("base_url", "api_key", "model", "request_timeout", "max_retries", "cache_path")


@batch.command("status", cls=GroupedCommand)
@click.argument("batch_id", required=False)
@settings_options(*_BATCH_SETTINGS)
@click.pass_obj
@handle_errors
def batch_status(state: State, /, batch_id: str | None, **options: Any) -> None:
    """Show known batches (or one) with their status at the endpoint.

    \b
    Example:
      briefer batch status --base-url http://127.0.0.1:8000/v1
    """
    rows = briefer.batch_status(resolve_settings(state, options), batch_id)
    if not rows:
        click.echo("No batches.")
    for row in rows:
        counts = row.get("request_counts")
        done = f", {counts.completed}/{counts.total} done" if counts is not None else ""
        click.echo(f"{row['id']}\t{row.get('status', '?')}{done}\t{row.get('remote', '')}".rstrip())


@batch.command("cancel", cls=GroupedCommand)
@click.argument("batch_id")
@settings_options(*_BATCH_SETTINGS)
@click.pass_obj
@handle_errors
def batch_cancel(state: State, /, batch_id: str, **options: Any) -> None:
    """Cancel a batch at the endpoint.

    \b
    Example:
      briefer batch cancel batch_abc123
    """
    status = briefer.cancel_batch(resolve_settings(state, options), batch_id)
    click.echo(f"{batch_id}: {status}")


@cli.group()
def prompts() -> None:
    """List and show the prompt files the LLM engine uses.

    \b
    Example:
      briefer prompts list --prompts my_prompts/
    """


@prompts.command("list")
@settings_options("prompts_dir")
@click.pass_obj
@handle_errors
def prompts_list(state: State, /, prompts_dir: Path | None) -> None:
    """List prompts: name, version, file.

    \b
    Example:
      briefer prompts list
    """
    for prompt in briefer.list_prompts(prompts_dir):
        click.echo(f"{prompt.name}\t{prompt.version}\t{prompt.path}\t{prompt.description}")


@prompts.command("show")
@click.argument("name")
@settings_options("prompts_dir")
@click.pass_obj
@handle_errors
def prompts_show(state: State, /, name: str, prompts_dir: Path | None) -> None:
    """Print a prompt file as it is on disk.

    \b
    Example:
      briefer prompts show chunk_findings
    """
    prompt = briefer.load_prompt(name, prompts_dir)
    click.echo(prompt.path.read_text(encoding="utf-8"), nl=False)
