"""The guest benchmark programs (benchmarks/guest/, run by benchmarks/hot_code.py):
every program's checksum on a64jit is the native x86-64 build's.

- the runner's --quick mode runs end to end (every engine, every program; exit
  status 0 only when every checksum agrees), and from its JSON, per program:
  a64jit's JIT (cold, warm, tier 0) printed the native build's checksum at 1
  and 2 iterations, and the interpreter at 1 iteration printed the JIT's (and
  QEMU's, Unicorn's);
- qemu-system-aarch64 boots each committed image at 3 iterations (the EL2 MMU
  on) and prints what the C built natively from the sources computes (the
  images are current);
- the Makefile builds the images (into a temporary directory, with Debian's
  cross compiler), and they compute what the committed ones compute."""
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from benchmarks import hot_code as hc  # noqa: E402

PROGRAMS = list(hc.PROGRAMS)
ITERS = 3                       # the QEMU/native check
TINY = hc.QUICK[2]              # --quick runs the interpreter (and the JIT) at this size


@pytest.fixture(scope="module")
def natives(tmp_path_factory):
    assert shutil.which("gcc"), "gcc is needed (tests/bootstrap.sh installs it)"
    return hc.build_native(str(tmp_path_factory.mktemp("native")), PROGRAMS)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One --quick run of the runner: (its output, its JSON)."""
    out = str(tmp_path_factory.mktemp("quick") / "quick.json")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "hot_code.py"), "--quick", "--json", out],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    with open(out) as fh:
        return p.stdout, json.load(fh)


@pytest.mark.parametrize("name", PROGRAMS)
def test_qemu_matches_native(name, natives, tmp_path):
    img = hc.patch_image(os.path.join(hc.GUEST, f"{name}.img"), os.path.join(hc.GUEST, f"{name}.elf"), ITERS,
                         str(tmp_path / f"{name}.img"))
    _, want = hc.run_native(natives[name], name, ITERS)
    assert shutil.which(hc.QEMU[0]), "qemu-system-aarch64 is needed (tests/bootstrap.sh installs it)"
    q = subprocess.run(hc.QEMU + [img], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert q.returncode == 0, q.stderr
    assert hc.parse_line(q.stdout, name, ITERS) == want


def test_quick_runner_end_to_end(quick):
    out, data = quick
    assert set(data["programs"]) == set(PROGRAMS)
    assert "geometric mean" in out and "ms / hot block" in out
    for r in data["programs"].values():
        for k in ("qemu", "jit", "tier0", "unicorn", "interp", "native"):
            assert r[k]["big_s"] > 0
        assert r["cold"]["hot"]["probe_error"] is None      # the probe found a64jit's compile entry points
        assert r["guest_insns"]["big"] > r["guest_insns"]["small"] > 0


@pytest.mark.parametrize("name", PROGRAMS)
def test_jit_matches_native(name, quick):
    sums = quick[1]["programs"][name]["checksums"]
    big, small, tiny = hc.QUICK
    assert {"a64jit", "a64jit tier 0", "a64jit cold", "native", "qemu"} <= set(sums[str(big)])
    assert {"a64jit", "a64jit tier 0", "native", "qemu", "unicorn"} <= set(sums[str(small)])
    for n in (big, small):
        assert len(set(sums[str(n)].values())) == 1, sums[str(n)]


@pytest.mark.parametrize("name", PROGRAMS)
def test_interp_matches_jit(name, quick):
    sums = quick[1]["programs"][name]["checksums"][str(TINY)]
    assert {"interp", "a64jit", "a64jit tier 0", "native", "qemu", "unicorn"} <= set(sums)
    assert len(set(sums.values())) == 1, sums


def test_disagreement_fails_the_run():
    p = hc.Program.__new__(hc.Program)
    p.name, p.sums = "x", {}
    p.agree(5, "native", "0x1")
    p.agree(5, "qemu", "0x1")
    with pytest.raises(hc.Disagreement):
        p.agree(5, "a64jit", "0x2")


def test_makefile_builds_the_images(tmp_path):
    """make in a copy of benchmarks/guest (the start code from samples/boot by path) builds every image,
    and each prints at 3 iterations on QEMU what the committed one prints (the committed images are
    compared with the sources by the native builds above)."""
    assert shutil.which("aarch64-linux-gnu-gcc"), "gcc-aarch64-linux-gnu is needed (tests/bootstrap.sh)"
    work = tmp_path / "benchmarks" / "guest"
    shutil.copytree(hc.GUEST, work, ignore=shutil.ignore_patterns("build", "*.img", "*.elf"))
    os.symlink(os.path.join(ROOT, "samples"), tmp_path / "samples")
    p = subprocess.run(["make", "-s", "-C", str(work)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    for name in PROGRAMS:
        lines = []
        for d in (str(work), hc.GUEST):
            img = hc.patch_image(os.path.join(d, f"{name}.img"), os.path.join(d, f"{name}.elf"), ITERS,
                                 str(tmp_path / f"{name}-{len(lines)}.img"))
            q = subprocess.run(hc.QEMU + [img], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            assert q.returncode == 0, q.stderr
            lines.append(hc.parse_line(q.stdout, name, ITERS))
        assert lines[0] == lines[1], name
