"""Every language against the oracle, and every language against each other, bit for bit."""
import pytest

from suite import CASES, check_steps, languages

CASE_IDS = [c.name for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("lang", languages())
def test_case(lang, case, results):
    check_steps(case, results.get(lang, case.name)["steps"])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_languages_agree(case, results):
    """Identical statuses, messages and output bits in every language."""
    langs = languages()
    reference = results.get(langs[0], case.name)
    for lang in langs[1:]:
        other = results.get(lang, case.name)
        for i, (a, b) in enumerate(zip(reference["steps"], other["steps"], strict=True)):
            assert a == b, f"{case.name} step {i}: {langs[0]} {a} != {lang} {b}"


def test_enough_cases():
    """The suite keeps at least 12 cases, with both model runs and bad input."""
    assert len(CASES) >= 12
    assert any(e.output is not None for c in CASES for e in c.expect)
    assert any(e.status != "PRED_OK" for c in CASES for e in c.expect)
