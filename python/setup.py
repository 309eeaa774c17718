"""Builds lshrs offline with Debian's setuptools: CMake compiles liblshrs and the
pybind11 extension lshrs._core from this checkout, and both are copied into the
package (the extension finds liblshrs.so.0 beside it through $ORIGIN).

    pip install --no-build-isolation --break-system-packages ./python

The CMake build lives in build/python-package of the checkout (or
LSHRS_CMAKE_BUILD_DIR), kept between installs: a second `pip install` rebuilds
only what changed, in seconds, instead of the whole core.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = Path(os.environ.get("LSHRS_CMAKE_BUILD_DIR")
                         or ROOT / "build" / "python-package")
        subprocess.check_call([
            "cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
            "-DLSHRS_BUILD_PYTHON=ON", "-DLSHRS_BUILD_TESTS=OFF", "-DLSHRS_BUILD_BENCH=OFF",
            "-DLSHRS_BUILD_TOOLS=OFF", f"-DPython3_EXECUTABLE={sys.executable}",
            # Installed files find each other ($ORIGIN), never this build tree.
            "-DCMAKE_BUILD_WITH_INSTALL_RPATH=ON"])
        subprocess.check_call(["cmake", "--build", str(build_dir), "-j", str(os.cpu_count() or 2),
                               "--target", "lshrs_python"])
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        built = next((build_dir / "python" / "lshrs").glob("_core*.so"))
        shutil.copy2(built, target)
        library = (build_dir / "src" / "liblshrs.so").resolve()
        shutil.copy2(library, target.parent / "liblshrs.so.0")


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
