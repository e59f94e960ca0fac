"""The system-register table checks itself at import (encodings unique, ID
space complete and read-only, ID registers consistent with the registers
present); here its encodings are also checked against GNU as."""
import pytest

from a64jit.runtime import sysreg_defs as D


def test_table_encodings_match_the_assembler():
    checked, skipped = D.check_against_assembler()
    assert checked > 200 and skipped < 40


def test_self_check_rejects_a_duplicate_encoding(monkeypatch):
    dup = D.RegDef("DUP_EL1", *[getattr(D.BY_NAME["SCTLR_EL1"], k) for k in ("op0", "op1", "crn", "crm", "op2")],
                   el=1, access="rw")
    monkeypatch.setattr(D, "REGISTERS", D.REGISTERS + [dup])
    with pytest.raises(AssertionError, match="DUP_EL1 shares encoding 0xc080 with SCTLR_EL1"):
        D.self_check()
