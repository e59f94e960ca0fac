"""Test-suite settings.  Generated IR goes through LLVM's verifier before it
is compiled (A64JIT_VERIFY_IR), so an emitter bug fails as a verifier
message, not as wrong results or a crash in code generation."""
import os

os.environ.setdefault("A64JIT_VERIFY_IR", "1")

import pytest  # noqa: E402


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    """The suite skips nothing (a missing tool is a failure: tests/bootstrap.sh
    installs them): any skipped test fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped: the suite must skip nothing", red=True)
        session.exitstatus = 1
