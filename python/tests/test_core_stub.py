"""_core.pyi, the type stub editors and mypy read, against the extension it
describes: every name, base class, method, attribute and parameter name in one
is in the other (pybind11's docstring signatures give the module's side), so
the hand-written stub cannot drift from the bindings. mypy's stubgen could
write it, but loses the numpy array types the stub spells out."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from lshrs import _core

STUB = Path(__file__).resolve().parents[1] / "lshrs" / "_core.pyi"
SIGNATURE = re.compile(r"^(?:\d+\. )?(\w+)\((.*)\) -> ")


def stub_tree():
    functions, classes = {}, {}
    for node in ast.parse(STUB.read_text()).body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = node
    return functions, classes


def stub_params(fn: ast.FunctionDef) -> list[str]:
    a = fn.args
    return [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs if p.arg != "self"]


def split_params(text: str) -> list[str]:
    """Parameter names of a pybind11 signature: 'a: int, b: list[int] = [1, 2]'."""
    names, depth, start = [], 0, 0
    for i, ch in enumerate(text + ","):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            part = text[start:i].strip()
            start = i + 1
            name = part.split(":")[0].split("=")[0].strip()
            if name and name not in ("self", "*", "/"):
                names.append(name)
    return names


def module_signatures(obj, name: str) -> list[list[str]]:
    """Every overload's parameter names, from pybind11's docstring."""
    sigs = []
    for line in (obj.__doc__ or "").splitlines():
        m = SIGNATURE.match(line.strip())
        if m and m.group(1) == name:
            sigs.append(split_params(m.group(2)))
    return sigs


def public(names):
    return {n for n in names if not n.startswith("_")}


def test_every_name_of_the_module_is_in_the_stub_and_back():
    functions, classes = stub_tree()
    in_module = public(n for n, v in vars(_core).items() if callable(v) or inspect.isclass(v))
    assert in_module - functions.keys() - classes.keys() == set(), "bound but not in _core.pyi"
    assert (functions.keys() | classes.keys()) - set(dir(_core)) == set(), "in _core.pyi, not bound"


@pytest.mark.parametrize("name", sorted(stub_tree()[0]))
def test_functions_take_the_parameters_the_stub_names(name):
    fn = stub_tree()[0][name]
    sigs = module_signatures(getattr(_core, name), name)
    assert sigs, f"{name}: no pybind11 signature in its docstring"
    assert stub_params(fn) in sigs, f"{name}: stub {stub_params(fn)}, module {sigs}"


@pytest.mark.parametrize("name", sorted(stub_tree()[1]))
def test_classes_match_their_stub(name):
    node = stub_tree()[1][name]
    cls = getattr(_core, name)
    for base in node.bases:
        assert issubclass(cls, getattr(_core, base.id)), f"{name} should derive from {base.id}"
    methods = {}  # name -> its defs (several for an @overload)
    for n in node.body:
        if isinstance(n, ast.FunctionDef):
            methods.setdefault(n.name, []).append(n)
    attributes = {n.target.id for n in node.body if isinstance(n, ast.AnnAssign)}
    own = public(vars(cls))
    assert own - methods.keys() - attributes == set(), f"{name}: bound but not in the stub"
    for attr in attributes:
        assert hasattr(cls, attr), f"{name}.{attr}: in the stub, not bound"
    for mname, defs in methods.items():
        if mname == "__init__" and "__init__" not in vars(cls):
            continue
        assert hasattr(cls, mname), f"{name}.{mname}: in the stub, not bound"
        sigs = module_signatures(getattr(cls, mname), mname)
        assert sigs, f"{name}.{mname}: no pybind11 signature"
        stubbed = [stub_params(fn) for fn in defs]
        assert sorted(stubbed) == sorted(sigs), f"{name}.{mname}: stub {stubbed}, module {sigs}"
