"""The generated part of the documentation site: the API reference and the CLI reference.

Nothing here lists a public name by hand, so a new module, name or command appears in the
site without an edit:

- the **public modules** are ``tearcorpus`` and every submodule none of whose dotted parts
  starts with ``_`` (found by walking the package);
- a module's **public names** are its ``__all__`` (or, without one, the names it defines
  that do not start with ``_``);
- each public object is documented once, on the page of its **home**: the public module
  that defines it, or for an object defined in a private module (``exporters/_base.py``)
  the public module nearest above it that exports it; other modules that export it link
  there;
- the **CLI reference** is rendered from the argument parser
  (:func:`tearcorpus.cli.build_parser`), every subcommand and option.

:func:`undocumented` lists the public names without a docstring (for data, a ``#:``
comment above the assignment or a string literal below it); the build fails on any.
A name that a format module (a value of ``PARSERS`` or ``EXPORTERS``) provides because
its Protocol (``Parser``, ``Exporter``) declares it takes that member's docstring, as a
method takes the docstring of the method it overrides.

Sphinx runs :func:`setup`; the rest is plain Python, tested by ``tests/test_docs.py``.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import functools
import importlib
import importlib.util
import inspect
import os
import pkgutil
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE = "tearcorpus"
#: Where the generated pages go, under the docs folder (the folder is generated whole).
REFERENCE = "reference"
#: Names of builtins (``type``, ``dict`` ...), which cross-references take literally.
_BUILTINS = frozenset(dir(builtins))
#: The width ``usage:`` lines are wrapped at, whatever the terminal.
USAGE_WIDTH = 88


# Public modules and names.


def public_modules() -> list[str]:
    """The dotted names of the public modules, the package first, then sorted."""
    package = importlib.import_module(PACKAGE)
    found = [
        info.name
        for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")
        if not any(part.startswith("_") for part in info.name.split("."))
    ]
    return [PACKAGE, *sorted(found)]


def exported(module: ModuleType) -> list[str]:
    """A module's public names: ``__all__``, or the public names it defines."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and getattr(value, "__module__", module.__name__) == module.__name__
    ]


def _has_own_module(obj: object) -> bool:
    """Whether *obj* names the module that defines it (classes, functions, wrappers)."""
    return inspect.isclass(obj) or inspect.isroutine(obj) or hasattr(obj, "__wrapped__")


@functools.cache
def _assigned(module_name: str) -> dict[str, str]:
    """The top-level names *module_name*'s source assigns, with their doc: the ``#:``
    comment lines above the assignment, or a string literal right below it ("" if none)."""
    module = importlib.import_module(module_name)
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    tree = ast.parse(source)
    docs: dict[str, str] = {}
    body = tree.body
    for index, node in enumerate(body):
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        else:
            continue
        comment: list[str] = []
        row = node.lineno - 2
        while row >= 0 and lines[row].lstrip().startswith("#:"):
            comment.insert(0, lines[row].lstrip().removeprefix("#:").strip())
            row -= 1
        doc = " ".join(comment)
        following = body[index + 1] if index + 1 < len(body) else None
        if (
            not doc
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            doc = inspect.cleandoc(following.value.value)
        for target in targets:
            docs[target] = doc
    return docs


def _defined_in(name: str, obj: object, module: ModuleType) -> str:
    """The module that defines *obj*, exported as *name* by *module*."""
    if _has_own_module(obj):
        defining = getattr(obj, "__module__", None)
        if isinstance(defining, str) and defining.startswith(PACKAGE):
            return defining
    # Data: the module whose source assigns the name, following ``from .x import name``.
    seen: set[str] = set()
    current = module.__name__
    while current not in seen:
        seen.add(current)
        if name in _assigned(current):
            return current
        source = importlib.import_module(current)
        try:
            tree = ast.parse(inspect.getsource(source))
        except (OSError, TypeError):
            break
        nxt = None
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and any(
                alias.name == name and (alias.asname or alias.name) == name for alias in node.names
            ):
                package = current if hasattr(source, "__path__") else current.rpartition(".")[0]
                nxt = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                break
        if nxt is None:
            break
        current = nxt
    return module.__name__


@dataclass(frozen=True)
class Entry:
    """A public object: its name, the object, where it is defined and documented, and
    every public module that exports it."""

    name: str
    obj: Any
    defined_in: str
    home: str
    exported_by: tuple[str, ...]

    @property
    def path(self) -> str:
        """The dotted path it is documented under."""
        return f"{self.home}.{self.name}"

    @property
    def kind(self) -> str:
        """``module``, ``exception``, ``class``, ``function`` or ``data``."""
        if inspect.ismodule(self.obj):
            return "module"
        if inspect.isclass(self.obj):
            return "exception" if issubclass(self.obj, BaseException) else "class"
        if inspect.isroutine(self.obj) or hasattr(self.obj, "__wrapped__"):
            return "function"
        return "data"


def _home(defined_in: str, exporters: list[str], public: set[str]) -> str:
    if defined_in in public and defined_in in exporters:
        return defined_in
    above = [m for m in exporters if defined_in.startswith(f"{m}.")]
    return max(above or exporters, key=len)


def entries() -> list[Entry]:
    """Every public object once, in the order of the public modules and their names."""
    modules = public_modules()
    public = set(modules)
    found: dict[tuple[str, int], tuple[Any, str, list[str]]] = {}
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in exported(module):
            obj = getattr(module, name)
            key = (name, id(obj))
            if key not in found:
                found[key] = (obj, _defined_in(name, obj, module), [])
            found[key][2].append(module_name)
    result = []
    for (name, _), (obj, defined_in, exporters) in found.items():
        home = _home(defined_in, exporters, public)
        result.append(Entry(name, obj, defined_in, home, tuple(exporters)))
    return result


# Docstrings.


@functools.cache
def _protocols() -> dict[str, type]:
    """Format module name → the Protocol it implements (from the format registries of
    :mod:`tearcorpus.typing`'s protocols, the most specific one last)."""
    from tearcorpus.exporters import ARROW_EXPORTERS, EXPORTERS, LINE_EXPORTERS
    from tearcorpus.parsers import PARSERS
    from tearcorpus.typing import BatchExporter, Exporter, LineExporter, Parser

    protocols: dict[str, type] = {}
    registries: tuple[tuple[Mapping[str, object], type], ...] = (
        (PARSERS, Parser),
        (EXPORTERS, Exporter),
        (ARROW_EXPORTERS, BatchExporter),
        (LINE_EXPORTERS, LineExporter),
    )
    for registry, protocol in registries:
        for module in registry.values():
            protocols[getattr(module, "__name__", "")] = protocol
    return protocols


def protocol_doc(module_name: str, name: str) -> str:
    """The docstring a format module's *name* takes from its Protocol, or from a Protocol
    that one extends ("" if none)."""
    protocol = _protocols().get(module_name)
    if protocol is None:
        return ""
    for declaring in inspect.getmro(protocol):
        if not declaring.__module__.startswith(PACKAGE):
            continue  # Protocol, Generic, object
        member = vars(declaring).get(name)
        if member is not None and inspect.isfunction(member):
            return inspect.getdoc(member) or ""
        doc = _class_attribute_docs(declaring).get(name, "")
        if doc:
            return doc
    return ""


@functools.cache
def _class_attribute_docs(cls: type) -> dict[str, str]:
    """The ``#:`` comments above a class body's annotated attributes."""
    try:
        lines, _ = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}
    comment: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#:"):
            comment.append(stripped.removeprefix("#:").strip())
            continue
        head = stripped.split(":", 1)[0].split("=", 1)[0].strip()
        if comment and head.isidentifier():
            docs[head] = " ".join(comment)
        comment = []
    return docs


def docstring(entry: Entry) -> str:
    """The documentation of a public object ("" if it has none)."""
    if entry.kind == "data":
        doc = _assigned(entry.defined_in).get(entry.name, "")
    elif entry.kind in ("class", "exception", "module"):
        doc = entry.obj.__dict__.get("__doc__") or ""
    else:
        doc = inspect.getdoc(entry.obj) or ""
    return doc.strip() or protocol_doc(entry.defined_in, entry.name)


def _members(cls: type) -> Iterator[tuple[str, Any]]:
    """A class's own public methods and properties."""
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            yield name, value.__func__
        elif inspect.isfunction(value) or isinstance(value, (property, functools.cached_property)):
            yield name, value


@functools.cache
def _all_protocols() -> list[type]:
    """The Protocol classes among the public objects."""
    return [
        e.obj for e in entries() if inspect.isclass(e.obj) and getattr(e.obj, "_is_protocol", False)
    ]


def implemented_doc(cls: type, name: str) -> str:
    """The docstring *cls*'s method *name* takes from a Protocol that *cls* implements
    (structurally: it has every member the Protocol declares) and that documents *name*."""
    for protocol in _all_protocols():
        if protocol is cls or name not in vars(protocol):
            continue
        declared = {n for n in vars(protocol) if not n.startswith("_")}
        declared |= set(getattr(protocol, "__annotations__", {}))
        if all(hasattr(cls, n) for n in declared):
            doc = inspect.getdoc(vars(protocol)[name])
            if doc:
                return doc
    return ""


def member_doc(cls: type, name: str, member: Any) -> str:
    """The documentation of a class's method or property ("" if none)."""
    doc = inspect.getdoc(getattr(cls, name, member)) or inspect.getdoc(member) or ""
    if isinstance(member, property) and doc == inspect.getdoc(property):
        doc = ""
    return doc or implemented_doc(cls, name)


def undocumented() -> list[str]:
    """Every public module, name, method and property without a docstring.

    A method that overrides a documented one takes its docstring (``inspect.getdoc``), and
    so does a method of a Protocol the class implements; class fields (attrs attributes)
    are described by their class and are not counted.
    """
    missing = [
        module_name
        for module_name in public_modules()
        if not (importlib.import_module(module_name).__doc__ or "").strip()
    ]
    for entry in entries():
        if entry.kind == "module":
            continue
        if not docstring(entry):
            missing.append(entry.path)
        if entry.kind in ("class", "exception"):
            for name, member in _members(entry.obj):
                if not member_doc(entry.obj, name, member):
                    missing.append(f"{entry.path}.{name}")
    return missing


@functools.cache
def _aliases() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Every dotted name a public object is exported as → where it is documented, and
    each bare name → the places objects of that name are documented."""
    dotted: dict[str, str] = {}
    bare: dict[str, list[str]] = {}
    for entry in entries():
        for module in entry.exported_by:
            dotted[f"{module}.{entry.name}"] = entry.path
        bare.setdefault(entry.name, []).append(entry.path)
    return dotted, bare


def resolve_name(target: str, module: str | None) -> str | None:
    """Where the object a cross-reference names is documented: *target* as exported by
    a public module, or in the module *module* of the reference, or a bare name that one
    public object has; None when that says nothing."""
    dotted, bare = _aliases()
    target = target.lstrip(".~")
    for candidate in (target, f"{module}.{target}" if module else ""):
        parts = candidate.split(".")
        # The longest exported prefix: ``tearcorpus.Report.dropped`` is a member of the
        # object ``tearcorpus.Report`` names.
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in dotted:
                return ".".join([dotted[prefix], *parts[end:]])
    places = bare.get(target, [])
    return places[0] if len(places) == 1 else None


# The API reference pages (reST, for autodoc).


def _summary(entry: Entry) -> str:
    first = docstring(entry).split("\n\n", 1)[0]
    return " ".join(first.split())


def _title(text: str, underline: str = "=") -> str:
    return f"{text}\n{underline * len(text)}\n"


def module_page(module_name: str, all_entries: list[Entry]) -> str:
    """The reST page of one public module: its docstring, the objects it is home to, and
    links to the ones it re-exports."""
    module = importlib.import_module(module_name)
    names = exported(module)
    by_key = {(e.name, id(e.obj)): e for e in all_entries}
    own: list[Entry] = []
    elsewhere: list[Entry] = []
    for name in names:
        entry = by_key[(name, id(getattr(module, name)))]
        (own if entry.home == module_name else elsewhere).append(entry)
    parts = [
        f".. This page is generated by docs/_ext/tearcorpus_docs.py: do not edit.\n\n"
        f"{_title(f'``{module_name}``')}\n"
        f".. automodule:: {module_name}\n   :no-members:\n"
    ]
    parts.extend(_directive(entry) for entry in own)
    if elsewhere:
        parts.append(
            "\nAlso exported here, documented where they are defined:\n\n"
            + "".join(f"- :py:{_role(e)}:`{e.path}`\n" for e in elsewhere)
        )
    return "\n".join(parts)


def _role(entry: Entry) -> str:
    return {"exception": "exc", "function": "func", "module": "mod"}.get(
        entry.kind, "class" if entry.kind == "class" else "data"
    )


def _directive(entry: Entry) -> str:
    if entry.kind == "module":
        return ""
    directive = {
        "class": "autoclass",
        "exception": "autoexception",
        "function": "autofunction",
        "data": "autodata",
    }[entry.kind]
    text = f"\n.. {directive}:: {entry.path}\n"
    if entry.kind in ("class", "exception"):
        text += "   :members:\n   :undoc-members:\n"
        if entry.obj.__bases__ != (object,):
            text += "   :show-inheritance:\n"
    if entry.kind == "data" and not _short_value(entry.obj):
        text += "   :no-value:\n"
    own_doc = (
        _assigned(entry.home).get(entry.name, "")
        if entry.kind == "data"
        else inspect.getdoc(entry.obj) or ""
    )
    doc = docstring(entry)
    if entry.kind == "data" and entry.home != entry.defined_in:
        own_doc = ""  # autodoc looks for the comment in the home module's source only
    if doc and not own_doc:
        text += "\n" + textwrap.indent(doc, "   ") + "\n"
    return text


def _short_value(value: object) -> bool:
    """Whether a data value is worth showing: a short repr naming no object (a registry
    of modules would show their file paths)."""
    text = repr(value)
    return len(text) <= 80 and "<" not in text


def index_page(all_entries: list[Entry], modules: list[str]) -> str:
    """The reference's first page: every name ``import tearcorpus`` gives, with its one
    line and a link, then the module pages."""
    package = importlib.import_module(PACKAGE)
    top = set(exported(package))
    rows = [e for e in all_entries if PACKAGE in e.exported_by and e.name in top]
    rows.sort(key=lambda e: e.name.lower())
    table = "".join(
        f"   * - :py:{_role(e)}:`~{e.path}`\n     - {_summary(e) or ' '}\n" for e in rows
    )
    toc = "".join(f"   {name}\n" for name in modules)
    return (
        ".. This page is generated by docs/_ext/tearcorpus_docs.py: do not edit.\n\n"
        + _title("API reference")
        + "\nThe public API: the names ``import tearcorpus`` gives (``tearcorpus.__all__``), "
        "and the public modules a user imports (``tearcorpus.transforms``, "
        "``tearcorpus.integrations.datatrove`` ...), each with its ``__all__``. "
        "Each object is documented once, with its signature and docstring, on the page of "
        "the module that defines it.\n\n"
        + _title("``import tearcorpus``", "-")
        + "\n.. list-table::\n   :widths: 30 70\n\n"
        + table
        + "\n"
        + _title("Modules", "-")
        + "\n.. toctree::\n   :maxdepth: 1\n\n"
        + toc
    )


# The CLI reference.


def _escape(text: str) -> str:
    for char in "\\*`|_":
        text = text.replace(char, f"\\{char}")
    return text


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, help, parser)`` of a parser's subcommands, in the order they were added."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found.append((name, helps.get(name, ""), sub))
    return found


def _help(action: argparse.Action, parser: argparse.ArgumentParser) -> str:
    text = action.help or ""
    if text == argparse.SUPPRESS:
        return ""
    params: dict[str, Any] = {**vars(action), "prog": parser.prog}
    if action.choices is not None:
        params["choices"] = ", ".join(str(c) for c in action.choices)
    with contextlib.suppress(KeyError, TypeError, ValueError):
        text = text % params
    default = action.default
    if (
        default not in (None, False, argparse.SUPPRESS)
        and "default" not in text
        and not action.required
        and action.nargs not in ("+", "*")
        and not isinstance(action, argparse._VersionAction)
    ):
        shown = getattr(default, "__name__", default)
        text = f"{text} (default: {shown})" if text else f"default: {shown}"
    return text


def _option_name(action: argparse.Action) -> str:
    if not action.option_strings:
        return str(action.metavar or action.dest)
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    if action.metavar is not None:
        value = str(action.metavar)
    elif action.choices is not None:
        value = "{" + ",".join(str(c) for c in action.choices) + "}"
    else:
        value = action.dest.upper()
    return ", ".join(f"{option} {value}" for option in action.option_strings)


def command_paths(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    """``(prog, parser)`` of the parser and every subcommand, depth first."""
    found = [(parser.prog, parser)]
    for _, _, sub in _subcommands(parser):
        found.extend(command_paths(sub))
    return found


def cli_page(parser: argparse.ArgumentParser) -> str:
    """The reST page of the command line: every command with its usage and options."""
    with _usage_width():
        parts = [
            ".. This page is generated by docs/_ext/tearcorpus_docs.py: do not edit.\n\n"
            + _title("Command-line reference")
            + "\nGenerated from the argument parser when the site is built: every command, "
            "argument and option, with its help. The guide to the commands is "
            ":doc:`../cli`.\n"
        ]
        commands = command_paths(parser)
        # A subcommand's section starts with the help its parent gives it.
        helps = {
            sub.prog: text for _, command in commands for _, text, sub in _subcommands(command)
        }
        for prog, command in commands:
            listed = {sub.prog: helps[sub.prog] for _, _, sub in _subcommands(command)}
            parts.append(_command_section(prog, command, listed, helps.get(prog, "")))
    return "\n".join(parts)


def _command_section(
    prog: str, parser: argparse.ArgumentParser, helps: dict[str, str], summary: str
) -> str:
    text = "\n" + _title(f"``{prog}``", "-") + "\n"
    description = parser.description or summary
    if description:
        text += _escape(description) + "\n\n"
    usage = parser.format_usage().strip()
    text += ".. code-block:: text\n\n" + textwrap.indent(usage, "   ") + "\n\n"
    if helps:
        text += "Commands:\n\n" + "".join(
            f"- :ref:`{name} <{_label(name)}>`: {_escape(h)}\n" for name, h in helps.items()
        )
        text += "\n"
    text += f".. program:: {prog}\n\n"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        body = _help(action, parser)
        required = action.required and bool(action.option_strings)
        if required:
            body = f"Required. {body}"
        text += f".. option:: {_option_name(action)}\n\n"
        text += textwrap.indent(_escape(body) or "\\ ", "   ") + "\n\n"
    return f".. _{_label(prog)}:\n" + text


def _label(prog: str) -> str:
    return "cli-" + prog.replace(" ", "-")


@contextlib.contextmanager
def _usage_width() -> Iterator[None]:
    """argparse wraps usage at the terminal's width: fix it while rendering."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(USAGE_WIDTH)
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def build_cli_parser() -> argparse.ArgumentParser:
    """The command line's parser (:func:`tearcorpus.cli.build_parser`)."""
    from tearcorpus.cli import build_parser

    return build_parser()


# Writing the pages, and the Sphinx extension.


def write_reference(docs: Path) -> list[str]:
    """Write the generated pages into ``docs/reference`` (only those whose text changed,
    so that Sphinx rebuilds only what changed); the names of the pages written."""
    folder = docs / REFERENCE
    folder.mkdir(exist_ok=True)
    modules = public_modules()
    all_entries = entries()
    pages = {"index.rst": index_page(all_entries, modules)}
    for module_name in modules:
        pages[f"{module_name}.rst"] = module_page(module_name, all_entries)
    pages["cli.rst"] = cli_page(build_cli_parser())
    for stale in folder.glob("*.rst"):
        if stale.name not in pages:
            stale.unlink()
    written = []
    for name, text in pages.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(name)
    return written


def setup(app: Any) -> dict[str, Any]:
    """The Sphinx extension: generate the reference pages before the sources are read,
    and fail the build (a warning, an error under ``-W``) on an undocumented public name.

    A format module's name without a docstring of its own gets its Protocol member's, as
    the content of its directive (see :func:`_directive`)."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)

    def generate(app: Any) -> None:
        write_reference(Path(app.srcdir))
        for path in undocumented():
            logger.warning("public name without a docstring: %s", path)

    def fill(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
        if what == "data" and lines and "\n".join(lines).strip() == inspect.getdoc(type(obj)):
            # Data without a comment of its own (a format module's ``name`` or ``BINARY``)
            # is not documented by its type's docstring (``str``'s, ``bool``'s): the page
            # gives the Protocol member's doc instead (see :func:`_directive`).
            lines.clear()
            return
        # A method implementing a Protocol's documented method shows that docstring.
        if lines or what not in ("method", "property"):
            return
        owner_name, _, attr = name.rpartition(".")
        module_name, _, class_name = owner_name.rpartition(".")
        with contextlib.suppress(ImportError, AttributeError):
            owner = getattr(importlib.import_module(module_name), class_name)
            lines.extend(implemented_doc(owner, attr).splitlines())

    def exact_builtins(app: Any, doctree: Any) -> None:
        # A builtin in an annotation (``dict[str, type[Transform]]``) is looked up by its
        # exact name, not by suffix, so ``type`` never matches a class's ``type`` attribute.
        from sphinx import addnodes

        for node in doctree.findall(addnodes.pending_xref):
            if node.get("refdomain") == "py" and node.get("reftarget") in _BUILTINS:
                node.attributes.pop("refspecific", None)  # its presence asks for a suffix search

    def resolve_alias(app: Any, env: Any, node: Any, contnode: Any) -> Any:
        # ``:class:`tearcorpus.Post``` or ``:class:`Report``` in a docstring: the object is
        # documented once, at its home (tearcorpus.model.Post); follow the alias there.
        if node.get("refdomain") != "py":
            return None
        target = node.get("reftarget", "")
        path = resolve_name(target, node.get("py:module"))
        found = None
        if path is not None:
            found = env.get_domain("py").resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], path, node, contnode
            )
        public = target.startswith(f"{PACKAGE}.") and not any(
            part.startswith("_") for part in target.split(".")
        )
        if found is None and public:
            # A reference to a public name that names nothing documented: a stale name.
            logger.warning("unknown reference to %s", target, location=node)
        return found

    def class_signature(
        app: Any, what: str, name: str, obj: Any, options: Any, signature: Any, annotation: Any
    ) -> tuple[str, None] | None:
        # datatrove's steps take their arguments through a generic ``__new__`` and a
        # Protocol has no constructor: show ``__init__``'s parameters, or none.
        if what not in ("class", "exception") or signature != "(*args, **kwargs)":
            return None
        if getattr(obj, "_is_protocol", False):
            return "", None
        init = next((vars(c)["__init__"] for c in obj.__mro__ if "__init__" in vars(c)), None)
        if init is None or init is object.__init__:
            return None
        from sphinx.util.inspect import signature as sphinx_signature
        from sphinx.util.inspect import stringify_signature

        init_signature = sphinx_signature(init, bound_method=True)
        shown = stringify_signature(
            init_signature, show_return_annotation=False, unqualified_typehints=True
        )
        return shown, None

    app.connect("builder-inited", generate)
    app.connect("autodoc-process-signature", class_signature)
    app.connect("missing-reference", resolve_alias)
    app.connect("doctree-read", exact_builtins)
    app.connect("autodoc-process-docstring", fill)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
