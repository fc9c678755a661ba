"""core/escalation/signals.py: the customer's urgent sentences, as the policy records them with its decision."""

from core.escalation.signals import urgent_sentences


def test_urgent_words_are_the_customers_sentences_verbatim(rules):
    text = "Our checkout has been broken since 8am. This is stopping payroll for 40 staff. Please fix it."

    assert urgent_sentences(rules, [text]) == ["This is stopping payroll for 40 staff."]


def test_urgent_words_include_frustration_signals(rules):
    texts = [
        "hi, my order AC-482913 still hasn't arrived, it's been 10 days",
        "This is useless. It's the third time I'm asking about this order!!!",
    ]

    assert urgent_sentences(rules, texts) == ["This is useless.", "It's the third time I'm asking about this order!!!"]


def test_mildly_negative_wording_alone_is_not_urgent(rules):
    assert urgent_sentences(rules, ["my payment failed", "This is awful, I am furious."]) == ["This is awful, I am furious."]
