"""Locate the prompt and template folders, inside the wheel or in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_dir(name: str) -> Path:
    """Path of the shipped ``prompts`` or ``templates`` folder.

    A wheel carries them inside the package (``briefer/templates``); a source checkout or an
    editable install keeps them at the top level of the repository, next to ``briefer/``.
    """
    packaged = Path(str(resources.files("briefer"))) / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name
