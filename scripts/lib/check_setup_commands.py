#!/usr/bin/python3
"""Checks that scripts/setup installs every command the project's scripts call.

    /usr/bin/python3 scripts/lib/check_setup_commands.py [-v]

A bare `debian:12` holds the Priority: required (and Essential) packages and
apt, nothing else. For every command the scripts below call, this resolves it
on Debian's PATH (not /usr/local), asks dpkg which package owns it, and
asserts that the package is in that base set, or in what `scripts/setup
--print-packages` lists, or a dependency (Depends/Pre-Depends, transitively)
of one of those. Commands setup installs only when missing ("COMMAND PACKAGE"
lines: npm, node) count as covered by that package, whoever provides them here.

What "the commands the scripts call" means, an over-approximation: every word
of the scripts' code (comments dropped) that names an executable file on
/usr/sbin:/usr/bin:/sbin:/bin and is not a shell builtin, keyword or function
the scripts define. A word in an echoed message that happens to name a
program is checked too, which is harmless when it is covered and is listed in
TEXT_WORDS when it is not. A command missing from this machine altogether is
not seen; REQUIRED_ELSEWHERE names the ones the scripts use conditionally.

Runs in about a second, offline (dpkg's database and apt's lists only). Exit 1 lists what is
not covered. It does not install anything into a fresh container, so it
cannot catch a package whose own maintainer scripts need something more, or a
Debian package that changed between this machine's state and a new install;
docs/contributing.md says so.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = ["scripts/setup", "scripts/test", "scripts/demo", "scripts/doc_examples",
           "scripts/soak", "scripts/bench", ".ci/run"]
LIB = "scripts/lib"
DEBIAN_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
# Words that name a program on this machine but are prose in the scripts, never run.
TEXT_WORDS = {
    "view": "`npm view`: a subcommand of npm",
    "write": "the demo's message \"this build cannot write Parquet\"",
}
# Commands used conditionally, which a bare debian:12 may lack; how each is handled.
REQUIRED_ELSEWHERE = {
    "sudo": "setup uses it only when not root, and stops with a message when it is missing",
}


def script_files():
    files = [os.path.join(ROOT, f) for f in SCRIPTS if os.path.exists(os.path.join(ROOT, f))]
    lib = os.path.join(ROOT, LIB)
    files += sorted(os.path.join(lib, f) for f in os.listdir(lib)
                    if f.endswith((".sh", ".py")) and f != os.path.basename(__file__))
    return files


def code_words(path):
    """Words of the code: comments dropped; paths, flags and variables skipped."""
    words = set()
    for line in open(path, encoding="utf-8"):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            continue
        line = re.sub(r"(^|\s)#\s.*$", "", line)  # a trailing comment
        for m in re.finditer(r"(?<![\w./${@%=:-])([A-Za-z_][\w.+-]*)", line):
            words.add(m.group(1).rstrip("."))
    return words


def shell_names(files):
    """Builtins, keywords and the functions the scripts define."""
    out = subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True,
                         text=True, check=True).stdout.split()
    names = set(out)
    for f in files:
        names |= set(re.findall(r"^\s*([A-Za-z_][\w-]*)\s*\(\)\s*\{", open(f).read(), re.M))
    return names


def file_owners():
    """Every file dpkg installed, mapped to its package (dpkg's own lists)."""
    owners = {}
    info = "/var/lib/dpkg/info"
    for name in os.listdir(info):
        if name.endswith(".list"):
            pkg = name[:-5].split(":")[0]
            with open(os.path.join(info, name), encoding="utf-8", errors="replace") as f:
                for line in f:
                    owners.setdefault(line.rstrip("\n"), pkg)
    return owners


def owner(path, owners):
    """The package owning PATH, trying the /usr-merged and resolved names."""
    real = os.path.realpath(path)
    for p in (path, real):
        for c in (p, p[4:] if p.startswith("/usr/") else "/usr" + p):
            if c in owners:
                return owners[c]
    return None


def installed_packages():
    fmt = "${Package}\t${Essential}\t${Priority}\t${Provides}\t${Depends}\t${Pre-Depends}\t${Status}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True,
                         check=True).stdout
    pkgs, provides = {}, {}
    for line in out.splitlines():
        name, essential, priority, prov, dep, predep, status = line.split("\t")
        if not status.endswith(" installed"):
            continue
        deps = []
        for clause in filter(None, (c.strip() for c in (dep + "," + predep).split(","))):
            deps.append([re.split(r"[\s:(]", alt.strip())[0] for alt in clause.split("|")])
        pkgs[name] = (essential == "yes" or priority == "required", deps)
        for p in filter(None, (p.strip() for p in prov.split(","))):
            provides.setdefault(re.split(r"[\s(]", p)[0], []).append(name)
    return pkgs, provides


def closure(roots, pkgs, provides):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        if p not in pkgs:
            todo.extend(provides.get(p, [])[:1])  # a virtual package: what provides it here
            continue
        for alts in pkgs[p][1]:
            # The first alternative installed here (apt picks the first one it can).
            chosen = next((a for a in alts if a in pkgs or a in provides), alts[0])
            todo.append(chosen)
    return seen


def bare_debian_packages(pkgs, provides):
    """What a bare debian:12 holds: its required and Essential packages, apt, their dependencies."""
    base = {p for p, (required, _) in pkgs.items() if required} | {"apt"}
    return closure(base, pkgs, provides)


def main():
    verbose = "-v" in sys.argv
    files = script_files()
    listed = subprocess.run([os.path.join(ROOT, "scripts/setup"), "--print-packages"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    setup_pkgs = {l.split()[-1] for l in listed if l.strip()}
    by_command = {l.split()[0]: l.split()[1] for l in listed if len(l.split()) == 2}
    pkgs, provides = installed_packages()
    base_closure = bare_debian_packages(pkgs, provides)
    setup_closure = closure(setup_pkgs, pkgs, provides)

    skip = shell_names(files)
    commands = {}
    for f in files:
        for w in code_words(f):
            if w in skip or w in TEXT_WORDS:
                continue
            path = shutil.which(w, path=DEBIAN_PATH)
            if path and os.path.isfile(path):
                commands.setdefault(w, (path, os.path.relpath(f, ROOT)))

    owners = file_owners()
    bad = []
    for cmd in sorted(commands):
        path, where = commands[cmd]
        if cmd in by_command:
            why = f"setup installs {by_command[cmd]} when {cmd} is missing"
        else:
            pkg = owner(path, owners)
            if pkg is None:
                bad.append(f"{cmd} ({path}, used in {where}): no Debian package owns it")
                continue
            if pkg in base_closure:
                why = f"{pkg}: in a bare debian:12"
            elif pkg in setup_closure:
                why = f"{pkg}: installed by scripts/setup"
            else:
                bad.append(f"{cmd} ({path}, used in {where}): package {pkg} is neither in a "
                           "bare debian:12 nor installed by scripts/setup")
                continue
        if verbose:
            print(f"  {cmd:20} {why}")
    for cmd, why in REQUIRED_ELSEWHERE.items():
        if verbose:
            print(f"  {cmd:20} {why}")
    for cmd in sorted(set(by_command)):
        r = subprocess.run(["apt-cache", "show", "--no-all-versions", by_command[cmd]],
                           capture_output=True, text=True)
        if r.returncode != 0 or "Package:" not in r.stdout:
            print(f"  (apt-cache knows no package {by_command[cmd]}: run apt-get update to check it)")
    print(f"setup commands: {len(commands)} commands in {len(files)} scripts, "
          f"{len(commands) - len(bad)} covered, {len(bad)} not")
    for b in bad:
        print("  NOT COVERED: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
