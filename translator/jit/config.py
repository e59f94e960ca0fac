"""The JIT's configuration: every environment switch read in one place (as
numba/core/config.py).  An engine takes a ``JitConfig``; ``from_env()``
builds one from the environment at the time it is called, so nothing is
frozen at import and tests can set variables per run.

| variable                | field            | default                        |
| ----------------------- | ---------------- | ------------------------------ |
| A64JIT_NO_CACHE=1       | cache_enabled    | cache on                       |
| A64JIT_CACHE_DIR        | cache_dir        | platform user cache dir/a64jit |
| A64JIT_CACHE_MAX_MB     | cache_max_bytes  | 2048 MiB                       |
| A64JIT_OPT              | opt              | 0 (tier-0 LLVM level)          |
| A64JIT_HOT_THRESHOLD    | hot_threshold    | 4096 (0: no hot tier)          |
| A64JIT_HOT_SYNC=1       | hot_async        | background compile             |
| A64JIT_VERIFY_IR=1      | verify_ir        | off (the test suite turns it on) |
| A64JIT_HOT_REGS         | hot_regs         | 1 (hot tier, registers in SSA across a module's blocks: 1 in loop modules, 2 in all, 0 in none) |
"""
from __future__ import annotations

import dataclasses
import os
import sys

HOT_OPT = 2                  # optimisation level of the hot tier
HOT_THRESHOLD = 4096         # block executions that make a module hot


def default_cache_dir(environ=os.environ) -> str:
    if environ.get("A64JIT_CACHE_DIR"):
        return environ["A64JIT_CACHE_DIR"]
    if sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    elif os.name == "nt":
        base = environ.get("LOCALAPPDATA", os.path.expanduser("~"))
    else:
        base = environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "a64jit")


def _int(environ, name, default):
    try:
        return int(environ.get(name, "") or default)
    except ValueError:
        return default


def _flag(environ, name) -> bool:
    return environ.get(name, "") not in ("", "0")


@dataclasses.dataclass(frozen=True)
class JitConfig:
    cache_enabled: bool = True
    cache_dir: str = dataclasses.field(default_factory=default_cache_dir)
    cache_max_bytes: int = 2048 << 20
    opt: int = 0                      # tier 0: fast codegen, no IR passes
    hot_threshold: int = HOT_THRESHOLD
    hot_async: bool = True
    verify_ir: bool = False
    hot_regs: int = 1

    @classmethod
    def from_env(cls, environ=None) -> "JitConfig":
        env = os.environ if environ is None else environ
        return cls(cache_enabled=not _flag(env, "A64JIT_NO_CACHE"),
                   cache_dir=default_cache_dir(env),
                   cache_max_bytes=max(_int(env, "A64JIT_CACHE_MAX_MB", 2048), 1) << 20,
                   opt=_int(env, "A64JIT_OPT", 0),
                   hot_threshold=max(_int(env, "A64JIT_HOT_THRESHOLD", HOT_THRESHOLD), 0),
                   hot_async=not _flag(env, "A64JIT_HOT_SYNC"),
                   verify_ir=_flag(env, "A64JIT_VERIFY_IR"),
                   hot_regs=_int(env, "A64JIT_HOT_REGS", 1))

    def replace(self, **changes) -> "JitConfig":
        return dataclasses.replace(self, **changes)

    @property
    def tier_up(self) -> int:
        """The hot threshold in effect (none when tier 0 is already the hot level)."""
        return 0 if self.opt >= HOT_OPT else self.hot_threshold
