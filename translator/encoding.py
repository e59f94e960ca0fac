"""The A64 encoding table: the one place that says which bit patterns are
which instruction, for the whole ARMv8.0-A integer and system instruction set
and, so far, the SIMD&FP register file and data movement.

Each row is ``(name, pattern, constraint)``:

- ``name`` names the semantic function that executes the row (found in
  ``translator/semantics/<family>.py`` by ``@semantics("name")``);
- ``pattern`` lists bits 31..0 as space-separated tokens: runs of ``0``/``1``
  are fixed bits, ``x`` a bit the row ignores, ``name:N`` an N-bit field and a
  bare ``name`` a 1-bit field;
- ``constraint`` (optional) is a Python expression over the fields; a word
  that matches the pattern but fails the constraint is not this row (the
  decoder goes on to later rows, and ends at UNDEF).  Constraints carry the
  "unallocated" rules of the ARM ARM's encoding index (C4.1).

Rows are tried in table order.  Rows whose patterns overlap must say so: they
go in one group of ``ORDERED`` (most specific first, in table order), as
decodetree's pattern groups; the decoder rejects the table at import
otherwise, and also rejects constraints that name anything but the row's
fields (see ``decode.check_table``).  Anything no row accepts is UNDEFINED.  Section references are to the ARM ARM
(DDI 0487) chapter C4 "A64 Instruction Set Encoding".
"""

TABLE = [
    # ---- C4.1.86 Data processing -- immediate ------------------------------
    ("adr",         "op immlo:2 10000 immhi:19 Rd:5", None),
    ("addsub_imm",  "sf op S 100010 sh imm12:12 Rn:5 Rd:5", None),
    ("logic_imm",   "sf opc:2 100100 N immr:6 imms:6 Rn:5 Rd:5",
                    "(sf or not N) and decode_bit_masks(N, imms, immr, 64 if sf else 32) is not None"),
    ("movewide",    "sf opc:2 100101 hw:2 imm16:16 Rd:5", "opc != 1 and (sf or hw < 2)"),
    ("bitfield",    "sf opc:2 100110 N immr:6 imms:6 Rn:5 Rd:5",
                    "opc != 3 and sf == N and (sf or (immr < 32 and imms < 32))"),
    ("extr",        "sf 00 100111 N 0 Rm:5 imms:6 Rn:5 Rd:5", "sf == N and (sf or imms < 32)"),

    # ---- C4.1.87 Branches, exception generating and system instructions ----
    ("b_cond",      "0101010 0 imm19:19 0 cond:4", None),
    ("svc",         "11010100 000 imm16:16 000 01", None),
    ("hvc",         "11010100 000 imm16:16 000 10", None),
    ("smc",         "11010100 000 imm16:16 000 11", None),
    ("brk",         "11010100 001 imm16:16 000 00", None),
    ("hlt",         "11010100 010 imm16:16 000 00", None),
    ("hint",        "11010101000000110010 CRm:4 op2:3 11111", None),
    ("barrier",     "11010101000000110011 CRm:4 op2:3 11111", "op2 in (2, 4, 5, 6)"),
    ("msr_imm",     "1101010100000 op1:3 0100 CRm:4 op2:3 11111",
                    "(op1, op2) in ((0, 5), (3, 6), (3, 7))"),
    ("sys",         "1101010100 0 01 op1:3 CRn:4 CRm:4 op2:3 Rt:5", None),   # SYSL: no v8.0 operation
    ("sysreg",      "1101010100 L 1 o0 op1:3 CRn:4 CRm:4 op2:3 Rt:5", None),
    ("br",          "1101011 0 0 op:2 11111 000000 Rn:5 00000", "op != 3"),   # BR, BLR, RET
    ("eret",        "11010110100111110000001111100000", None),
    ("b_imm",       "op 00101 imm26:26", None),
    ("cb",          "sf 011010 op imm19:19 Rt:5", None),
    ("tb",          "b5 011011 op b40:5 imm14:14 Rt:5", None),

    # ---- C4.1.88 Loads and stores (general registers only: bit 26 V = 0) ---
    ("ldst_excl",   "size:2 001000 0 L 0 Rs:5 o0 Rt2:5 Rn:5 Rt:5", None),
    ("ldst_excl_pair", "1 sz 001000 0 L 1 Rs:5 o0 Rt2:5 Rn:5 Rt:5", None),
    ("ldst_ordered", "size:2 001000 1 L 0 Rs:5 1 Rt2:5 Rn:5 Rt:5", None),
    ("ldr_lit",     "opc:2 011 0 00 imm19:19 Rt:5", None),
    ("ldst_pair",   "opc:2 101 0 0 mode:2 L imm7:7 Rt2:5 Rn:5 Rt:5",
                    "opc in (0, 2) or (opc == 1 and L == 1 and mode != 0)"),
    ("ldst_imm9",   "size:2 111 0 00 opc:2 0 imm9:9 idx:2 Rn:5 Rt:5",
                    "(opc < 2 or size < 2 or (size == 2 and opc == 2)"
                    " or (size == 3 and opc == 2 and idx == 0))"),
    ("ldst_regoff", "size:2 111 0 00 opc:2 1 Rm:5 option:3 S 10 Rn:5 Rt:5",
                    "option & 2 and (opc < 2 or size < 2 or (size == 2 and opc == 2) or (size == 3 and opc == 2))"),
    ("ldst_uimm",   "size:2 111 0 01 opc:2 imm12:12 Rn:5 Rt:5",
                    "opc < 2 or size < 2 or (size == 2 and opc == 2) or (size == 3 and opc == 2)"),

    # ---- C4.1.89 Data processing -- register -------------------------------
    ("dp2",         "sf 0 0 11010110 Rm:5 opcode:6 Rn:5 Rd:5",
                    "opcode in (2, 3, 8, 9, 10, 11) or (opcode >> 3 == 2 and ((opcode & 3) == 3) == bool(sf))"),
    ("dp1",         "sf 1 0 11010110 00000 opcode:6 Rn:5 Rd:5", "opcode <= 5 and (sf or opcode != 3)"),
    ("logic_shift", "sf opc:2 01010 shift:2 N Rm:5 imm6:6 Rn:5 Rd:5", "sf or imm6 < 32"),
    ("addsub_shift", "sf op S 01011 shift:2 0 Rm:5 imm6:6 Rn:5 Rd:5", "shift != 3 and (sf or imm6 < 32)"),
    ("addsub_ext",  "sf op S 01011 00 1 Rm:5 option:3 imm3:3 Rn:5 Rd:5", "imm3 <= 4"),
    ("adc",         "sf op S 11010000 Rm:5 000000 Rn:5 Rd:5", None),
    ("ccmp",        "sf op 1 11010010 Rm:5 cond:4 imm 0 Rn:5 0 nzcv:4", None),
    ("csel",        "sf op 0 11010100 Rm:5 cond:4 0 o2 Rn:5 Rd:5", None),
    ("dp3",         "sf 00 11011 op31:3 Rm:5 o0 Ra:5 Rn:5 Rd:5",
                    "(op31 == 0) or (sf and (op31 in (1, 5) or (op31 in (2, 6) and not o0)))"),

    # ---- C4.1.88 Loads and stores of SIMD&FP registers (V = 1) --------------
    # size:opc select B/H/S/D (opc<1> = 0) or Q (size 00, opc 1x); LDTR-like
    # (idx 10) forms and literal/pair opc 11 are unallocated.
    ("ldr_lit_fp",  "opc:2 011 1 00 imm19:19 Rt:5", "opc != 3"),
    ("ldst_pair_fp", "opc:2 101 1 0 mode:2 L imm7:7 Rt2:5 Rn:5 Rt:5", "opc != 3"),
    ("ldst_imm9_fp", "size:2 111 1 00 opc:2 0 imm9:9 idx:2 Rn:5 Rt:5", "idx != 2 and (opc < 2 or size == 0)"),
    ("ldst_regoff_fp", "size:2 111 1 00 opc:2 1 Rm:5 option:3 S 10 Rn:5 Rt:5",
                    "option & 2 and (opc < 2 or size == 0)"),
    ("ldst_uimm_fp", "size:2 111 1 01 opc:2 imm12:12 Rn:5 Rt:5", "opc < 2 or size == 0"),

    # ---- C4.1.91 Data processing -- scalar floating-point (moves) -----------
    # FMOV (general): opcode 11x, (sf, ptype, rmode) = W/S, X/D, X/V.D[1]
    # (ptype 11, half precision, is ARMv8.2).
    ("fmov_gen",    "sf 0 0 11110 ptype:2 1 rmode:2 11 o0 000000 Rn:5 Rd:5",
                    "(sf, ptype, rmode) in ((0, 0, 0), (1, 1, 0), (1, 2, 1))"),
    ("fmov_reg",    "0 0 0 11110 ptype:2 1 000000 10000 Rn:5 Rd:5", "ptype < 2"),
    ("fmov_imm",    "0 0 0 11110 ptype:2 1 imm8:8 100 00000 Rd:5", "ptype < 2"),

    # ---- C4.1.92 Advanced SIMD (data movement) ------------------------------
    # modified immediate: o2 (bit 11) = 1 is FP16 (ARMv8.2); op 1, cmode 1111
    # (FMOV Vd.2D) needs Q = 1.
    ("simd_modimm", "0 Q op 0111100000 abc:3 cmode:4 0 1 defgh:5 Rd:5", "cmode != 15 or not op or Q"),
    # copy: size = LowestSetBit(imm5) <= 3; 64-bit elements need Q = 1 (DUP)
    # or are the only UMOV with Q = 1; SMOV to W takes B/H, to X B/H/S.
    ("dup_elem",    "0 Q 0 01110000 imm5:5 0 0000 1 Rn:5 Rd:5", "(imm5 & 15) and (Q or (imm5 & 7))"),
    ("dup_gen",     "0 Q 0 01110000 imm5:5 0 0001 1 Rn:5 Rd:5", "(imm5 & 15) and (Q or (imm5 & 7))"),
    ("ins_gen",     "0 1 0 01110000 imm5:5 0 0011 1 Rn:5 Rd:5", "imm5 & 15"),
    ("smov",        "0 Q 0 01110000 imm5:5 0 0101 1 Rn:5 Rd:5", "imm5 & (7 if Q else 3)"),
    ("umov",        "0 Q 0 01110000 imm5:5 0 0111 1 Rn:5 Rd:5", "((imm5 & 15) == 8) if Q else (imm5 & 7)"),
    ("ins_elem",    "0 1 1 01110000 imm5:5 0 imm4:4 1 Rn:5 Rd:5", "imm5 & 15"),
    ("dup_elem_scalar", "01 0 11110000 imm5:5 0 0000 1 Rn:5 Rd:5", "imm5 & 15"),
    # three same, opcode 00011: AND BIC ORR ORN (U = 0), EOR BSL BIT BIF (U = 1)
    ("logic_vec",   "0 Q U 01110 size:2 1 Rm:5 00011 1 Rn:5 Rd:5", None),
    ("ext",         "0 Q 101110 00 0 Rm:5 0 imm4:4 0 Rn:5 Rd:5", "Q or imm4 < 8"),
    # permute: opcode x01 UZP, x10 TRN, x11 ZIP (x00 unallocated); 1D reserved
    ("permute",     "0 Q 001110 size:2 0 Rm:5 0 opcode:3 10 Rn:5 Rd:5", "(opcode & 3) and (Q or size != 3)"),
]

# Groups of rows that overlap on purpose, each in priority order (the first
# row that matches and whose constraint holds wins).  ARMv8.0's integer and
# system encodings need none: every row above fixes bits the others differ in.
ORDERED: list[tuple[str, ...]] = []
