"""Errors of the render pipeline's output side."""

from __future__ import annotations


class OutputError(Exception):
    """The output tree cannot be written as asked (bad path, a hand-written file in the way)."""


class ContainmentError(OutputError):
    """A path below the output root is a symlink, or not a real folder or regular file."""


class LockHeld(Exception):
    """Another obskit render holds the output folder's lock."""
