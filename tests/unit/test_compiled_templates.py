"""Compiled templates are kept as Python keeps bytecode (issue 21: the first booking compiled
seven templates, about 50 ms on its steps' path): read back they render the same, a changed
template is compiled again, and a cache that cannot be written, or must not be, is no error."""

import subprocess
import sys
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

import templates
from templates import COMPILED_DIR, CompiledTemplates

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def writing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytecode written, as a checkout's first run or the image's build writes it."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


@pytest.mark.usefixtures("writing")
def test_a_template_read_back_renders_as_compiled(tmp_path: Path):
    cache = tmp_path / "compiled"
    env = templates.environment()
    first = env.overlay(bytecode_cache=CompiledTemplates(cache))
    values = {"items": ["<b>", "x"], "name": "Dana & co"}
    source = "{% for i in items %}<li>{{ i }}</li>{% endfor %}{{ name | upper }}"
    (tmp_path / "t.html").write_text(source)
    loader = FileSystemLoader(tmp_path)
    compiled = first.overlay(loader=loader).get_template("t.html").render(values)
    assert list(cache.iterdir()), "nothing written"
    read_back = env.overlay(bytecode_cache=CompiledTemplates(cache), loader=loader)
    assert read_back.get_template("t.html").render(values) == compiled
    assert "&lt;b&gt;" in compiled  # still autoescaped


@pytest.mark.usefixtures("writing")
def test_a_changed_template_is_compiled_again(tmp_path: Path):
    def render() -> str:
        env = Environment(
            loader=FileSystemLoader(tmp_path), bytecode_cache=CompiledTemplates(tmp_path / "c")
        )
        return env.get_template("t.txt").render(n=2)

    (tmp_path / "t.txt").write_text("one {{ n }}")
    assert render() == "one 2"
    (tmp_path / "t.txt").write_text("two {{ n + 1 }}")
    assert render() == "two 3"


def test_nothing_is_written_under_dont_write_bytecode(tmp_path: Path):
    assert sys.dont_write_bytecode or pytest.fail("run with PYTHONDONTWRITEBYTECODE=1 here")
    (tmp_path / "t.txt").write_text("{{ 1 + 1 }}")
    env = Environment(
        loader=FileSystemLoader(tmp_path), bytecode_cache=CompiledTemplates(tmp_path / "c")
    )
    assert env.get_template("t.txt").render() == "2"
    assert not (tmp_path / "c").exists()


@pytest.mark.usefixtures("writing")
def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path):
    (tmp_path / "t.txt").write_text("{{ 1 + 1 }}")
    (tmp_path / "file").write_text("")  # not a directory: nothing can be made under it
    env = Environment(
        loader=FileSystemLoader(tmp_path),
        bytecode_cache=CompiledTemplates(tmp_path / "file" / "c"),
    )
    assert env.get_template("t.txt").render() == "2"


def test_the_warm_up_takes_the_compiled_templates_for_none_of_its_own():
    """Once this package's templates are compiled (as the image's build does), its warm-up
    compiles the templates only, not the cache's files."""
    run = [sys.executable, "-c", "import templates; templates.warm_up()"]
    env = {"PYTHONDONTWRITEBYTECODE": ""}  # written, as the image's build writes it
    for _ in range(2):
        subprocess.run(run, cwd=ROOT, env=env, check=True, timeout=120)
    assert any(COMPILED_DIR.iterdir())
