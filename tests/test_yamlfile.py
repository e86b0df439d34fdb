"""Reading trainer files: hostile and broken YAML gets one clear line, fast."""

import pytest

from trainer.yamlfile import FileProblem, load_file, load_text


def test_keeps_the_line_of_every_key():
    doc = load_text("a: 1\nb:\n  c: [1, 2]\n  d:\n    - x\n    - y\n", "f.yaml")
    assert doc.data == {"a": 1, "b": {"c": [1, 2], "d": ["x", "y"]}}
    assert doc.line_of(("b", "d")) == 4
    assert doc.line_of(("b", "d", 1)) == 6
    assert doc.line_of(("b", "missing", "deeper")) == 2


def test_syntax_error_names_the_line():
    with pytest.raises(FileProblem, match=r"^f.yaml:3: invalid YAML"):
        load_text("a: 1\nb: [1, 2\nc: 3\n", "f.yaml")


def test_alias_bomb_is_refused_before_it_expands():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [*{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}]\n"
    with pytest.raises(FileProblem, match="expands to more than"):
        load_text(bomb, "bomb.yaml")


def test_python_tags_are_not_constructed():
    with pytest.raises(FileProblem, match="invalid YAML"):
        load_text("x: !!python/object/apply:os.system ['echo hi']\n", "evil.yaml")


def test_huge_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    with pytest.raises(FileProblem, match="larger than"):
        load_file(big)


def test_wrong_encoding_says_so(tmp_path):
    f = tmp_path / "gbk.yaml"
    f.write_bytes("name: 王先生\n".encode("gbk"))
    with pytest.raises(FileProblem, match=r"gbk.yaml:1: not valid UTF-8"):
        load_file(f)


def test_deep_nesting_is_refused():
    with pytest.raises(FileProblem):
        load_text("[" * 100_000 + "]" * 100_000, "deep.yaml")


def test_empty_file():
    with pytest.raises(FileProblem, match="empty"):
        load_text("", "e.yaml")
