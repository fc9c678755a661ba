"""The widget by keyboard, for screen readers, across tabs, with safe links: in a real browser."""

from __future__ import annotations

import pytest

from tests.web.test_handoff_desk import send, shows

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def test_keyboard_only_conversation(page, stack) -> None:
    page.goto(f"{stack.web_url}/")
    page.focus("#tandem-launcher")
    page.keyboard.press("Enter")
    page.wait_for_selector("#tandem-panel", state="visible")
    assert page.evaluate("document.activeElement.id") == "tandem-input"  # focus moves into the chat
    page.keyboard.type("hi")
    page.keyboard.press("Enter")
    page.wait_for_selector(".tandem-buttons button")

    # The greeting's buttons are reachable with Tab and work with Enter.
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.closest('.tandem-buttons') !== null"):
            break
    label = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    shows(page, ".tandem-msg.tandem-user", label)

    page.keyboard.press("Escape")
    assert page.locator("#tandem-panel").is_hidden()
    assert page.evaluate("document.activeElement.id") == "tandem-launcher"  # focus returns to the launcher


def test_screen_readers_hear_new_messages(page, stack) -> None:
    page.goto(f"{stack.web_url}/")
    page.click("#tandem-launcher")
    log = page.locator(".tandem-log")
    assert log.get_attribute("aria-live") == "polite" and log.get_attribute("role") == "log"
    assert page.locator("#tandem-panel").get_attribute("role") == "dialog"
    assert page.locator("#tandem-human").get_attribute("aria-label")
    send(page, "hi")
    page.wait_for_selector(".tandem-log .tandem-msg.tandem-bot")  # new messages land inside the live region


def test_a_second_tab_continues_the_same_conversation(browser, stack) -> None:
    context = browser.new_context()
    try:
        first = context.new_page()
        first.goto(f"{stack.web_url}/")
        first.click("#tandem-launcher")
        send(first, "hi")
        first.wait_for_selector(".tandem-msg.tandem-bot")

        second = context.new_page()
        second.goto(f"{stack.web_url}/")
        second.click("#tandem-launcher")
        assert second.locator(".tandem-msg.tandem-user .tandem-bubble").all_inner_texts() == ["hi"]
        assert second.evaluate("localStorage.getItem('tandem_session_id')") == first.evaluate(
            "localStorage.getItem('tandem_session_id')"
        )
        send(second, "where is my order")
        # The first tab sees what was said in the second.
        shows(first, ".tandem-msg.tandem-user", "where is my order")
    finally:
        context.close()


def test_links_in_answers_open_safely(page, stack) -> None:
    page.goto(f"{stack.web_url}/")
    page.click("#tandem-launcher")
    send(page, "how long do refunds take")
    link = page.locator(".tandem-msg.tandem-bot a").first
    link.wait_for()
    assert link.get_attribute("target") == "_blank"
    assert set(link.get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    assert link.get_attribute("href").startswith("https://")


def test_typing_dots_show_while_the_reply_is_on_its_way(page, stack) -> None:
    page.goto(f"{stack.web_url}/")
    page.click("#tandem-launcher")
    # The reply comes back in milliseconds on loopback, so record every time the dots appear.
    page.evaluate(
        """() => {
            window.typingSeen = [];
            new MutationObserver((changes) => {
                for (const change of changes)
                    for (const node of change.addedNodes)
                        if (node.classList && node.classList.contains("tandem-typing"))
                            window.typingSeen.push(node.textContent);
            }).observe(document.querySelector(".tandem-body"), { childList: true, subtree: true });
        }"""
    )
    send(page, "hi")
    page.wait_for_selector(".tandem-msg.tandem-bot")
    seen = page.evaluate("window.typingSeen")
    assert seen and set(seen) == {"The assistant is typing"}  # announced to screen readers too
    page.wait_for_selector(".tandem-typing", state="detached")  # and gone once the reply is shown
