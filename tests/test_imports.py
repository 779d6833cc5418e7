"""Start-up cost: the package and the CLI import nothing heavy until a command needs it."""

import subprocess
import sys
import types

HEAVY = (
    "pydantic",
    "requests",
    "jinja2",
    "tiktoken",
    "openai",
    "trafilatura",
    "weasyprint",
    "markdown_it",
    "yaml",
)


def imported_after(statement: str) -> list[str]:
    # The module list goes to stderr: help text on stdout may mention the same words.
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = done.stderr.split()
    return [name for name in HEAVY if name in modules]


def test_importing_the_package_and_the_cli_loads_no_heavy_dependency() -> None:
    assert imported_after("import briefer") == []
    assert imported_after("import briefer.cli") == []


def test_help_loads_no_heavy_dependency() -> None:
    statement = (
        "from briefer.cli import cli\n"
        "for args in (['--help'], ['brief', '--help'], ['summarize', '--help']):\n"
        "    try:\n        cli.main(args, prog_name='briefer')\n"
        "    except SystemExit:\n        pass"
    )
    assert imported_after(statement) == []


def test_every_public_name_resolves_to_what_it_names() -> None:
    import briefer.render  # a submodule import must not shadow the function of that name

    for name in briefer.__all__:
        value = getattr(briefer, name)
        assert not isinstance(value, types.ModuleType), name
    assert callable(briefer.render) and callable(briefer.summarize)
    assert briefer.Settings().max_tokens > 0
