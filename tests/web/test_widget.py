"""The demo page's chat widget against the real Rasa socket.io channel.

This also proves the python-socketio pin: with the release pip serves by
default, Rasa 3.6 never delivers replies to the browser (RasaHQ/rasa#13027).
"""

import pytest
import requests

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def open_chat(page, stack):
    page.goto(f"{stack.web_url}/")
    page.click("#tandem-launcher")
    page.wait_for_selector("#tandem-panel", state="visible")


def send(page, text):
    page.fill("#tandem-input", text)
    page.press("#tandem-input", "Enter")


def session_id(page):
    return page.evaluate("localStorage.getItem('tandem_session_id')")


def test_ask_click_reload_and_keep_history(page, stack):
    open_chat(page, stack)

    page.wait_for_selector(".tandem-msg.tandem-bot")  # the welcome, with its topics
    send(page, "hi")
    page.wait_for_function("document.querySelectorAll('.tandem-msg.tandem-bot').length >= 2")
    page.locator(".tandem-buttons button", has_text="Returns and refunds").last.click()
    page.wait_for_function("document.querySelectorAll('.tandem-msg.tandem-bot').length >= 3")
    bot_texts = page.locator(".tandem-msg.tandem-bot").all_inner_texts()
    user_texts = page.locator(".tandem-msg.tandem-user .tandem-bubble").all_inner_texts()
    assert user_texts == ["hi", "Returns and refunds"]

    page.reload()
    page.click("#tandem-launcher")
    page.wait_for_selector(".tandem-msg.tandem-bot")
    assert page.locator(".tandem-msg.tandem-user .tandem-bubble").all_inner_texts() == user_texts
    assert page.locator(".tandem-msg.tandem-bot").all_inner_texts() == bot_texts

    tracker = requests.get(stack.api(f"/conversations/{session_id(page)}/tracker"), timeout=30).json()
    responses = [(e.get("metadata") or {}).get("utter_action") for e in tracker["events"] if e["event"] == "bot"]
    assert responses == ["utter_greet", "utter_greet", "utter_kb_choices"]  # the welcome, "hi", the button
    user_metadata = [e.get("metadata") or {} for e in tracker["events"] if e["event"] == "user"]
    assert user_metadata[0]["page_url"].startswith(stack.web_url)
    assert user_metadata[0]["customer_tier"] == "standard"


def test_talk_to_a_person_is_always_one_click_away(page, stack):
    open_chat(page, stack)

    page.click("#tandem-human")
    page.wait_for_function(
        "[...document.querySelectorAll('.tandem-msg.tandem-bot')].some(m => m.textContent.includes('queue') || "
        "m.textContent.includes('team'))"
    )

    tracker = requests.get(stack.api(f"/conversations/{session_id(page)}/tracker"), timeout=30).json()
    assert tracker["slots"]["handoff_reason"] == "customer_request"


def test_phone_width_layout(browser, stack):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        open_chat(page, stack)
        send(page, "hello")
        page.wait_for_selector(".tandem-msg.tandem-bot")
        page.screenshot(path=str(stack.workdir / "widget-phone.png"))

        box = page.locator("#tandem-panel").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert box["height"] > 300
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow
        assert page.locator("#tandem-input").is_visible()
    finally:
        context.close()


def test_an_opened_chat_welcomes_with_topics_and_times_every_message(page, stack):
    open_chat(page, stack)

    welcome = page.locator(".tandem-msg.tandem-bot").first
    welcome.wait_for()
    topics = welcome.locator(".tandem-buttons button").all_inner_texts()
    assert "Track my order" in topics and "Talk to a person" in topics
    assert page.locator(".tandem-msg.tandem-user").count() == 0  # the welcome is asked for without a bubble
    send(page, "hi")
    page.wait_for_function("document.querySelectorAll('.tandem-msg.tandem-bot').length >= 2")
    messages = page.locator(".tandem-msg")
    assert page.locator(".tandem-msg time").count() == messages.count()
    assert page.locator(".tandem-msg time").first.get_attribute("datetime")


def test_new_conversation_starts_afresh(page, stack):
    open_chat(page, stack)
    send(page, "where is my order")
    page.wait_for_function(
        "[...document.querySelectorAll('.tandem-msg.tandem-bot')].some(m => m.textContent.includes('order number'))"
    )
    old_session = session_id(page)

    page.click("#tandem-restart")
    page.wait_for_function(
        "[...document.querySelectorAll('.tandem-msg.tandem-bot')].some(m => m.textContent.includes('start afresh'))"
    )
    assert page.locator(".tandem-msg.tandem-user").count() == 0
    assert not page.locator(".tandem-msg", has_text="order number").count()
    tracker = requests.get(stack.api(f"/conversations/{old_session}/tracker"), timeout=30).json()
    assert not (tracker.get("active_loop") or {}).get("name")  # the order lookup was left behind


def test_offline_messages_say_they_are_not_sent_until_the_connection_is_back(browser, stack):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{stack.web_url}/")
        context.set_offline(True)  # the page is loaded; nothing more gets through
        page.click("#tandem-launcher")
        page.wait_for_selector(".tandem-status[data-state='offline']")
        send(page, "hello?")
        note = page.locator(".tandem-msg.tandem-user .tandem-pending")
        note.wait_for()
        assert "Not sent yet" in note.inner_text()
        assert page.locator(".tandem-typing").count() == 0  # no dots while nobody can answer

        context.set_offline(False)
        note.locator("button").click()  # retry now
        note.wait_for(state="detached")  # sent once the connection is back
        page.wait_for_function(
            "[...document.querySelectorAll('.tandem-msg.tandem-bot')].some(m => m.textContent.trim().length > 0)"
        )
    finally:
        context.close()
