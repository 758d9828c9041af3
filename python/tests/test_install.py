"""The package installs offline with Debian's pip into a venv that sees the
system's numpy, and finds libshmfb by SHMFB_LIBRARY or the dynamic linker."""

import os
import shutil
import subprocess
import textwrap

from conftest import PYDIR, PYTHON, foreign_env

ROUND_TRIP = textwrap.dedent("""
    import os, sys, shmfb
    print(shmfb.__file__)
    name = f"/pytest-install-{os.getpid()}"
    with shmfb.Producer(name, 8, 4, pacing="free") as p, \\
            shmfb.Consumer(name, attach=True) as c:
        p.pixels[...] = 0xFF0000FF
        p.present()
        f = c.wait(1000)
        print(f.size, hex(int(f.pixels[3, 7])))
""")


def clean_env(**extra):
    env = dict(os.environ)
    for var in ("PYTHONPATH", "SHMFB_LIBRARY", "LD_LIBRARY_PATH"):
        env.pop(var, None)
    env.update(extra)
    return env


def test_pip_install_into_venv(tmp_path):
    # A copy: pip builds in the source folder, which must stay clean.
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(os.path.join(PYDIR, "pyproject.toml"), src)
    shutil.copytree(os.path.join(PYDIR, "shmfb"), src / "shmfb",
                    ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([PYTHON, "-m", "venv", "--system-site-packages", str(venv)], check=True,
                   env=foreign_env())
    vpy = str(venv / "bin" / "python3")
    # What `python3 -m pip install ...` runs in the activated venv.
    r = subprocess.run([vpy, "-m", "pip", "install", "--no-build-isolation", "--no-index",
                        str(src)], capture_output=True, text=True,
                       env=foreign_env(PIP_DISABLE_PIP_VERSION_CHECK="1"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Successfully installed shmfb-0.1.0" in r.stdout

    lib = os.environ["SHMFB_LIBRARY"]
    # By SHMFB_LIBRARY, from a folder with no shmfb in it.
    r = subprocess.run([vpy, "-c", ROUND_TRIP], capture_output=True, text=True, cwd=tmp_path,
                       env=clean_env(SHMFB_LIBRARY=lib))
    assert r.returncode == 0, r.stderr
    path, result = r.stdout.splitlines()
    assert path.startswith(str(venv)) and path.endswith("site-packages/shmfb/__init__.py")
    assert result == "(8, 4) 0xff0000ff"
    # By the dynamic linker's search (its soname, in LD_LIBRARY_PATH).
    r = subprocess.run([vpy, "-c", ROUND_TRIP], capture_output=True, text=True, cwd=tmp_path,
                       env=clean_env(LD_LIBRARY_PATH=os.path.dirname(lib)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "(8, 4) 0xff0000ff"
    # A wrong SHMFB_LIBRARY: one clear ImportError.
    r = subprocess.run([vpy, "-c", "import shmfb"], capture_output=True, text=True,
                       cwd=tmp_path, env=clean_env(SHMFB_LIBRARY="/nonexistent/libshmfb.so"))
    assert r.returncode == 1
    last = r.stderr.splitlines()[-1]
    assert last.startswith("ImportError: shmfb: cannot load libshmfb (set SHMFB_LIBRARY")
    assert "/nonexistent/libshmfb.so" in last


def test_usable_from_the_tree():
    r = subprocess.run([PYTHON, "-c", ROUND_TRIP], capture_output=True, text=True,
                       env=clean_env(PYTHONPATH=PYDIR, SHMFB_LIBRARY=os.environ["SHMFB_LIBRARY"]))
    assert r.returncode == 0, r.stderr
    path, result = r.stdout.splitlines()
    assert path == os.path.join(PYDIR, "shmfb", "__init__.py")
    assert result == "(8, 4) 0xff0000ff"
