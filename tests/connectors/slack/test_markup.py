"""Slack markup normalised to what the same customer would type on the website.

Slack's encoding of mentions, links, entities, emoji and formatting:
https://docs.slack.dev/messaging/formatting-message-text/ (escaping ``& < >``, ``<@U…>``,
``<#C…|name>``, ``<!here>``, ``<!subteam^…>``, ``<!date^…|fallback>``, ``<url|text>``).

NLU is deterministic in its input string, so "same text in → same intent out": the table
pairs what Slack delivers with what the website sends, and the website side is exactly
what NLU sees from the REST/socket.io channels.
"""

from __future__ import annotations

import pytest

from connectors.slack.markup import normalise, to_plain

BOT = "UBOT0001"

CASES = [
    # (id, what Slack sends in event.text, what the website would send)
    ("plain-text-unchanged", "where is my order?", "where is my order?"),
    ("bot-mention-at-start", "<@UBOT0001> where is my order?", "where is my order?"),
    ("bot-mention-with-comma", "<@UBOT0001>, where is my order?", "where is my order?"),
    ("bot-mention-with-label", "<@UBOT0001|tandem> I want a refund", "I want a refund"),
    ("bot-mention-mid-sentence", "hey <@UBOT0001> I want a refund", "hey I want a refund"),
    ("other-user-with-label", "my colleague <@U222|bob> ordered it", "my colleague @bob ordered it"),
    ("other-user-without-label", "ask <@U222> about it", "ask @user about it"),
    ("channel-with-label", "I asked in <#C123|general> already", "I asked in #general already"),
    ("channel-without-label", "I asked in <#C123> already", "I asked in #channel already"),
    ("here-broadcast-dropped", "<!here> my payment failed", "my payment failed"),
    ("channel-broadcast-dropped", "<!channel> my payment failed", "my payment failed"),
    ("usergroup", "<!subteam^S123|@billing> charged twice", "@billing charged twice"),
    ("date-fallback", "it arrived <!date^1392734382^{date}|Feb 18, 2014> broken", "it arrived Feb 18, 2014 broken"),
    ("link-with-text", "see <https://acme.com/orders/1|my order>", "see my order"),
    ("bare-link", "see <https://acme.com/orders/1>", "see https://acme.com/orders/1"),
    ("autolinked-domain", "is <http://acme.com|acme.com> down?", "is acme.com down?"),
    ("mailto", "email me at <mailto:ann@example.com|ann@example.com>", "email me at ann@example.com"),
    ("entities", "fish &amp; chips &lt;3 &gt; fries", "fish & chips <3 > fries"),
    ("double-escaped-stays-literal", "I typed &amp;lt; here", "I typed &lt; here"),
    ("emoji-known", "thanks :slightly_smiling_face:", "thanks 🙂"),
    ("emoji-plus-one-skin-tone", ":+1::skin-tone-3: works now", "👍 works now"),
    ("emoji-unknown-dropped", "help :partyparrot: please", "help please"),
    ("emoji-consecutive", ":package::truck: late", "📦🚚 late"),
    ("clock-time-not-emoji", "ordered at 10:30:45 today", "ordered at 10:30:45 today"),
    ("ratio-not-emoji", "mix 1:2:3 please", "mix 1:2:3 please"),
    ("bold", "my order is *late*", "my order is late"),
    ("italic", "it is _really_ late", "it is really late"),
    ("strike", "I want ~a refund~ an exchange", "I want a refund an exchange"),
    ("inline-code", "order `A-123` is missing", "order A-123 is missing"),
    ("code-block", "```\nerror 502\n```", "error 502"),
    ("quote", "&gt; your order shipped\nit did not", "your order shipped\nit did not"),
    ("snake-case-kept", "my user_name_here is locked", "my user_name_here is locked"),
    ("multiplication-kept", "I got 2*3*4 items", "I got 2*3*4 items"),
    ("extra-spaces", "  where   is\tmy  order  ", "where is my order"),
    ("only-a-mention", "<@UBOT0001>", ""),
]


@pytest.mark.parametrize(("slack", "website"), [(s, w) for _, s, w in CASES], ids=[i for i, _, _ in CASES])
def test_slack_text_reaches_nlu_as_the_website_text(slack: str, website: str) -> None:
    assert normalise(slack, [BOT]) == website


PLAIN = [
    ("link-keeps-address", "see <https://acme.com/returns|our returns page>", "see our returns page (https://acme.com/returns)"),
    ("bare-link", "<https://acme.com/returns>", "https://acme.com/returns"),
    ("formatting-kept", "*Step 1:* open _Orders_", "*Step 1:* open _Orders_"),
    ("entities-decoded", "A &amp; B &lt; C", "A & B < C"),
    ("emoji-known", "done :white_check_mark:", "done ✅"),
    ("emoji-unknown-kept", "done :shipit:", "done :shipit:"),
    ("mention", "ask <@U1|ann>", "ask @ann"),
]


@pytest.mark.parametrize(("slack", "plain"), [(s, p) for _, s, p in PLAIN], ids=[i for i, _, _ in PLAIN])
def test_agent_text_for_customers(slack: str, plain: str) -> None:
    assert to_plain(slack) == plain
