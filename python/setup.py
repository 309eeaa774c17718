"""Builds lshrs offline with Debian's setuptools: CMake compiles liblshrs and the
pybind11 extension lshrs._core from this checkout; both go into the package
with every shared library they need that a bare Debian 12 lacks, so that a
wheel installs and imports on a machine without a compiler, CMake, hiredis,
libpq or DuckDB.

    pip wheel --no-build-isolation --no-deps -w dist ./python     # a wheel
    pip install --no-build-isolation --break-system-packages ./python

The CMake build lives in build/python-package of the checkout (or
LSHRS_CMAKE_BUILD_DIR), kept between installs: a second `pip install` rebuilds
only what changed, in seconds, instead of the whole core. LSHRS_PREBUILT_DIR
names a build tree that already holds the extension (configured with
-DLSHRS_BUILD_PYTHON=ON): it is packaged as it is, without running CMake (CI
packages the release build it has just tested).

Bundling does what auditwheel's `repair` does (auditwheel is not packaged for
Debian 12): the libraries the loader resolves for the extension (ldd), except
glibc's and the C++ runtime's, which every Debian 12 has (apt needs them), are
copied into lshrs/_libs, and patchelf points the extension and each copy at
that folder ($ORIGIN). They keep their names: the wheel is for Debian 12, whose
libraries it carries, so a copy already loaded by the interpreter (OpenSSL, by
the ssl module) is the same build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LIBS = "_libs"

# What the wheel takes from the system: glibc (with the loader) and the C++
# runtime, as auditwheel's manylinux policies do. Everything else is bundled.
SYSTEM_LIBRARY = re.compile(
    r"^(ld-linux[-.\w]*\.so\.\d+|lib(c|m|dl|pthread|rt|resolv|util)\.so\.\d+"
    r"|libstdc\+\+\.so\.6|libgcc_s\.so\.1|linux-vdso\.so\.1)$")
LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(.*?)\s+\(0x[0-9a-f]+\)\s*$")


def resolved_libraries(binary: Path) -> dict[str, Path]:
    """The shared libraries the loader finds for BINARY, by the name it asks for."""
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    out = subprocess.run(["ldd", str(binary)], check=True, capture_output=True, text=True,
                         env=env).stdout
    found = {}
    for line in out.splitlines():
        if "=> not found" in line:
            raise RuntimeError(f"lshrs: {binary.name} needs {line.split()[0]}, which the loader "
                               "does not find: build the core first (or fix the build tree)")
        m = LDD_LINE.match(line)
        if m:
            found[m.group(1)] = Path(m.group(2))
    return found


def patchelf(*args: str) -> None:
    if shutil.which("patchelf") is None:
        raise RuntimeError("lshrs: packaging needs patchelf (apt install patchelf; scripts/setup "
                           "installs it)")
    subprocess.check_call(["patchelf", *args])


def bundle(built_core: Path, target: Path) -> None:
    """Copies the extension to TARGET and what it needs beside it, in _libs."""
    libs = target.parent / LIBS
    shutil.rmtree(libs, ignore_errors=True)
    libs.mkdir(parents=True)
    shutil.copy2(built_core, target)
    for name, path in resolved_libraries(built_core).items():
        if SYSTEM_LIBRARY.match(name):
            continue
        copy = libs / name
        shutil.copy2(path.resolve(), copy)
        copy.chmod(0o755)
        patchelf("--set-rpath", "$ORIGIN", str(copy))
    patchelf("--set-rpath", f"$ORIGIN/{LIBS}", str(target))
    # The proof: from its new place, the extension finds everything but the
    # system's libraries in _libs, never in the build tree.
    for name, path in resolved_libraries(target).items():
        if not SYSTEM_LIBRARY.match(name) and path.resolve().parent != libs.resolve():
            raise RuntimeError(f"lshrs: the packaged extension still loads {name} from {path}")


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        prebuilt = os.environ.get("LSHRS_PREBUILT_DIR")
        if prebuilt:
            if not os.path.isabs(prebuilt):  # pip runs this from python/, not the caller's cwd
                raise RuntimeError(f"lshrs: LSHRS_PREBUILT_DIR={prebuilt!r} must be an absolute path")
            build_dir = Path(prebuilt)
        else:
            build_dir = Path(os.environ.get("LSHRS_CMAKE_BUILD_DIR")
                             or ROOT / "build" / "python-package")
            subprocess.check_call([
                "cmake", "-S", str(ROOT), "-B", str(build_dir),
                "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DLSHRS_BUILD_PYTHON=ON",
                "-DLSHRS_BUILD_TESTS=OFF", "-DLSHRS_BUILD_BENCH=OFF", "-DLSHRS_BUILD_TOOLS=OFF",
                f"-DPython3_EXECUTABLE={sys.executable}",
                # Build-tree paths, so that ldd finds what to bundle (patchelf
                # then points the copies at each other; a tree configured by an
                # older setup.py had this ON).
                "-DCMAKE_BUILD_WITH_INSTALL_RPATH=OFF"])
            subprocess.check_call(["cmake", "--build", str(build_dir), "-j",
                                   str(os.cpu_count() or 2), "--target", "lshrs_python"])
        built = sorted((build_dir / "python" / "lshrs").glob("_core*.so"))
        if not built:
            raise RuntimeError(f"lshrs: no extension lshrs/_core*.so in {build_dir}/python "
                               "(configure that tree with -DLSHRS_BUILD_PYTHON=ON and build it)")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        bundle(built[0], target)


setup(
    name="lshrs",
    version="0.2.0",
    description="Redis-backed locality-sensitive hashing for cosine similarity (C++ core)",
    packages=find_packages(include=["lshrs", "lshrs.*"]),
    package_data={"lshrs": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("lshrs._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.11",
    install_requires=["numpy"],
    zip_safe=False,
)
