"""Issue 5 end to end in a real browser: the customer's widget and the agent desk side by side.

A customer on the chat widget asks for a person; the desk, in a second page, shows
the packet; the agent claims and replies; the customer's page shows the reply with
the agent's name; the agent hands back; the bot asks for satisfaction in the widget.
"""

from __future__ import annotations

import pytest

from tests.conftest import DESK_TOKENS, Desk

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def shows(page, selector: str, text: str) -> None:
    """Wait until a message matching ``selector`` contains ``text``."""
    page.wait_for_function(
        "([sel, text]) => [...document.querySelectorAll(sel)].some(m => m.textContent.includes(text))", arg=[selector, text]
    )


def send(page, text: str) -> None:
    page.fill("#tandem-input", text)
    page.press("#tandem-input", "Enter")


def signed_in_desk(context, stack):
    """The agent desk in a page of ``context``, signed in as Sam."""
    agent = context.new_page()
    agent.set_default_timeout(30_000)
    agent.goto(f"{stack.rasa_url}/webhooks/desk/")
    agent.fill("#desk-token", DESK_TOKENS["Sam"])
    agent.click("#desk-login")
    agent.wait_for_selector("#desk-main", state="visible")
    return agent


def open_widget(context, stack):
    """The shop page in a page of ``context`` with the chat widget opened."""
    customer = context.new_page()
    customer.set_default_timeout(30_000)
    customer.goto(f"{stack.web_url}/")
    customer.click("#tandem-launcher")
    return customer


def test_customer_and_agent_talk_through_the_handoff(browser, stack) -> None:
    customer_context, agent_context = browser.new_context(), browser.new_context()
    try:
        agent = signed_in_desk(agent_context, stack)
        customer = open_widget(customer_context, stack)
        session = customer.evaluate("localStorage.getItem('tandem_session_id')")
        send(customer, "hi, my order 87654321 still has not arrived")
        customer.wait_for_selector(".tandem-msg.tandem-bot")
        customer.click("#tandem-human")
        shows(customer, ".tandem-msg.tandem-bot", "in the queue")

        # The desk lists the handoff with its packet; the agent opens it.
        row = Desk(stack).handoff_of(session)
        card = agent.locator(f'.desk-handoff[data-id="{row["id"]}"]')
        card.wait_for()
        card.click()
        agent.wait_for_selector("#desk-packet dt")
        packet_text = agent.locator("#desk-packet").inner_text()
        assert "Why now" in packet_text and row["explanation"] in packet_text
        assert "87654321" in agent.locator("#desk-chat").inner_text()

        agent.click("#desk-claim")
        shows(customer, ".tandem-msg.tandem-bot", "has joined")
        agent.fill("#desk-reply-input", "Hi, I'm Sam. I can see the delay; sending a replacement today.")
        agent.click("#desk-reply-send")
        reply = customer.locator(".tandem-msg.tandem-agent").first
        reply.wait_for()
        assert "sending a replacement today" in reply.inner_text()
        assert reply.locator(".tandem-label").inner_text() == "Sam (support agent)"  # the label once, with the name

        # The customer leaves and comes back: same conversation, same agent.
        customer.reload()
        customer.click("#tandem-launcher")
        customer.wait_for_function(
            "document.querySelector('.tandem-status') && document.querySelector('.tandem-status').textContent.includes('Sam')"
        )
        assert "sending a replacement today" in customer.locator(".tandem-msg.tandem-agent").first.inner_text()
        assert customer.evaluate("localStorage.getItem('tandem_session_id')") == session

        send(customer, "thank you so much")
        shows(agent, "#desk-chat .desk-msg.customer", "thank you so much")

        agent.click("#desk-handback")
        shows(customer, ".tandem-msg.tandem-bot", "How did our team do")
        said = customer.locator(".tandem-msg.tandem-bot").all_inner_texts()
        left = next(i for i, text in enumerate(said) if "Sam has left the chat" in text)
        assert left < next(i for i, text in enumerate(said) if "How did our team do" in text)  # before the rating
        customer.locator(".tandem-buttons button", has_text="Great").last.click()
        shows(customer, ".tandem-msg.tandem-bot", "Thank you for letting us know")
    finally:
        customer_context.close()
        agent_context.close()


def test_an_agent_reply_sent_while_the_tab_was_closed_is_shown_on_return(browser, stack) -> None:
    """A channel failure never loses a message: the widget asks for what it missed."""
    desk = Desk(stack)
    desk.queue()
    context = browser.new_context()
    try:
        customer = open_widget(context, stack)
        send(customer, "I need to speak to a person")
        shows(customer, ".tandem-msg.tandem-bot", "in the queue")
        session = customer.evaluate("localStorage.getItem('tandem_session_id')")
        customer.close()  # the customer walks away

        row = desk.handoff_of(session)
        desk.ok("POST", f"handoffs/{row['id']}/claim")
        desk.ok("POST", f"handoffs/{row['id']}/messages", json={"text": "Sam here: your refund went out today."})

        back = open_widget(context, stack)  # same browser storage: same session
        shows(back, ".tandem-msg.tandem-agent", "your refund went out today")
        shows(back, ".tandem-msg.tandem-bot", "has joined")
        assert back.locator(".tandem-msg.tandem-agent").count() == 1  # replayed once, not twice
        desk.ok("POST", f"handoffs/{row['id']}/resolve")
    finally:
        context.close()


def test_the_desk_shows_the_risk_its_team_and_the_customers_words(browser, stack) -> None:
    """A safety incident said in a long message: the agent sees the risk, the safety team and the sentence."""
    customer_context, agent_context = browser.new_context(), browser.new_context()
    try:
        agent = signed_in_desk(agent_context, stack)
        customer = open_widget(customer_context, stack)
        session = customer.evaluate("localStorage.getItem('tandem_session_id')")
        send(customer, "Hello. The kettle from my last order caught fire on the counter this morning. What do I do now?")
        shows(customer, ".tandem-msg.tandem-bot", "product safety team")

        row = Desk(stack).handoff_of(session)
        assert (row["reason"], row["queue"], row["priority"]) == ("product_safety", "safety", "P1")
        card = agent.locator(f'.desk-handoff[data-id="{row["id"]}"]')
        card.wait_for()
        card.click()
        agent.wait_for_selector("#desk-packet dt")
        packet_text = agent.locator("#desk-packet").inner_text()
        assert "product safety → safety team (keyword)" in packet_text
        assert "“The kettle from my last order caught fire on the counter this morning.”" in packet_text
    finally:
        customer_context.close()
        agent_context.close()
