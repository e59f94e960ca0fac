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
    # structures, multiple: opcode 0000 LD4/ST4, 0010 LD1/ST1 x4, 0100 LD3/ST3,
    # 0110 LD1/ST1 x3, 0111 LD1/ST1 x1, 1000 LD2/ST2, 1010 LD1/ST1 x2; 1D
    # (size 11, Q 0) only for LD1/ST1.  Post-index: Rm = 31 is the immediate form.
    ("simd_ldst_multi", "0 Q 0011000 L 000000 opcode:4 size:2 Rn:5 Rt:5",
                    "opcode in (0, 2, 4, 6, 7, 8, 10) and (size != 3 or Q or opcode in (2, 6, 7, 10))"),
    ("simd_ldst_multi_post", "0 Q 0011001 L 0 Rm:5 opcode:4 size:2 Rn:5 Rt:5",
                    "opcode in (0, 2, 4, 6, 7, 8, 10) and (size != 3 or Q or opcode in (2, 6, 7, 10))"),
    # structures, single lane (opcode<2:1> = scale: B, H (size<0> = 0), S
    # (size 00) or D (size 01, S = 0)) and LDnR (opcode 11x, loads only, S = 0)
    ("simd_ldst_single", "0 Q 0011010 L R 00000 opcode:3 S size:2 Rn:5 Rt:5",
                    "opcode < 2 or (opcode < 4 and not size & 1) or (4 <= opcode < 6 and (size == 0 or (size == 1 and not S)))"
                    " or (opcode >= 6 and L and not S)"),
    ("simd_ldst_single_post", "0 Q 0011011 L R Rm:5 opcode:3 S size:2 Rn:5 Rt:5",
                    "opcode < 2 or (opcode < 4 and not size & 1) or (4 <= opcode < 6 and (size == 0 or (size == 1 and not S)))"
                    " or (opcode >= 6 and L and not S)"),

    # ---- C4.1.91 Data processing -- scalar floating-point (moves) -----------
    # FMOV (general): opcode 11x, (sf, ptype, rmode) = W/S, X/D, X/V.D[1]
    # (ptype 11, half precision, is ARMv8.2).
    ("fmov_gen",    "sf 0 0 11110 ptype:2 1 rmode:2 11 o0 000000 Rn:5 Rd:5",
                    "(sf, ptype, rmode) in ((0, 0, 0), (1, 1, 0), (1, 2, 1))"),
    ("fmov_reg",    "0 0 0 11110 ptype:2 1 000000 10000 Rn:5 Rd:5", "ptype < 2"),
    ("fmov_imm",    "0 0 0 11110 ptype:2 1 imm8:8 100 00000 Rd:5", "ptype < 2"),

    # ---- C4.1.91 Data processing -- scalar floating-point (arithmetic) -----
    # one source: FABS FNEG FSQRT (1-3), FCVT (0001 opc: to S/D/H, not to
    # itself; from H only to S/D), FRINTN/P/M/Z/A/X/I (8-12, 14, 15)
    ("fp_dp1",      "0 0 0 11110 ptype:2 1 opcode:6 10000 Rn:5 Rd:5",
                    "(ptype < 2 and (opcode in (1, 2, 3) or (8 <= opcode <= 15 and opcode != 13)"
                    " or (opcode >> 2 == 1 and (opcode & 3) not in (2, ptype))))"
                    " or (ptype == 3 and opcode in (4, 5))"),
    # FCMP/FCMPE (opc<1>), with #0.0 (opc<0>; Rm ignored)
    ("fp_cmp",      "0 0 0 11110 ptype:2 1 Rm:5 00 1000 Rn:5 opc:2 000", "ptype < 2"),
    ("fp_ccmp",     "0 0 0 11110 ptype:2 1 Rm:5 cond:4 01 Rn:5 op nzcv:4", "ptype < 2"),
    # two sources: FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL
    ("fp_dp2",      "0 0 0 11110 ptype:2 1 Rm:5 opcode:4 10 Rn:5 Rd:5", "ptype < 2 and opcode <= 8"),
    ("fp_csel",     "0 0 0 11110 ptype:2 1 Rm:5 cond:4 11 Rn:5 Rd:5", "ptype < 2"),
    # three sources: FMADD FMSUB FNMADD FNMSUB
    ("fp_dp3",      "0 0 0 11111 ptype:2 o1 Rm:5 o0 Ra:5 Rn:5 Rd:5", "ptype < 2"),
    # with fixed point: FCVTZS/FCVTZU (rmode 11, opcode 00x), SCVTF/UCVTF (rmode 00, opcode 01x);
    # a 32-bit integer needs scale >= 32
    ("fp_fixed",    "sf 0 0 11110 ptype:2 0 rmode:2 opcode:3 scale:6 Rn:5 Rd:5",
                    "ptype < 2 and (sf or scale >= 32) and"
                    " ((rmode == 3 and opcode < 2) or (rmode == 0 and opcode in (2, 3)))"),
    # with integers: FCVT[NPMZ][SU] (opcode 00x), SCVTF/UCVTF (01x, rmode 00),
    # FCVTA[SU] (10x, rmode 00); FMOV (11x) is fmov_gen
    ("fp_int",      "sf 0 0 11110 ptype:2 1 rmode:2 0 opcode:2 000000 Rn:5 Rd:5",
                    "ptype < 2 and (opcode < 2 or rmode == 0)"),
    ("fp_int_a",    "sf 0 0 11110 ptype:2 1 00 10 opcode 000000 Rn:5 Rd:5", "ptype < 2"),

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

    # ---- C4.1.92 Advanced SIMD floating point ---------------------------------
    # three same, opcode 11xxx (a = size<1>, sz = size<0>; 2D needs Q = 1);
    # allocated (U, a, opcode<2:0>): U0a0 FMAXNM FMLA FADD FMULX FCMEQ - FMAX
    # FRECPS; U0a1 FMINNM FMLS FSUB - FMIN FRSQRTS; U1a0 FMAXNMP - FADDP FMUL
    # FCMGE FACGE FMAXP FDIV; U1a1 FMINNMP - FABD - FCMGT FACGT FMINP
    ("simd_fp3",    "0 Q U 01110 a sz 1 Rm:5 11 opcode:3 1 Rn:5 Rd:5",
                    "(Q or not sz) and opcode in ((0, 1, 2, 3, 4, 6, 7), (0, 1, 2, 6, 7),"
                    " (0, 2, 3, 4, 5, 6, 7), (0, 2, 4, 5, 6))[U << 1 | a]"),
    # scalar: FMULX FCMEQ FRECPS FRSQRTS FCMGE FACGE FABD FCMGT FACGT
    ("simd_fp3_s",  "01 U 11110 a sz 1 Rm:5 11 opcode:3 1 Rn:5 Rd:5",
                    "opcode in ((3, 4, 7), (7,), (4, 5), (2, 4, 5))[U << 1 | a]"),
    # two-register miscellaneous: opcodes 011xx (compares with zero, FABS,
    # FNEG) and 11xxx (FRINT*, FCVT*, [SU]CVTF, URECPE/URSQRTE (sz 0),
    # FRECPE/FRSQRTE, FSQRT); 2D needs Q = 1.  Scalar: the compares, the
    # conversions, FRECPE/FRSQRTE and FRECPX.
    ("simd_fp_misc", "0 Q U 01110 a sz 10000 011 op:2 10 Rn:5 Rd:5",
                    "(Q or not sz) and a and op != (2 if U else 4)"),
    ("simd_fp_misc", "0 Q U 01110 a sz 10000 11 op:3 10 Rn:5 Rd:5",
                    "(Q or not sz) and op < (6 if not U or not a else 8) and (not a or op != 0 or not U)"
                    " and (op != 4 or not a or not sz) and (op != 6)"),
    ("simd_fp_misc_s", "01 U 11110 a sz 10000 011 op:2 10 Rn:5 Rd:5", "a and op < (2 if U else 3)"),
    ("simd_fp_misc_s", "01 U 11110 a sz 10000 11 op:3 10 Rn:5 Rd:5",
                    "op in (2, 3, 5, 7) if a and not U else op in (2, 3, 5) if a else op in (2, 3, 4, 5)"),
    # FCVTN/FCVTN2 (U 0), FCVTXN/FCVTXN2 (U 1, sz 1); FCVTL/FCVTL2; FCVTXN (scalar)
    ("simd_fcvt_narrow", "0 Q U 01110 0 sz 10000 10110 10 Rn:5 Rd:5", "sz or not U"),
    ("simd_fcvtl",  "0 Q 0 01110 0 sz 10000 10111 10 Rn:5 Rd:5", None),
    ("simd_fcvt_scalar_narrow", "01 1 11110 0 1 10000 10110 10 Rn:5 Rd:5", None),
    # across lanes (4S only): FMAXNMV FMINNMV (opcode 01100), FMAXV FMINV (01111)
    ("simd_fp_across", "0 1 1 01110 a 0 11000 011 op:2 10 Rn:5 Rd:5", "op in (0, 3)"),
    # scalar pairwise: FMAXNMP FMINNMP (01100), FADDP (01101, a 0), FMAXP FMINP (01111)
    ("simd_fp_pair_s", "01 1 11110 a sz 11000 011 op:2 10 Rn:5 Rd:5", "op in (0, 3) or (op == 1 and not a)"),
    # by element (size 1x): FMLA (0001), FMLS (0101), FMUL (1001, U 0), FMULX
    # (1001, U 1); index H:L (sz 0) or H (sz 1, L = 0); Rm = M:Rm
    ("simd_fp_elem", "0 Q U 01111 1 sz L M Rm:4 opcode:4 H 0 Rn:5 Rd:5",
                    "opcode in (1, 5, 9) and (opcode == 9 or not U) and not (sz and L) and (Q or not sz)"),
    ("simd_fp_elem_s", "01 U 11111 1 sz L M Rm:4 opcode:4 H 0 Rn:5 Rd:5",
                    "opcode in (1, 5, 9) and (opcode == 9 or not U) and not (sz and L)"),
    # by element, integer (size 01: index H:L:M, V0-V15; size 10: index H:L,
    # Rm = M:Rm): U0 MUL (1000), SMLAL SMLSL SMULL (0010 0110 1010), SQDMLAL
    # SQDMLSL SQDMULL (0011 0111 1011), SQDMULH SQRDMULH (1100 1101); U1 MLA
    # MLS (0000 0100), UMLAL UMLSL UMULL.  Scalar: the saturating ones.
    ("simd_int_elem", "0 Q U 01111 size:2 L M Rm:4 opcode:4 H 0 Rn:5 Rd:5",
                    "size in (1, 2) and opcode in ((8, 2, 6, 10, 3, 7, 11, 12, 13), (0, 4, 2, 6, 10))[U]"),
    ("simd_int_elem_s", "01 U 11111 size:2 L M Rm:4 opcode:4 H 0 Rn:5 Rd:5",
                    "size in (1, 2) and not U and opcode in (3, 7, 11, 12, 13)"),
    # shift by immediate, fixed point: SCVTF/UCVTF (opcode 11100), FCVTZS/FCVTZU
    # (11111); immh 01xx single, 1xxx double (Q = 1), 001x half (ARMv8.2)
    # (the vector form, simd_fp_fixed, is with the shift-by-immediate rows: it
    # overlaps the modified-immediate class)
    ("simd_fp_fixed_s", "01 U 111110 immh:4 immb:3 111 lo:2 1 Rn:5 Rd:5", "lo in (0, 3) and immh >= 4"),

    # ---- C4.1.92 Cryptographic extension ----
    # AES (size 00, opcode 0010D AESE/AESD, 0011D AESMC/AESIMC; the rest unallocated)
    ("aes_round",   "01001110 00 10100 0010 D 10 Rn:5 Rd:5", None),
    ("aes_mix",     "01001110 00 10100 0011 D 10 Rn:5 Rd:5", None),
    # three-register SHA (size 00): opcode 000 SHA1C, 001 SHA1P, 010 SHA1M,
    # 011 SHA1SU0, 10P SHA256H/SHA256H2, 110 SHA256SU1 (111 unallocated)
    ("sha1c",       "01011110 00 0 Rm:5 0 000 00 Rn:5 Rd:5", None),
    ("sha1p",       "01011110 00 0 Rm:5 0 001 00 Rn:5 Rd:5", None),
    ("sha1m",       "01011110 00 0 Rm:5 0 010 00 Rn:5 Rd:5", None),
    ("sha1su0",     "01011110 00 0 Rm:5 0 011 00 Rn:5 Rd:5", None),
    ("sha256h",     "01011110 00 0 Rm:5 0 10 P 00 Rn:5 Rd:5", None),
    ("sha256su1",   "01011110 00 0 Rm:5 0 110 00 Rn:5 Rd:5", None),
    # two-register SHA (size 00): opcode 00000 SHA1H, 00001 SHA1SU1, 00010 SHA256SU0
    ("sha1h",       "01011110 00 10100 00000 10 Rn:5 Rd:5", None),
    ("sha1su1",     "01011110 00 10100 00001 10 Rn:5 Rd:5", None),
    ("sha256su0",   "01011110 00 10100 00010 10 Rn:5 Rd:5", None),
    # PMULL/PMULL2 Vd.1Q (three different, U 0, size 11, opcode 1110)
    ("pmull_1q",    "0 Q 0 01110 11 1 Rm:5 1110 00 Rn:5 Rd:5", None),

    # ---- C4.1.92 Advanced SIMD three same (integer; opcode 11xxx is FP, 00011 logic_vec) ----
    # 64-bit elements need Q = 1 (size:Q = 110 reserved) where size 11 is
    # allowed at all; halving, max/min, absolute difference, multiply (MUL
    # size != 11, PMUL size 00 only), SQDMULH (size 01/10) forbid it.
    ("simd_hadd",      "0 Q U 01110 size:2 1 Rm:5 00000 1 Rn:5 Rd:5", "size != 3"),
    ("simd_qadd",      "0 Q U 01110 size:2 1 Rm:5 00001 1 Rn:5 Rd:5", "Q or size != 3"),
    ("simd_rhadd",     "0 Q U 01110 size:2 1 Rm:5 00010 1 Rn:5 Rd:5", "size != 3"),
    ("simd_hsub",      "0 Q U 01110 size:2 1 Rm:5 00100 1 Rn:5 Rd:5", "size != 3"),
    ("simd_qsub",      "0 Q U 01110 size:2 1 Rm:5 00101 1 Rn:5 Rd:5", "Q or size != 3"),
    ("simd_cmgt",      "0 Q U 01110 size:2 1 Rm:5 00110 1 Rn:5 Rd:5", "Q or size != 3"),   # CMGT, CMHI
    ("simd_cmge",      "0 Q U 01110 size:2 1 Rm:5 00111 1 Rn:5 Rd:5", "Q or size != 3"),   # CMGE, CMHS
    ("simd_shl_reg",   "0 Q U 01110 size:2 1 Rm:5 01000 1 Rn:5 Rd:5", "Q or size != 3"),   # SSHL, USHL
    ("simd_qshl_reg",  "0 Q U 01110 size:2 1 Rm:5 01001 1 Rn:5 Rd:5", "Q or size != 3"),
    ("simd_rshl_reg",  "0 Q U 01110 size:2 1 Rm:5 01010 1 Rn:5 Rd:5", "Q or size != 3"),
    ("simd_qrshl_reg", "0 Q U 01110 size:2 1 Rm:5 01011 1 Rn:5 Rd:5", "Q or size != 3"),
    ("simd_max",       "0 Q U 01110 size:2 1 Rm:5 01100 1 Rn:5 Rd:5", "size != 3"),
    ("simd_min",       "0 Q U 01110 size:2 1 Rm:5 01101 1 Rn:5 Rd:5", "size != 3"),
    ("simd_abd",       "0 Q U 01110 size:2 1 Rm:5 01110 1 Rn:5 Rd:5", "size != 3"),
    ("simd_aba",       "0 Q U 01110 size:2 1 Rm:5 01111 1 Rn:5 Rd:5", "size != 3"),
    ("simd_addsub",    "0 Q U 01110 size:2 1 Rm:5 10000 1 Rn:5 Rd:5", "Q or size != 3"),   # ADD, SUB
    ("simd_cmtst",     "0 Q U 01110 size:2 1 Rm:5 10001 1 Rn:5 Rd:5", "Q or size != 3"),   # CMTST, CMEQ
    ("simd_mla",       "0 Q U 01110 size:2 1 Rm:5 10010 1 Rn:5 Rd:5", "size != 3"),        # MLA, MLS
    ("simd_mul",       "0 Q U 01110 size:2 1 Rm:5 10011 1 Rn:5 Rd:5", "size == 0 if U else size != 3"),
    ("simd_maxp",      "0 Q U 01110 size:2 1 Rm:5 10100 1 Rn:5 Rd:5", "size != 3"),
    ("simd_minp",      "0 Q U 01110 size:2 1 Rm:5 10101 1 Rn:5 Rd:5", "size != 3"),
    ("simd_qdmulh",    "0 Q U 01110 size:2 1 Rm:5 10110 1 Rn:5 Rd:5", "size in (1, 2)"),   # SQDMULH, SQRDMULH
    ("simd_addp",      "0 Q U 01110 size:2 1 Rm:5 10111 1 Rn:5 Rd:5", "not U and (Q or size != 3)"),
    # scalar three same (integer): saturating add/sub/shift any size; the
    # compares, SSHL/USHL, SRSHL/URSHL, ADD/SUB, CMTST/CMEQ only size 11;
    # SQDMULH/SQRDMULH size 01/10; the other opcodes below 11000 unallocated.
    ("simd_qadd_s",      "01 U 11110 size:2 1 Rm:5 00001 1 Rn:5 Rd:5", None),
    ("simd_qsub_s",      "01 U 11110 size:2 1 Rm:5 00101 1 Rn:5 Rd:5", None),
    ("simd_cmgt_s",      "01 U 11110 size:2 1 Rm:5 00110 1 Rn:5 Rd:5", "size == 3"),
    ("simd_cmge_s",      "01 U 11110 size:2 1 Rm:5 00111 1 Rn:5 Rd:5", "size == 3"),
    ("simd_shl_reg_s",   "01 U 11110 size:2 1 Rm:5 01000 1 Rn:5 Rd:5", "size == 3"),
    ("simd_qshl_reg_s",  "01 U 11110 size:2 1 Rm:5 01001 1 Rn:5 Rd:5", None),
    ("simd_rshl_reg_s",  "01 U 11110 size:2 1 Rm:5 01010 1 Rn:5 Rd:5", "size == 3"),
    ("simd_qrshl_reg_s", "01 U 11110 size:2 1 Rm:5 01011 1 Rn:5 Rd:5", None),
    ("simd_addsub_s",    "01 U 11110 size:2 1 Rm:5 10000 1 Rn:5 Rd:5", "size == 3"),
    ("simd_cmtst_s",     "01 U 11110 size:2 1 Rm:5 10001 1 Rn:5 Rd:5", "size == 3"),
    ("simd_qdmulh_s",    "01 U 11110 size:2 1 Rm:5 10110 1 Rn:5 Rd:5", "size in (1, 2)"),

    # ---- C4.1.92 Advanced SIMD two-register miscellaneous (integer; opcodes 01100-01111
    # and 10110-11111 are FP, 10000/10001/10101 unallocated) ----
    # REV64/REV32/REV16: o0:U + size < 3 (REV16 8-bit only, o0 = U = 1 unallocated)
    ("simd_rev",       "0 Q U 01110 size:2 10000 0000 o0 10 Rn:5 Rd:5", "(o0 << 1 | U) + size < 3"),
    ("simd_addlp",     "0 Q U 01110 size:2 10000 00010 10 Rn:5 Rd:5", "size != 3"),       # SADDLP, UADDLP
    ("simd_suqadd",    "0 Q U 01110 size:2 10000 00011 10 Rn:5 Rd:5", "Q or size != 3"),  # SUQADD, USQADD
    ("simd_clsz",      "0 Q U 01110 size:2 10000 00100 10 Rn:5 Rd:5", "size != 3"),       # CLS, CLZ
    # CNT (U 0, size 00), NOT (U 1, size 00), RBIT (U 1, size 01)
    ("simd_cnt_not",   "0 Q U 01110 size:2 10000 00101 10 Rn:5 Rd:5", "size < 2 and (U or size == 0)"),
    ("simd_adalp",     "0 Q U 01110 size:2 10000 00110 10 Rn:5 Rd:5", "size != 3"),       # SADALP, UADALP
    ("simd_qabsneg",   "0 Q U 01110 size:2 10000 00111 10 Rn:5 Rd:5", "Q or size != 3"),  # SQABS, SQNEG
    ("simd_cmgt_zero", "0 Q U 01110 size:2 10000 01000 10 Rn:5 Rd:5", "Q or size != 3"),  # CMGT, CMGE #0
    ("simd_cmeq_zero", "0 Q U 01110 size:2 10000 01001 10 Rn:5 Rd:5", "Q or size != 3"),  # CMEQ, CMLE #0
    ("simd_cmlt_zero", "0 Q U 01110 size:2 10000 01010 10 Rn:5 Rd:5", "not U and (Q or size != 3)"),
    ("simd_absneg",    "0 Q U 01110 size:2 10000 01011 10 Rn:5 Rd:5", "Q or size != 3"),  # ABS, NEG
    ("simd_xtn",       "0 Q U 01110 size:2 10000 10010 10 Rn:5 Rd:5", "size != 3"),       # XTN, SQXTUN (+2)
    ("simd_shll",      "0 Q U 01110 size:2 10000 10011 10 Rn:5 Rd:5", "U and size != 3"), # SHLL (+2)
    ("simd_qxtn",      "0 Q U 01110 size:2 10000 10100 10 Rn:5 Rd:5", "size != 3"),       # SQXTN, UQXTN (+2)
    # scalar: SUQADD/USQADD, SQABS/SQNEG any size; compares with zero, ABS/NEG
    # size 11 only; SQXTUN (U 1), SQXTN/UQXTN size != 11.
    ("simd_suqadd_s",    "01 U 11110 size:2 10000 00011 10 Rn:5 Rd:5", None),
    ("simd_qabsneg_s",   "01 U 11110 size:2 10000 00111 10 Rn:5 Rd:5", None),
    ("simd_cmgt_zero_s", "01 U 11110 size:2 10000 01000 10 Rn:5 Rd:5", "size == 3"),
    ("simd_cmeq_zero_s", "01 U 11110 size:2 10000 01001 10 Rn:5 Rd:5", "size == 3"),
    ("simd_cmlt_zero_s", "01 U 11110 size:2 10000 01010 10 Rn:5 Rd:5", "not U and size == 3"),
    ("simd_absneg_s",    "01 U 11110 size:2 10000 01011 10 Rn:5 Rd:5", "size == 3"),
    ("simd_sqxtun_s",    "01 U 11110 size:2 10000 10010 10 Rn:5 Rd:5", "U and size != 3"),
    ("simd_qxtn_s",      "01 U 11110 size:2 10000 10100 10 Rn:5 Rd:5", "size != 3"),

    # ---- C4.1.92 Advanced SIMD across lanes (integer): size 11 and size:Q = 100 reserved ----
    ("simd_addlv",     "0 Q U 01110 size:2 11000 00011 10 Rn:5 Rd:5", "size < 2 or (size == 2 and Q)"),
    ("simd_maxv",      "0 Q U 01110 size:2 11000 01010 10 Rn:5 Rd:5", "size < 2 or (size == 2 and Q)"),
    ("simd_minv",      "0 Q U 01110 size:2 11000 11010 10 Rn:5 Rd:5", "size < 2 or (size == 2 and Q)"),
    # scalar pairwise (integer): ADDP Dd, Vn.2D only
    ("simd_addp_s",    "01 0 11110 11 11000 11011 10 Rn:5 Rd:5", None),
    ("simd_addv",      "0 Q U 01110 size:2 11000 11011 10 Rn:5 Rd:5",
                       "not U and (size < 2 or (size == 2 and Q))"),

    # ---- C4.1.92 Advanced SIMD shift by immediate (immh 0000 is modified immediate; the
    # fixed-point conversions, opcodes 11100/11111, are simd_fp_fixed) ----
    # immh<3> (64-bit elements) needs Q = 1; the narrowing and long shifts
    # take immh 0001-0111 only; SRI, SQSHLU need U = 1.
    ("simd_shr",       "0 Q U 011110 immh:4 immb:3 00000 1 Rn:5 Rd:5", "immh and (Q or immh < 8)"),  # SSHR, USHR
    ("simd_sra",       "0 Q U 011110 immh:4 immb:3 00010 1 Rn:5 Rd:5", "immh and (Q or immh < 8)"),
    ("simd_rshr",      "0 Q U 011110 immh:4 immb:3 00100 1 Rn:5 Rd:5", "immh and (Q or immh < 8)"),
    ("simd_rsra",      "0 Q U 011110 immh:4 immb:3 00110 1 Rn:5 Rd:5", "immh and (Q or immh < 8)"),
    ("simd_sri",       "0 Q U 011110 immh:4 immb:3 01000 1 Rn:5 Rd:5", "U and immh and (Q or immh < 8)"),
    ("simd_shl_imm",   "0 Q U 011110 immh:4 immb:3 01010 1 Rn:5 Rd:5", "immh and (Q or immh < 8)"),  # SHL, SLI
    ("simd_sqshlu",    "0 Q U 011110 immh:4 immb:3 01100 1 Rn:5 Rd:5", "U and immh and (Q or immh < 8)"),
    ("simd_qshl_imm",  "0 Q U 011110 immh:4 immb:3 01110 1 Rn:5 Rd:5", "immh and (Q or immh < 8)"),
    ("simd_shrn",      "0 Q U 011110 immh:4 immb:3 10000 1 Rn:5 Rd:5", "0 < immh < 8"),   # SHRN, SQSHRUN
    ("simd_rshrn",     "0 Q U 011110 immh:4 immb:3 10001 1 Rn:5 Rd:5", "0 < immh < 8"),   # RSHRN, SQRSHRUN
    ("simd_qshrn",     "0 Q U 011110 immh:4 immb:3 10010 1 Rn:5 Rd:5", "0 < immh < 8"),   # SQSHRN, UQSHRN
    ("simd_qrshrn",    "0 Q U 011110 immh:4 immb:3 10011 1 Rn:5 Rd:5", "0 < immh < 8"),   # SQRSHRN, UQRSHRN
    ("simd_shll_imm",  "0 Q U 011110 immh:4 immb:3 10100 1 Rn:5 Rd:5", "0 < immh < 8"),   # SSHLL, USHLL
    # SCVTF/UCVTF (opcode 11100), FCVTZS/FCVTZU (11111), fixed point (simd_fp.py)
    ("simd_fp_fixed", "0 Q U 011110 immh:4 immb:3 111 lo:2 1 Rn:5 Rd:5",
                    "lo in (0, 3) and immh >= 4 and (Q or immh < 8)"),
    # scalar: immh 0000 unallocated; the non-saturating shifts need immh<3>
    # (64-bit); the narrowing ones immh 0001-0111 (SQSHRUN/SQRSHRUN: U = 1).
    ("simd_shr_s",       "01 U 111110 immh:4 immb:3 00000 1 Rn:5 Rd:5", "immh >= 8"),
    ("simd_sra_s",       "01 U 111110 immh:4 immb:3 00010 1 Rn:5 Rd:5", "immh >= 8"),
    ("simd_rshr_s",      "01 U 111110 immh:4 immb:3 00100 1 Rn:5 Rd:5", "immh >= 8"),
    ("simd_rsra_s",      "01 U 111110 immh:4 immb:3 00110 1 Rn:5 Rd:5", "immh >= 8"),
    ("simd_sri_s",       "01 U 111110 immh:4 immb:3 01000 1 Rn:5 Rd:5", "U and immh >= 8"),
    ("simd_shl_imm_s",   "01 U 111110 immh:4 immb:3 01010 1 Rn:5 Rd:5", "immh >= 8"),
    ("simd_sqshlu_s",    "01 U 111110 immh:4 immb:3 01100 1 Rn:5 Rd:5", "U and immh"),
    ("simd_qshl_imm_s",  "01 U 111110 immh:4 immb:3 01110 1 Rn:5 Rd:5", "immh != 0"),
    ("simd_sqshrun_s",   "01 U 111110 immh:4 immb:3 10000 1 Rn:5 Rd:5", "U and 0 < immh < 8"),
    ("simd_sqrshrun_s",  "01 U 111110 immh:4 immb:3 10001 1 Rn:5 Rd:5", "U and 0 < immh < 8"),
    ("simd_qshrn_s",     "01 U 111110 immh:4 immb:3 10010 1 Rn:5 Rd:5", "0 < immh < 8"),
    ("simd_qrshrn_s",    "01 U 111110 immh:4 immb:3 10011 1 Rn:5 Rd:5", "0 < immh < 8"),

    # ---- C4.1.92 Advanced SIMD three different: size 11 reserved (PMULL 1Q is
    # crypto, pmull_1q); the saturating doubling ones take size 01/10 and U = 0;
    # PMULL (8-bit) size 00; opcode 1111 unallocated ----
    ("simd_addl",      "0 Q U 01110 size:2 1 Rm:5 0000 00 Rn:5 Rd:5", "size != 3"),   # SADDL, UADDL (+2)
    ("simd_addw",      "0 Q U 01110 size:2 1 Rm:5 0001 00 Rn:5 Rd:5", "size != 3"),   # SADDW, UADDW
    ("simd_subl",      "0 Q U 01110 size:2 1 Rm:5 0010 00 Rn:5 Rd:5", "size != 3"),
    ("simd_subw",      "0 Q U 01110 size:2 1 Rm:5 0011 00 Rn:5 Rd:5", "size != 3"),
    ("simd_addhn",     "0 Q U 01110 size:2 1 Rm:5 0100 00 Rn:5 Rd:5", "size != 3"),   # ADDHN, RADDHN
    ("simd_abal",      "0 Q U 01110 size:2 1 Rm:5 0101 00 Rn:5 Rd:5", "size != 3"),
    ("simd_subhn",     "0 Q U 01110 size:2 1 Rm:5 0110 00 Rn:5 Rd:5", "size != 3"),   # SUBHN, RSUBHN
    ("simd_abdl",      "0 Q U 01110 size:2 1 Rm:5 0111 00 Rn:5 Rd:5", "size != 3"),
    ("simd_mlal",      "0 Q U 01110 size:2 1 Rm:5 1000 00 Rn:5 Rd:5", "size != 3"),
    ("simd_qdmlal",    "0 Q U 01110 size:2 1 Rm:5 1001 00 Rn:5 Rd:5", "not U and size in (1, 2)"),
    ("simd_mlsl",      "0 Q U 01110 size:2 1 Rm:5 1010 00 Rn:5 Rd:5", "size != 3"),
    ("simd_qdmlsl",    "0 Q U 01110 size:2 1 Rm:5 1011 00 Rn:5 Rd:5", "not U and size in (1, 2)"),
    ("simd_mull",      "0 Q U 01110 size:2 1 Rm:5 1100 00 Rn:5 Rd:5", "size != 3"),   # SMULL, UMULL
    ("simd_qdmull",    "0 Q U 01110 size:2 1 Rm:5 1101 00 Rn:5 Rd:5", "not U and size in (1, 2)"),
    ("simd_pmull",     "0 Q U 01110 00 1 Rm:5 1110 00 Rn:5 Rd:5", "not U"),
    ("simd_qdmlal_s",  "01 U 11110 size:2 1 Rm:5 1001 00 Rn:5 Rd:5", "not U and size in (1, 2)"),
    ("simd_qdmlsl_s",  "01 U 11110 size:2 1 Rm:5 1011 00 Rn:5 Rd:5", "not U and size in (1, 2)"),
    ("simd_qdmull_s",  "01 U 11110 size:2 1 Rm:5 1101 00 Rn:5 Rd:5", "not U and size in (1, 2)"),
    # ---- C4.1.92 Advanced SIMD table lookup: op2 (bits 23:22) 00; TBL (op 0), TBX (op 1) ----
    ("simd_tbl",       "0 Q 001110 00 0 Rm:5 0 len:2 op 00 Rn:5 Rd:5", None),
]

# Groups of rows that overlap on purpose, each in priority order (the first
# row that matches and whose constraint holds wins).  ARMv8.0's integer and
# system encodings need none: every row above fixes bits the others differ in.
ORDERED: list[tuple[str, ...]] = [
    ("fmov_reg", "fp_dp1"),          # FMOV (register) is opcode 000000 of the one-source class
    ("simd_fp_elem", "simd_int_elem"),       # by element: size 1x is FP for FMLA/FMLS/FMUL(X) opcodes
    ("simd_fp_elem_s", "simd_int_elem_s"),
    # SIMD shift by immediate with immh = 0000 (and bit 11 = 0) is modified immediate
    ("simd_modimm", "simd_shr", "simd_sra", "simd_rshr", "simd_rsra", "simd_sri", "simd_shl_imm", "simd_sqshlu",
     "simd_qshl_imm", "simd_shrn", "simd_qshrn", "simd_shll_imm", "simd_fp_fixed"),
]
