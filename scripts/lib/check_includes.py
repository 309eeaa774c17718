#!/usr/bin/python3
"""Checks that the source folders include one another in one direction only.

    /usr/bin/python3 scripts/lib/check_includes.py [-v]

The folders form a strict order, lowest first (docs/architecture.md says what
each one does):

    util < filter < lsh < store < model < io < redis < index < tools, python

A source may include headers of its own folder and of folders below it, never
of a folder above it: a helper that two folders share moves down (to util/),
it is not reached for upwards. Public headers (include/lshrs/) belong to the
folder that implements them, PUBLIC below, so that `#include "lshrs/tuner.hpp"`
in src/lsh/ counts as lsh -> index just as `#include "index/..."` would. A
public header may include only public headers ("lshrs/..."): src/ is not
installed. tools/ (the CLI) and python/src/ (the bindings) sit on top and use
the public headers, and of src/ only util/'s header-only helpers. A source
named like a public header (src/util/safe_text.cpp for lshrs/safe_text.hpp)
implements it, so it must sit in that header's folder.

Reads every `#include "..."` line (angle-bracket includes are third-party or
standard) of src/, tools/, python/src/ and include/. Exit 1 with one line per
violation, `path:line: from -> to (header)`; a public header missing from
PUBLIC is a violation too, so that a new header is placed on purpose.
Standard library only; runs in well under a second.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Lowest first. Folders of one rank (the two front ends) may not include each other.
ORDER = ["util", "filter", "lsh", "store", "model", "io", "redis", "index", ("tools", "python")]
RANK = {}
for rank, entry in enumerate(ORDER):
    for folder in entry if isinstance(entry, tuple) else (entry,):
        RANK[folder] = rank

# They link liblshrs.so, whose symbols are the public API's only: besides the
# public headers they may include the header-only helpers of src/util/ (no
# .cpp beside them), nothing else of src/.
FRONT_ENDS = {"tools", "python"}

# include/lshrs/<header>: the folder whose sources implement it.
PUBLIC = {
    "export.hpp": "util", "config.hpp": "util", "error.hpp": "util",
    "safe_text.hpp": "util", "option_rules.hpp": "util",
    "hash_family.hpp": "lsh", "signatures.hpp": "lsh", "hasher.hpp": "lsh",
    "band_hasher.hpp": "lsh", "attributes.hpp": "filter",
    "cross_polytope.hpp": "lsh", "kmeans.hpp": "lsh", "tuning.hpp": "lsh",
    "query_defaults.hpp": "lsh",
    "store.hpp": "store", "memory_store.hpp": "store",
    "model_io.hpp": "model",
    "source.hpp": "io", "fetcher.hpp": "io", "files.hpp": "io", "parquet.hpp": "io",
    "postgres.hpp": "io",
    "redis_store.hpp": "redis", "redis_tls.hpp": "redis",
    "index.hpp": "index", "index_config.hpp": "index", "auto_config.hpp": "index",
    "exact.hpp": "index", "tuner.hpp": "index", "lshrs.hpp": "index",
}

TREES = ["src", "tools", "python/src", "include"]
SOURCE_EXTENSIONS = (".hpp", ".cpp", ".h", ".cc", ".in")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path):
    """The folder a repository-relative path belongs to, or None (not checked)."""
    parts = path.split("/")
    if parts[0] == "src" and len(parts) > 2:
        return parts[1]
    if parts[0] == "tools":
        return "tools"
    if parts[:2] == ["python", "src"]:
        return "python"
    if parts[:2] == ["include", "lshrs"]:
        name = parts[-1][:-3] if parts[-1].endswith(".in") else parts[-1]
        return PUBLIC.get(name, "?")
    return None


def target_of(path, header):
    """The folder `#include "header"` in `path` reaches, or None (a header beside it)."""
    first = header.split("/")[0]
    if first == "lshrs":
        return PUBLIC.get(header.split("/", 1)[1], "?")
    if first in RANK and "/" in header:
        return first
    return None  # relative to the includer: its own folder


def header_only(header):
    """Whether `header` ("util/x.hpp") is a src/util/ header without a x.cpp."""
    folder, _, name = header.partition("/")
    base = os.path.join(ROOT, "src", folder, os.path.splitext(name)[0])
    return folder == "util" and not os.path.exists(base + ".cpp")


def implements(path):
    """The public header a source is named for: src/x/y.cpp -> y.hpp."""
    base, ext = os.path.splitext(os.path.basename(path))
    return base + ".hpp" if path.startswith("src/") and ext == ".cpp" else None


def violations():
    found = []
    for tree in TREES:
        for dirpath, _, files in os.walk(os.path.join(ROOT, tree)):
            for name in sorted(files):
                if not name.endswith(SOURCE_EXTENSIONS):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), ROOT)
                found.extend(check_file(path))
    return found


def check_file(path):
    source = folder_of(path)
    if source is None:
        return []
    if source == "?":
        return [f"{path}:1: public header without a folder: add it to PUBLIC in "
                f"scripts/lib/check_includes.py"]
    public = path.startswith("include/")
    out = []
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            header = match.group(1)
            own = implements(path)
            if own and header == "lshrs/" + own and PUBLIC.get(own) != source:
                out.append(f"{path}:{number}: implements {header}, whose folder is "
                           f"{PUBLIC.get(own, '?')}, from src/{source}/")
            if public and not header.startswith("lshrs/"):
                out.append(f"{path}:{number}: public header includes a private one ({header})")
                continue
            if source in FRONT_ENDS and header.split("/")[0] in RANK and not header_only(header):
                out.append(f"{path}:{number}: {source} includes a private header ({header}); "
                           f"it links liblshrs.so, which exports the public API only")
                continue
            target = target_of(path, header)
            if target is None or target == source:
                continue
            if target == "?":
                out.append(f"{path}:{number}: {header} is not a known public header "
                           f"(add it to PUBLIC in scripts/lib/check_includes.py)")
            elif RANK[target] >= RANK[source]:
                out.append(f"{path}:{number}: {source} -> {target} ({header})")
    return out


def order_text():
    return " < ".join(e if isinstance(e, str) else ", ".join(e) for e in ORDER)


def main():
    found = violations()
    for line in found:
        print(line)
    if found:
        sys.stderr.write(f"{len(found)} problem(s) with the folder order {order_text()}\n")
        return 1
    if "-v" in sys.argv[1:]:
        print("includes follow " + order_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
