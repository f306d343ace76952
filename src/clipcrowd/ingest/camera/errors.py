"""What can stop an import run, each with the exit code the command ends with."""

from __future__ import annotations


class ImportStop(Exception):
    """Ends the run with ``exit_code`` and a one-line message."""

    exit_code = 1


class ConfigError(ImportStop):
    """Usage, configuration or hooks-module error (exit 1)."""

    exit_code = 1


class FileError(ImportStop):
    """A file cannot be imported; ``state`` is what the state store records for it."""

    exit_code = 2

    def __init__(self, message: str, state: str) -> None:
        super().__init__(message)
        self.state = state


class Locked(ImportStop):
    """Another run holds the storage's lock (exit 3)."""

    exit_code = 3
