"""The backend contracts catch the mistakes they exist to catch: an emitter
missing an operation cannot be built, and malformed IR never reaches code
generation while the verifier is on (it is on in this suite)."""
import pytest

from a64jit.runtime.abi import pack_ctx, unpack_ctx
from a64jit.runtime.cpu import Cpu
from a64jit.snippet import run_snippet
from a64jit.translator.interp import InterpEmitter
from a64jit.translator.jit.config import JitConfig
from a64jit.translator.jit.llvm import llvm_jit
from a64jit.translator.lift.emitter import LlvmEmitter
from a64jit.translator.semantics.ops import Emitter
from tests.asm import asm


def test_both_backends_implement_every_operation():
    InterpEmitter(Cpu())
    LlvmEmitter(unpack_ctx(pack_ctx(1, 1, False, False, False)))


def test_an_emitter_lacking_an_operation_cannot_be_made():
    ops = {name: (lambda self, *a: 0) for name in Emitter.__abstractmethods__ if name != "crc32"}
    Partial = type("Partial", (Emitter,), ops)
    with pytest.raises(TypeError, match="crc32"):
        Partial()
    type("Complete", (Partial,), {"crc32": lambda self, *a: 0})()     # with it, it can


def test_the_suite_runs_with_the_verifier():
    assert JitConfig.from_env().verify_ir


def test_verifier_rejects_malformed_ir():
    bad = ('define i64 @f(i1 %c) {\ntop:\n  br i1 %c, label %a, label %b\na:\n  %x = add i64 1, 2\n'
           '  br label %b\nb:\n  %y = add i64 %x, 1\n  ret i64 %y\n}\n')
    with pytest.raises(RuntimeError, match="does not dominate"):
        llvm_jit().compile(bad, 0, verify=True)


def test_an_emitter_bug_is_caught_before_code_generation(monkeypatch):
    """A broken emitter that reuses a state-field pointer across basic
    blocks (here: the PC store of a loop's taken exit, reused in its
    not-taken exit) produces IR the verifier rejects."""
    loop = asm("1: subs x5, x5, #1; b.ne 1b")
    good = run_snippet(loop, engine="jit", regs={"x5": 3})
    assert good["regs"]["x5"] == 0 and good["insns"] == 6

    def start_label_keeping_pointers(self, lab):
        self.lines.append(f"{lab}:")
        self.label = lab                 # (the real one also forgets the block's field pointers)
    monkeypatch.setattr(LlvmEmitter, "start_label", start_label_keeping_pointers)
    with pytest.raises(RuntimeError, match="does not dominate"):
        run_snippet(loop + asm("nop"), engine="jit", regs={"x5": 3})
