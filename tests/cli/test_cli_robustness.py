"""Whatever a person types, a command answers with a result or one error line: never a
traceback. Arbitrary text goes into the places people type into most."""

from __future__ import annotations

import pytest
from clisupport import Run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TYPED = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=40,
).filter(lambda s: not s.startswith("-"))

EXPECTED_CODES = {0, 2, 3, 4}


@pytest.fixture
def people(run: Run) -> None:
    run("add", "Zoë Åkesson", "-e", "zoe@example.com", "-p", "+1 415 555 0100")
    run("add", "Ann Lee")
    run("add", "Ann Smith")


def check(run: Run, *args: str) -> None:
    result = run(*args, code=None)
    assert result.exit_code in EXPECTED_CODES, (args, result.exit_code, result.output)
    if result.exit_code:
        assert result.stderr.startswith("pocketcrm: error: ") or "Usage:" in result.stderr, (
            args,
            result.stderr,
        )
        assert "Traceback" not in result.output


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ref=TYPED)
def test_any_ref(run: Run, people: None, ref: str) -> None:
    check(run, "show", ref)
    check(run, "tag", ref, "+x")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(words=TYPED)
def test_any_search(run: Run, people: None, words: str) -> None:
    check(run, "search", words)
    check(run, "list", "--company", words)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=TYPED, note=TYPED)
def test_any_name_and_note(run: Run, people: None, name: str, note: str) -> None:
    check(run, "add", name, "--yes", "-n", note, "-c", name)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(phrase=TYPED)
def test_any_when(run: Run, people: None, phrase: str) -> None:
    check(run, "follow-up", "zoe", phrase)
    check(run, "log-call", "zoe", "--at", phrase, "--duration", phrase)
