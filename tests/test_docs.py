"""The docs/ pages document what exists, and everything that exists is documented.

- every flag of every `storemon` subcommand has a row in docs/cli.md, in the
  subcommand's section, and every row there is a real flag;
- every environment variable the code reads has a row in docs/configuration.md
  ("Settings" for storemon itself, "For tests and benchmarks" for tests/ and
  bench/), and every row is read somewhere;
- every HTTP route, with its methods, has a row in docs/api.md, and no other;
- the CSV headers in docs/formats.md are the code's (and SPEC.md's), and the worked
  example in docs/counting.md is what `storemon report` writes;
- links between the pages resolve, and the code cites the docs, not SPEC.md.

The docs' tables are made to be read here: the name stands in backticks in the
first column.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from storemon_core.cli import COMMANDS, build_parser, main
from storemon_core.engine.uptime import EXTENDED_COLUMNS, REPORT_COLUMNS
from storemon_core.service.api import routes

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SPEC = ROOT.parent / "shared" / "SPEC.md"
# The code storemon runs, and the code that only tests or measures it.
PRODUCT_CODE = [ROOT / "storemon_core", ROOT / "pages", ROOT / "streamlit_app.py"]
DEVELOPMENT_CODE = [ROOT / "tests", ROOT / "bench"]


# ------------------------------------------------------------------- reading the pages


def _sections(page: Path, level: str = "##") -> dict[str, str]:
    """Each section's text by its heading (without the #s), at `level`."""
    parts = re.split(rf"^{level} (.+)$", page.read_text(), flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def _first_column_names(text: str) -> list[str]:
    """The backticked name opening the first cell of each table row: `| `--out FILE` |`
    gives --out."""
    return re.findall(r"^\| `([^` ]+)[^`]*` \|", text, flags=re.M)


def _marked_blocks(page: Path, mark: str) -> dict[str, str]:
    """Fenced blocks preceded by `<!-- mark: name -->`, by name."""
    found = re.findall(
        rf"^<!-- {mark}: (.+?) -->\n```[a-z]*\n(.*?)^```", page.read_text(), flags=re.M | re.S
    )
    return {name: body for name, body in found}


# --------------------------------------------------------------------------- CLI flags


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    [commands] = [
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ]
    return dict(commands.choices)


def _long_flags(parser: argparse.ArgumentParser) -> set[str]:
    return {
        flag
        for action in parser._actions
        for flag in action.option_strings
        if flag.startswith("--") and flag != "--help"
    }


def test_every_subcommand_has_its_section_in_cli_md() -> None:
    documented = {
        m.group(1)
        for heading in _sections(DOCS / "cli.md")
        if (m := re.fullmatch(r"`storemon ([a-z-]+)`", heading))
    }
    assert documented == {c.name for c in COMMANDS}


@pytest.mark.parametrize("name", [c.name for c in COMMANDS])
def test_every_flag_is_documented_and_every_documented_flag_exists(name: str) -> None:
    section = _sections(DOCS / "cli.md")[f"`storemon {name}`"]
    documented = _first_column_names(section)
    assert len(documented) == len(set(documented)), f"a flag of {name} is listed twice"
    flags = _long_flags(_subcommands()[name])
    assert set(documented) - flags == set(), f"documented for storemon {name}, no such flag"
    assert flags - set(documented) == set(), f"flags of storemon {name} missing in docs/cli.md"


# ---------------------------------------------------------------- environment variables


def _python_files(places: list[Path]) -> Iterator[Path]:
    for place in places:
        yield from sorted(place.rglob("*.py")) if place.is_dir() else [place]


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _env_reads(tree: ast.AST) -> Iterator[tuple[ast.expr, int]]:
    """The name argument of each read of the environment: os.environ.get(X),
    os.environ[X], os.getenv(X), `X in os.environ`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and (
                (func.attr in ("get", "setdefault") and _is_environ(func.value))
                or func.attr == "getenv"
            ):
                yield node.args[0], node.lineno
        elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
              and _is_environ(node.value)):
            yield node.slice, node.lineno
        elif (isinstance(node, ast.Compare) and len(node.ops) == 1
              and isinstance(node.ops[0], ast.In) and _is_environ(node.comparators[0])):
            yield node.left, node.lineno


def _helpers(trees: dict[Path, ast.AST]) -> dict[str, int]:
    """Functions that read the variable named by one of their parameters (like
    config.int_setting): the function's name and that parameter's position."""
    found: dict[str, int] = {}
    for tree in trees.values():
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef):
                params = [a.arg for a in func.args.args]
                for arg, _ in _env_reads(func):
                    if isinstance(arg, ast.Name) and arg.id in params:
                        found[func.name] = params.index(arg.id)
    return found


def _string_constants(trees: dict[Path, ast.AST]) -> dict[str, str]:
    """Module-level NAME = "text" of every file: names of variables are kept in such."""
    constants: dict[str, str] = {}
    for tree in trees.values():
        for node in getattr(tree, "body", []):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)):
                constants[node.targets[0].id] = node.value.value
    return constants


def _variables_read(places: list[Path], also_known: list[Path]) -> dict[str, str]:
    """Every environment variable the code in `places` reads, with where."""
    trees = {p: ast.parse(p.read_text(), str(p)) for p in _python_files(places)}
    known = {p: ast.parse(p.read_text(), str(p)) for p in _python_files(also_known)}
    constants = _string_constants({**known, **trees})
    helpers = _helpers({**known, **trees})
    found: dict[str, str] = {}
    for path, tree in trees.items():
        helper_params = {
            a.arg for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
            and f.name in helpers for a in f.args.args
        }
        reads = list(_env_reads(tree))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = (node.func.id if isinstance(node.func, ast.Name) else
                        node.func.attr if isinstance(node.func, ast.Attribute) else "")
                if name in helpers and len(node.args) > helpers[name]:
                    reads.append((node.args[helpers[name]], node.lineno))
        for arg, line in reads:
            where = f"{path.relative_to(ROOT)}:{line}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found[arg.value] = where
            elif isinstance(arg, ast.Name | ast.Attribute):
                ident = arg.id if isinstance(arg, ast.Name) else arg.attr
                if ident in constants:
                    found[constants[ident]] = where
                elif ident not in helper_params:
                    pytest.fail(f"{where} reads an environment variable this test cannot "
                                "name: keep its name in a module-level string constant")
            else:
                pytest.fail(f"{where} reads an environment variable this test cannot name")
    return found


def _documented_variables(section: str) -> list[str]:
    text = _sections(DOCS / "configuration.md")[section]
    return _first_column_names(text)


def test_the_scan_finds_the_variables_it_must() -> None:
    # Guards the scanner: these reads go through a constant, a helper and a literal.
    read = _variables_read(PRODUCT_CODE, [])
    assert {"DATABASE_URL", "STOREMON_REPORT_WORKERS", "STOREMON_DB_READER"} <= set(read)


def test_every_setting_is_documented_and_every_documented_one_is_read() -> None:
    read = _variables_read(PRODUCT_CODE, [])
    documented = _documented_variables("Settings")
    assert len(documented) == len(set(documented))
    missing = {name: where for name, where in read.items() if name not in documented}
    assert missing == {}, "read by storemon, not in docs/configuration.md"
    assert set(documented) - set(read) == set(), "documented, but storemon never reads it"


def test_every_test_and_benchmark_variable_is_documented() -> None:
    settings = set(_documented_variables("Settings"))
    read = {
        name: where
        for name, where in _variables_read(DEVELOPMENT_CODE, PRODUCT_CODE).items()
        if name not in settings
    }
    documented = _documented_variables("For tests and benchmarks")
    missing = {name: where for name, where in read.items() if name not in documented}
    assert missing == {}, "read by tests or bench, not in docs/configuration.md"
    assert set(documented) - set(read) == set(), "documented, but nothing reads it"


# --------------------------------------------------------------------------- HTTP routes


def _routes_documented() -> dict[str, set[str]]:
    table = _sections(DOCS / "api.md")["Routes"]
    rows = re.findall(r"^\| `(/[^`]*)` \| ([^|]+) \|", table, flags=re.M)
    assert len(rows) == len({path for path, _ in rows}), "a route is listed twice"
    return {path: set(re.findall(r"`([A-Z]+)`", methods)) for path, methods in rows}


def test_every_route_is_documented_with_its_methods_and_no_other() -> None:
    served = {
        route.path: set(route.methods or ()) - {"HEAD"}  # Starlette answers HEAD for GET
        for route in routes(service=lambda: pytest.fail("no service is needed"))
    }
    assert _routes_documented() == served
    sections = _sections(DOCS / "api.md")
    for path in served:
        assert f"`{path}`" in sections, f"docs/api.md has no section for {path}"


# ------------------------------------------------------------------ formats and counting


def _spec_blocks() -> list[str]:
    return re.findall(r"^```\n(.*?)^```", SPEC.read_text(), flags=re.M | re.S)


def test_report_headers_are_the_codes() -> None:
    headers = _marked_blocks(DOCS / "formats.md", "header")
    assert headers["report"].strip() == ",".join(REPORT_COLUMNS)
    assert headers["extended report"].strip() == ",".join(EXTENDED_COLUMNS)


@pytest.mark.skipif(not SPEC.is_file(), reason=f"{SPEC} is not beside this checkout")
def test_headers_are_spec_md_s() -> None:
    headers = _marked_blocks(DOCS / "formats.md", "header")
    spec = [block.strip() for block in _spec_blocks()]
    for name in ("report", "daily history", "period history"):
        assert headers[name].strip() in spec, name


def test_the_worked_example_is_what_storemon_report_writes(tmp_path: Path) -> None:
    blocks = _marked_blocks(DOCS / "counting.md", "example")
    for name in ("store_status.csv", "menu_hours.csv", "timezones.csv"):
        (tmp_path / name).write_text(blocks[name])
    for output, flags in (("report.csv", []), ("extended-report.csv", ["--extended"])):
        out, err = io.StringIO(), io.StringIO()
        assert main(["report", "--data-dir", str(tmp_path), *flags], out, err) == 0, err.getvalue()
        assert out.getvalue() == blocks[output], output


# ---------------------------------------------------------------------- links, citations


def _slug(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (GitHub's rule)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", page.read_text(), flags=re.M)}


PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve(page: Path) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # another site
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target}"
        if anchor:
            assert anchor in _anchors(linked), f"{page.name}: {target}"


def test_code_cites_the_docs_not_spec_md() -> None:
    code = [*_python_files([*PRODUCT_CODE, ROOT / "scripts", ROOT / "bench"])]
    for path in code:
        text = path.read_text()
        assert not re.search(r"\bSPEC\b", text), f"{path.relative_to(ROOT)} cites SPEC"
        for cited in re.findall(r"\bdocs/([\w-]+\.md)", text):
            assert (DOCS / cited).is_file(), f"{path.relative_to(ROOT)} cites docs/{cited}"
    cited_somewhere = "".join(p.read_text() for p in code)
    assert "docs/counting.md" in cited_somewhere and "docs/formats.md" in cited_somewhere
