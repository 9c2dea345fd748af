"""The documentation: every code block of README.md and docs/*.md runs or says why not
(docs/contributing.md has the convention), every public name has a docstring, and the
generated references cover every public name and every command and option."""

from __future__ import annotations

import argparse
import doctest
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import tearcorpus_docs  # noqa: E402  (docs/_ext is put on the path just above)

#: The pages whose code blocks are checked.
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Languages that run, and languages that are shown only (data, layouts, synopses).
RUN = frozenset({"python", "pycon", "sh", "console"})
SHOWN = frozenset({"text", "json", "yaml", "toml", "csv"})
NOT_RUN = re.compile(r"^<!-- not run: (?P<reason>\S.*\S) -->$")
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its page, first line, language and text, and the reason it
    is not run (None: it runs)."""

    page: Path
    line: int
    language: str
    text: str
    not_run: str | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, info = match["fence"], match["info"].strip()
        end = index + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        previous = lines[index - 1].strip() if index else ""
        marked = NOT_RUN.match(previous)
        found.append(
            Block(
                page=page,
                line=index + 1,
                language=info.split()[0] if info else "",
                text="\n".join(lines[index + 1 : end]) + "\n",
                not_run=marked["reason"] if marked else None,
            )
        )
        index = end + 1
    return found


def _directive(block: Block) -> bool:
    """A MyST directive (``{toctree}``, ``{include}``): markup, not a code block."""
    return block.language.startswith("{")


def test_every_block_names_a_known_language() -> None:
    """Each fenced block of the pages names a language that runs or one that is shown,
    so that every block is either checked or plainly not code."""
    unknown = [
        f"{b.where}: {b.language or '(no language)'}"
        for page in PAGES
        for b in blocks(page)
        if not _directive(b) and b.language not in RUN | SHOWN
    ]
    assert not unknown, "blocks without a known language:\n" + "\n".join(unknown)


def test_not_run_marks_are_on_code() -> None:
    """A ``<!-- not run: ... -->`` mark stands just above a block of code, never above
    a block that is not run anyway, and every page has blocks that run."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8").splitlines()
        found = blocks(page)
        inside = {b.line + k for b in found for k in range(b.text.count("\n") + 1)}
        marks = [
            n
            for n, line in enumerate(text)
            if line.strip().startswith("<!-- not run") and n not in inside
        ]
        starts = {b.line - 2: b for b in found}
        for n in marks:
            assert NOT_RUN.match(text[n].strip()), f"{page.name}:{n + 1}: give a reason"
            assert n in starts, f"{page.name}:{n + 1}: a mark must stand just above a block"
            assert starts[n].language in RUN, f"{page.name}:{n + 1}: not code"
    runnable = [b for page in PAGES for b in blocks(page) if b.language in RUN and not b.not_run]
    assert len(runnable) >= 5


def _runnable(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.language in RUN and b.not_run is None]


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """An environment whose ``tearcorpus`` command is this checkout's, run by this
    interpreter (so that it is the code under test, installed or not)."""
    bin_dir = tmp_path / ".bin"
    bin_dir.mkdir()
    command = bin_dir / "tearcorpus"
    command.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m tearcorpus "$@"\n')
    command.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path]),
    }


def _run_shell(script: str, block: Block, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (
        f"{block.where}: exit {done.returncode}\n{script}\n{done.stdout}{done.stderr}"
    )
    return done.stdout + done.stderr


def _run_console(block: Block, cwd: Path, env: dict[str, str]) -> None:
    """Run the ``$ `` lines in order; every other line that holds no ``...`` must be
    printed by the commands before it."""
    output = ""
    for line in block.text.splitlines():
        if line.startswith("$ "):
            output += _run_shell(line[2:], block, cwd, env)
        elif line.strip() and "..." not in line:
            printed = {" ".join(out.split()) for out in output.splitlines()}
            assert " ".join(line.split()) in printed, f"{block.where}: not printed: {line!r}"


@pytest.mark.parametrize("page", [p for p in PAGES if _runnable(p)], ids=lambda p: p.name)
def test_code_blocks_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shell_env: dict[str, str]
) -> None:
    """The page's runnable blocks run, in order, in one namespace and folder."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for block in _runnable(page):
        if block.language == "python":
            code = compile(block.text, block.where, "exec")
            exec(code, namespace)
        elif block.language == "pycon":
            test = doctest.DocTestParser().get_doctest(
                block.text, namespace, block.where, str(page), block.line
            )
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            runner.run(test)
            assert runner.failures == 0, f"{block.where}: the doctest failed"
        elif block.language == "sh":
            _run_shell(block.text, block, work, shell_env)
        else:
            _run_console(block, work, shell_env)


def test_blocks_are_read_from_the_pages(tmp_path: Path) -> None:
    """The block reader finds fences of any length, the language and the mark above."""
    page = tmp_path / "page.md"
    page.write_text(
        "Text\n\n<!-- not run: needs a cluster -->\n```python\nrun()\n```\n\n"
        "````text\n```\nnested\n```\n````\n\n```\nbare\n```\n"
    )
    found = blocks(page)
    assert [(b.line, b.language, b.not_run) for b in found] == [
        (4, "python", "needs a cluster"),
        (8, "text", None),
        (14, "", None),
    ]
    assert found[1].text == "```\nnested\n```\n"


# Docstrings and the generated references.


def test_every_public_name_has_a_docstring() -> None:
    """Every public module, every name of a public module's __all__, and every public
    method and property of a public class has a docstring (data: a #: comment)."""
    pytest.importorskip("datatrove")  # a public module needs it to import
    assert tearcorpus_docs.undocumented() == []


def test_public_modules_are_found_without_a_list() -> None:
    """The public modules are found by walking the package: private ones are left out."""
    pytest.importorskip("datatrove")
    modules = tearcorpus_docs.public_modules()
    assert modules[0] == "tearcorpus"
    for name in (
        "tearcorpus.transforms",
        "tearcorpus.integrations.datatrove",
        "tearcorpus.job",
        "tearcorpus.typing",
    ):
        assert name in modules
    assert not [m for m in modules if any(p.startswith("_") for p in m.split("."))]


def test_each_public_object_is_documented_once_where_it_is_defined() -> None:
    """Every name of tearcorpus.__all__ has one entry, at its defining module (or, defined
    in a private module, the public module above it), and its page documents it."""
    pytest.importorskip("datatrove")
    import tearcorpus

    entries = tearcorpus_docs.entries()
    assert len({e.path for e in entries}) == len(entries)
    by_name = {e.name: e for e in entries if "tearcorpus" in e.exported_by}
    assert set(tearcorpus.__all__) <= set(by_name)
    assert by_name["Post"].path == "tearcorpus.model.Post"
    assert by_name["ExportOptions"].path == "tearcorpus.exporters.ExportOptions"
    assert by_name["Transform"].path == "tearcorpus.typing.Transform"
    assert by_name["EXPORTERS"].path == "tearcorpus.exporters.EXPORTERS"
    assert by_name["__version__"].path == "tearcorpus.__version__"
    pages = {m: tearcorpus_docs.module_page(m, entries) for m in tearcorpus_docs.public_modules()}
    for entry in entries:
        if entry.kind != "module":
            assert f":: {entry.path}\n" in pages[entry.home], entry.path
    index = tearcorpus_docs.index_page(entries, list(pages))
    for name in tearcorpus.__all__:
        assert f"{by_name[name].path}`" in index, name


def test_the_protocols_are_documented_in_the_typing_module() -> None:
    """Every protocol of tearcorpus.typing has its home on that module's page, also when a
    registry module re-exports it, and format modules take their members' docstrings from
    the protocol they implement, or from the one it extends."""
    pytest.importorskip("datatrove")
    import tearcorpus.typing

    entries = tearcorpus_docs.entries()
    page = tearcorpus_docs.module_page("tearcorpus.typing", entries)
    homes = {e.name: e.home for e in entries if "tearcorpus.typing" in e.exported_by}
    assert set(homes) == set(tearcorpus.typing.__all__)
    for name in tearcorpus.typing.__all__:
        assert homes[name] == "tearcorpus.typing", name
        assert f":: tearcorpus.typing.{name}\n" in page, name
    parser_doc = tearcorpus_docs.protocol_doc("tearcorpus.parsers.jsonl", "SPANS")
    assert parser_doc.startswith("Whether :meth:`parse` reads a byte range")
    # ``export`` is declared by Exporter, which LineExporter extends.
    assert tearcorpus_docs.protocol_doc("tearcorpus.exporters.jsonl", "export").startswith(
        "Write *records*"
    )
    assert tearcorpus_docs.protocol_doc("tearcorpus.exporters.csv", "encoders").startswith(
        "The functions that turn a post"
    )
    assert tearcorpus_docs.protocol_doc("tearcorpus.exporters.jsonl", "nothing") == ""


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [
        option
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction)
        for option in action.option_strings
    ]


def test_cli_reference_covers_every_command_and_option() -> None:
    """The generated CLI page has a section, a usage line and an entry for every command
    and every option of the parser, found by walking the parser."""
    parser = tearcorpus_docs.build_cli_parser()
    page = tearcorpus_docs.cli_page(parser)
    commands = tearcorpus_docs.command_paths(parser)
    names = [prog for prog, _ in commands]
    for expected in ("tearcorpus inspect", "tearcorpus convert", "tearcorpus publish"):
        assert expected in names
    for prog, command in commands:
        assert f"``{prog}``\n" in page, prog
        assert f".. program:: {prog}\n" in page, prog
        assert f"usage: {prog}" in page, prog
        for option in _options(command):
            assert re.search(rf"\.\. option:: (.*, )?{re.escape(option)}\b", page), (prog, option)
    assert "Required. output format" in page  # convert --to
