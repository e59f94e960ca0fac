"""Instruction semantics, written once.

Each encoding-table row has exactly one semantic function here, registered
with ``@semantics("row_name")`` and grouped by instruction family
(``dp_imm``, ``dp_reg``, ``branch``, ``system``, ``ldst``, ``fpsimd``,
``fp_scalar``, ``simd_int``).  A semantic
function ``fn(e, f)`` receives an *emitter* ``e`` and the decoded fields ``f``
and describes the instruction through the emitter's operations (see
``translator.semantics.ops.Emitter`` for the list).  Two backends implement the
emitter: the reference interpreter evaluates each operation on Python ints;
the LLVM backend emits IR for it.  So the semantics can never drift apart
between the interpreter and the JIT.

Rules for semantic functions (what keeps them backend-neutral):
- Python ``if`` may only test *static* things: fields, ``e.pc``, constants.
  Runtime conditions go through ``e.select``, ``e.branch_if`` or ``e.if_``.
- Values are opaque: combine them only through emitter operations.  Python
  ints are accepted anywhere a value is, as constants.
- Everything that can fault (loads, stores, alignment checks, helpers) comes
  before the first architectural register write of the instruction, so a
  fault leaves registers untouched (precise exceptions).
- Encodings that turn out UNDEFINED from their fields call ``e.undef()``
  before emitting anything else.
"""
from __future__ import annotations

REGISTRY: dict = {}


def semantics(*names: str):
    def deco(fn):
        for n in names:
            if n in REGISTRY:
                raise ValueError(f"two semantic functions for {n}")
            REGISTRY[n] = fn
        return fn
    return deco


@semantics("UNDEF")
def undef(e, f):
    e.undef()


def _load_families():
    from . import dp_imm, dp_reg, branch, system, ldst, fpsimd, fp_scalar, simd_ldst, simd_crypto, simd_int, simd_fp, simd_elem  # noqa: F401  (registration)


_load_families()


def lookup(name: str):
    return REGISTRY[name]
