"""The encoding table checks itself at import: each mistake it exists to
catch is fed to it here and must be rejected."""
import pytest

from a64jit.translator import encoding
from a64jit.translator.decode import compile_table, TableError, ROWS

ADD_IMM = ("addsub_imm", "sf op S 100010 sh imm12:12 Rn:5 Rd:5", None)
# MOV (to/from SP) is ADD #0: a more specific pattern inside ADD_IMM's
MOV_SP = ("mov_sp", "1 0 0 100010 0 000000000000 Rn:5 Rd:5", None)


def test_the_real_table_is_accepted():
    assert len(ROWS) == len(encoding.TABLE)
    compile_table(encoding.TABLE, encoding.ORDERED)


def test_overlap_without_a_declared_order_is_rejected():
    with pytest.raises(TableError, match="mov_sp and addsub_imm overlap"):
        compile_table([MOV_SP, ADD_IMM])


def test_overlap_in_a_declared_group_is_accepted_and_ordered():
    rows = compile_table([MOV_SP, ADD_IMM], [("mov_sp", "addsub_imm")])
    assert [r.name for r in rows] == ["mov_sp", "addsub_imm"]


def test_group_in_the_wrong_order_is_rejected():
    with pytest.raises(TableError, match="not in this order"):
        compile_table([MOV_SP, ADD_IMM], [("addsub_imm", "mov_sp")])


def test_group_of_rows_that_do_not_overlap_is_rejected():
    svc = ("svc", "11010100 000 imm16:16 000 01", None)
    with pytest.raises(TableError, match="overlaps no other row"):
        compile_table([svc, ADD_IMM], [("svc", "addsub_imm")])


def test_group_naming_an_unknown_row_is_rejected():
    with pytest.raises(TableError, match="no row 'nope'"):
        compile_table([ADD_IMM], [("nope", "addsub_imm")])


def test_constraint_naming_a_missing_field_is_rejected():
    typo = ("movewide", "sf opc:2 100101 hw:2 imm16:16 Rd:5", "opc != 1 and (sf or hv < 2)")
    with pytest.raises(TableError, match="names 'hv'"):
        compile_table([typo])


def test_constraint_that_is_not_an_expression_is_rejected():
    with pytest.raises(TableError, match="not an expression"):
        compile_table([("movewide", "sf opc:2 100101 hw:2 imm16:16 Rd:5", "opc != ")])


def test_pattern_of_the_wrong_width_and_repeated_fields_are_rejected():
    with pytest.raises(TableError, match="not 32"):
        compile_table([("short", "sf op 100010 imm12:12 Rn:5 Rd:5", None)])
    with pytest.raises(TableError, match="repeated field"):
        compile_table([("twice", "sf op S 100010 sh imm12:12 Rn:5 Rn:5", None)])
