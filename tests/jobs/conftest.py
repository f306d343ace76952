"""The runner's tests: their job kinds are registered before any test submits one."""

from tests.jobs import kinds  # noqa: F401  (registers test.digest, test.stall, test.crash)
