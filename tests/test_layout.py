"""The house rules, checked: one import name; every package listed for
installation; layers with no arrow back up; no path of a development
machine in the tree."""
import ast
import glob
import os
import subprocess
import sys
import tomllib
import zipfile

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
FOLDERS = {"a64jit": "a64jit", "runtime": "a64jit.runtime", "translator": "a64jit.translator"}


def package_dirs():
    """(folder, dotted package name) of every package of the distribution."""
    out = []
    for folder, pkg in FOLDERS.items():
        for init in glob.glob(os.path.join(ROOT, folder, "**", "__init__.py"), recursive=True):
            rel = os.path.relpath(os.path.dirname(init), os.path.join(ROOT, folder))
            out.append((folder, pkg if rel == "." else pkg + "." + rel.replace(os.sep, ".")))
    return out


def test_pyproject_lists_every_package():
    conf = tomllib.load(open(os.path.join(ROOT, "pyproject.toml"), "rb"))["tool"]["setuptools"]
    assert sorted(conf["packages"]) == sorted(p for _, p in package_dirs())
    assert conf["package-dir"] == {"a64jit": "a64jit", "a64jit.runtime": "runtime",
                                   "a64jit.translator": "translator"}


def test_wheel_installs_a64jit_alone(tmp_path):
    # from a clean copy of what git tracks (a build in the checkout would leave build/ behind, and stale
    # files in it would end up in later wheels)
    src = tmp_path / "src"
    subprocess.run(["git", "clone", "-q", ROOT, str(src)], check=True, capture_output=True, timeout=120)
    subprocess.run(["git", "-C", ROOT, "diff", "HEAD", "--binary", "--output", str(tmp_path / "wip.patch")],
                   check=True, timeout=60)
    if (tmp_path / "wip.patch").stat().st_size:      # uncommitted work is part of what is tested
        subprocess.run(["git", "-C", str(src), "apply", str(tmp_path / "wip.patch")], check=True, timeout=60)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    (whl,) = glob.glob(str(tmp_path / "*.whl"))
    names = zipfile.ZipFile(whl).namelist()
    assert {n.split("/")[0] for n in names} == {"a64jit", "a64jit-0.1.0.dist-info"}
    assert "a64jit/translator/jit/engine.py" in names and "a64jit/runtime/abi.py" in names
    assert "a64jit/samples/demo.bin" in names


def imports_of(path, pkg):
    """Absolute names of the modules a file imports."""
    tree = ast.parse(open(path).read(), path)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[:len(base) - node.level + 1]
                out.append(".".join(base + ([node.module] if node.module else [])))
            else:
                out.append(node.module)
    return out


def modules(folder):
    """(path, dotted name of the package the file is in) of every module."""
    for path in glob.glob(os.path.join(ROOT, folder, "**", "*.py"), recursive=True):
        rel = os.path.relpath(os.path.dirname(path), os.path.join(ROOT, folder))
        yield path, FOLDERS[folder] + ("" if rel == "." else "." + rel.replace(os.sep, "."))


#: the composition layer's modules (a64jit/): nothing below imports them
COMPOSITION = tuple("a64jit." + os.path.splitext(os.path.basename(p))[0]
                    for p in glob.glob(os.path.join(ROOT, "a64jit", "*.py")) if not p.endswith("__init__.py"))


@pytest.mark.parametrize("folder,forbidden", [
    ("runtime", ("a64jit.translator", "translator") + COMPOSITION),
    ("translator", COMPOSITION + ("runtime", "translator")),
])
def test_no_import_points_up_a_layer(folder, forbidden):
    bad = []
    for path, package in modules(folder):
        for name in imports_of(path, package):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{os.path.relpath(path, ROOT)} imports {name}")
    assert not bad


def test_import_check_sees_a_violation(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("from ..translator.decode import decode\nimport a64jit.machine\n")
    assert imports_of(str(f), "a64jit.runtime") == ["a64jit.translator.decode", "a64jit.machine"]


def test_no_development_machine_paths_in_the_tree():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    bad = []
    for f in files:
        if f.endswith((".bin", ".png")) or f == "tests/test_layout.py":
            continue
        text = open(os.path.join(ROOT, f), errors="replace").read()
        for marker in ("/work/", "/root/", "/home/", "/tmp/before"):
            if marker in text:
                bad.append(f"{f}: {marker}")
    assert not bad
