"""What the bot already tried, in the agent's words, so the agent does not try it again.

Read from the bot's messages (``metadata.utter_action`` names the domain
response) and from actions that may finish without a message (the knowledge
base at the failed-attempt limit stays silent). Small talk and the handoff
message itself are not steps. A response this module does not know is still
listed, by its name, so a designer's new response never disappears from the
packet.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

KB_ANSWER, KB_DETAIL = "utter_kb_answer", "utter_kb_detail"

STEP_TEXTS: Dict[str, str] = {
    KB_ANSWER: "Answered from the knowledge base{article}",
    KB_DETAIL: "Showed the detailed steps{article}",
    "utter_kb_choices": "Offered a choice of knowledge-base articles",
    "utter_kb_nothing": "Found no approved knowledge-base article that answers it",
    "utter_clarify": "Asked which of two topics the customer meant",
    "utter_ask_rephrase": "Asked the customer to say it another way",
    "utter_clarify_failed": "Still could not tell what the customer needs after asking",
    "utter_payment_failed": "Showed the payment-failed menu (retry, change payment method, talk to billing)",
    "utter_more_payment_retry": "Showed the steps to retry the payment",
    "utter_complaint": "Acknowledged the complaint and asked what happened and for the order number",
    "utter_out_of_scope": "Said this is outside what the bot handles",
    "utter_default": "Did not understand a message",
    "utter_no_more_detail": "Had no more detail to give",
}
# Actions that can fail without saying anything; listed when they sent no message.
SILENT_ACTION_TEXTS: Dict[str, str] = {
    "action_answer_from_kb": "Searched the knowledge base and found nothing good enough",
    "action_clarify": "Could not clarify what the customer needs",
}
NOT_STEPS = frozenset(
    {
        "utter_greet",
        "utter_goodbye",
        "utter_youre_welcome",
        "utter_anything_else",
        "utter_iamabot",
        "utter_chitchat",
        "utter_glad_it_helped",
        "utter_sorry_not_helpful",
        "utter_kb_none_of_these",
        "utter_clarify_something_else",
    }
)
NOT_STEP_PREFIXES = ("utter_handoff", "utter_topic_")


def _generic_text(response: str) -> str:
    name = response[len("utter_") :] if response.startswith("utter_") else response
    if name.startswith("more_"):
        return f"Showed more detail on {name[len('more_') :].replace('_', ' ')}"
    if name.endswith("_more"):
        return f"Showed more detail on {name[: -len('_more')].replace('_', ' ')}"
    return f"Replied with the {name.replace('_', ' ')} answer"


def _article(article_id: Optional[str], titles: Mapping[str, str]) -> str:
    if not article_id:
        return ""
    return f" \u201c{titles.get(article_id, article_id)}\u201d"


def steps_tried(events: Sequence[Mapping[str, Any]], article_titles: Mapping[str, str]) -> List[Dict[str, str]]:
    """The bot's steps in order, each ``{"action": <response or action name>, "text": <what it did>}``."""
    steps: List[Dict[str, str]] = []
    current_article: Optional[str] = None
    pending_answer: Optional[int] = None  # index of a KB answer whose article is set just after the message
    action: Optional[str] = None
    action_spoke = False

    def add(name: str, text: str) -> None:
        step = {"action": name, "text": text}
        if not steps or steps[-1] != step:
            steps.append(step)

    def close_action() -> None:
        if action in SILENT_ACTION_TEXTS and not action_spoke:
            add(action, SILENT_ACTION_TEXTS[action])

    for event in events:
        kind = event.get("event")
        if kind == "action":
            close_action()
            action, action_spoke, pending_answer = event.get("name"), False, None
        elif kind == "slot" and event.get("name") == "kb_article":
            current_article = event.get("value") or None
            if pending_answer is not None and pending_answer < len(steps):
                steps[pending_answer]["text"] = STEP_TEXTS[KB_ANSWER].format(article=_article(current_article, article_titles))
                pending_answer = None
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            if metadata.get("sender") == "agent":
                continue
            action_spoke = True
            response = metadata.get("utter_action")
            if not response or response in NOT_STEPS or response.startswith(NOT_STEP_PREFIXES):
                continue
            if response == KB_ANSWER:
                add(response, STEP_TEXTS[KB_ANSWER].format(article=""))
                pending_answer = len(steps) - 1
            elif response == KB_DETAIL:
                add(response, STEP_TEXTS[KB_DETAIL].format(article=_article(current_article, article_titles)))
            else:
                add(response, STEP_TEXTS.get(response) or _generic_text(response))
        elif kind == "user":
            close_action()
            action, action_spoke, pending_answer = None, False, None
    close_action()
    return steps
