"""The one catalog of check messages (simulation.messages): every code the checks use has a
Japanese and an English text, every text of the catalog is used, and each problem of a broken
study carries its code, so the dashboard can say it in the reader's language while the CLI
prints the English, word for word as before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulation.messages import MESSAGES, Text, text
from simulation.model import StudyError, StudyProblem, load_study

ROOT = Path(__file__).resolve().parents[1]
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff01-\uff5e]")
USED = re.compile(r"""msg\(\s*["']([a-z0-9_]+\.[a-z0-9_]+)["']""")
#: Codes built from a table's name (``kind.counter``) rather than written out.
DYNAMIC = re.compile(r"^kind\.")


def _sources() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for package in ("simulation", "dashboards", "madoguchi", "journeys")
        for p in sorted((ROOT / package).rglob("*.py"))
    )


def test_every_code_used_is_in_the_catalog_and_every_entry_is_used() -> None:
    source = _sources()
    used = set(USED.findall(source))
    assert used, "no msg(...) call found: the pattern no longer matches the code"
    assert used - set(MESSAGES) == set()
    # codes picked from a table (pydantic's error types, the model's own validators)
    named = {c for c in MESSAGES if f'"{c}"' in source}
    unused = {c for c in MESSAGES if c not in used | named and not DYNAMIC.match(c)}
    assert unused == set(), f"catalog entries no check uses: {sorted(unused)}"


def test_every_japanese_text_is_japanese() -> None:
    # placeholders only: a TOML table's name, and a place whose parts are already Japanese
    not_japanese = [c for c, (ja, _) in MESSAGES.items() if not JAPANESE.search(ja)]
    assert not_japanese == ["where.head", "where.described"]


def test_a_message_says_the_same_in_both_languages_with_its_values() -> None:
    said = text("check.staff_at_least_one", value=0)
    assert said.render("en") == "staff must be ≥ 1, got 0"
    assert said.render("ja") == "staff は 1 以上にしてください（入力：0）"
    nested = text("check.with_parameter", path="scenarios.reform.counters.A01.staff", value=0.0,
                  problem=said)  # fmt: skip
    assert nested.render("en").endswith(": staff must be ≥ 1, got 0")
    assert nested.render("ja").endswith("：staff は 1 以上にしてください（入力：0）")
    with pytest.raises(KeyError):
        text("check.no_such_code")


def _problems(study_text: str, tmp_path: Path) -> tuple[StudyProblem, ...]:
    path = tmp_path / "study.toml"
    path.write_text(study_text, encoding="utf-8")
    with pytest.raises(StudyError) as caught:
        load_study(path)
    return caught.value.problems


def test_every_problem_of_a_broken_study_has_its_code(tmp_path: Path) -> None:
    from journeys.paths import SAMPLE_DIR

    sample = (SAMPLE_DIR / "study.toml").read_text(encoding="utf-8")
    semantic = (
        sample.replace('department = "shimin"', 'department = "shimim"', 1)
        .replace("rpa_share = 0.5", "rpa_share = 1.5", 1)
        .replace("forms = 1", "forms = -1", 1)
        .replace("floors.xlsx#", "missing.xlsx#")
    )
    typed = sample.replace("residents = 110000", 'residents = "many"', 1).replace(
        "rpa_share = 0.5", "rpa_shrae = 0.5", 1
    )
    for broken in (semantic, typed):
        problems = _problems(broken, tmp_path)
        assert len(problems) >= 2
        for problem in problems:
            assert isinstance(problem.text, Text), problem
            assert problem.message == problem.text.render("en")
            assert problem.render("en") == str(problem)
            japanese = problem.render("ja")
            assert JAPANESE.search(japanese) and "must be" not in japanese
            if problem.where:
                assert problem.where_text is not None, problem
