"""Test-suite settings.  Generated IR goes through LLVM's verifier before it
is compiled (A64JIT_VERIFY_IR), so an emitter bug fails as a verifier
message, not as wrong results or a crash in code generation."""
import os

os.environ.setdefault("A64JIT_VERIFY_IR", "1")
