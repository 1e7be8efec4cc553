"""The one duplicate rule (core/matching.py) on its own: keys, blocks, scores, bands."""

from __future__ import annotations

from typing import Any

import pytest

from pocketcrm.core import matching


def test_names_are_compared_without_accents_case_or_punctuation() -> None:
    assert matching.match_key("Zoë  ÅKESSON-Smith!") == "zoe akesson smith"


def test_a_lone_word_is_not_a_subset_match_of_a_longer_name() -> None:
    ann, ann_lee = matching.match_key("Ann"), matching.match_key("Ann Lee")
    assert matching.name_ratio(ann, ann_lee) < matching.NAME_MIN
    assert matching.compared_ratio(ann, ann_lee) == 0  # no shared block: never compared


def test_names_are_compared_only_inside_a_shared_block() -> None:
    assert matching.block_keys("ann lee") == {"ann|l", "lee|a"}
    a, b = matching.match_key("Jonathan Smith"), matching.match_key("Jonathon Smith")
    assert matching.compared_ratio(a, b) == matching.name_ratio(a, b) == 93


@pytest.mark.parametrize(
    ("evidence", "score", "likely", "band"),
    [
        ({"email": "a@x.com"}, 95, True, "high"),
        ({"email": "a@x.com", "ratio": 100}, 100, True, "high"),
        ({"phone": "+14155550100"}, 85, True, "medium"),
        ({"ratio": 100}, 80, True, "medium"),
        ({"ratio": 93}, 73, True, "low"),
        ({"ratio": 86}, 66, False, "low"),
        ({"ratio": 86, "company": "Acme"}, 76, True, "low"),
        ({"ratio": 84, "company": "Acme"}, 0, False, "low"),  # below NAME_MIN: no evidence
    ],
)
def test_one_score_one_threshold_one_band(
    evidence: dict[str, Any], score: int, likely: bool, band: str
) -> None:
    found, reasons = matching.pair_score(**evidence)
    assert found == score
    assert matching.is_likely(found) is likely
    assert matching.confidence(found) == band
    assert bool(reasons) == bool(score)


def test_the_suppression_hash_of_an_email_and_a_phone() -> None:
    assert matching.digest("email", " Ann@X.com ") == matching.digest("email", "ann@x.com")
    assert matching.phone_key("(415) 555-0100", "") == "4155550100"
    assert matching.phone_key("(415) 555-0100", "+14155550100") == "+14155550100"
