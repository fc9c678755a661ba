"""Grounded answers from approved knowledge-base articles, with their source.

``action_answer_from_kb`` ranks the servable articles for the customer's words,
the predicted intent and the entities, and answers in one of three ways:

- confident: the article's short answer and its source (title, link, last
  reviewed), with "That solved it", "Tell me more", "That's not it";
- ambiguous: the closest article titles as buttons;
- nothing good enough: an honest "I don't know" with a way to a person, and a
  failed attempt counted.

The bot never writes an answer of its own: every factual sentence comes from
an article or a domain response. The ``kb_article`` slot names the article
served; ``kb_articles_shown`` lists every article shown in the conversation
with the customer's verdict, for the handoff packet.

The domain must hold ``utter_kb_answer``, ``utter_kb_detail``,
``utter_kb_choices``, ``utter_kb_none_of_these`` and ``utter_kb_nothing``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.attempts import record_failure
from actions.config import settings
from actions.dialogue import last_bot_response, response_text
from actions.knowledge.articles import Article
from actions.knowledge.retrieval import KnowledgeIndex, Outcome
from actions.knowledge.store import KnowledgeStore
from core import clock

logger = logging.getLogger(__name__)

SHOWN = "shown"
SOLVED = "solved"
NOT_IT = "not_it"
ENTITY_NAMES = ("product_area", "error_code")
# A sync in another process becomes visible within this many seconds.
REFRESH_SECONDS = 5.0


class KnowledgeBase:
    """The store plus an index over its current articles, rebuilt after each sync."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store
        self._index: Optional[KnowledgeIndex] = None
        self._generation = -1
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def index(self) -> KnowledgeIndex:
        now = time.monotonic()
        if self._index is not None and now - self._checked_at < REFRESH_SECONDS:
            return self._index
        with self._lock:
            generation = self.store.generation()
            if self._index is None or generation != self._generation:
                self._index = KnowledgeIndex(self.store.current_articles(), settings().kb_thresholds)
                self._generation = generation
            self._checked_at = now
            return self._index

    def article(self, article_id: Optional[Text]) -> Optional[Article]:
        if not article_id:
            return None
        return self.index().by_id.get(article_id)


_knowledge_base: Optional[KnowledgeBase] = None


def knowledge_base() -> KnowledgeBase:
    """The process-wide knowledge base, created on first use (never at import)."""
    global _knowledge_base
    if _knowledge_base is None:
        _knowledge_base = KnowledgeBase(KnowledgeStore(settings().kb_url))
    return _knowledge_base


def set_knowledge_base(kb: Optional[KnowledgeBase]) -> None:
    """Replace the knowledge base (tests point it at their own store)."""
    global _knowledge_base
    _knowledge_base = kb


def answer_kwargs(article: Article) -> Dict[Text, Any]:
    return {
        "short_answer": article.short_answer,
        "title": article.title,
        "source_url": article.source_url,
        "last_reviewed": article.last_reviewed.isoformat(),
    }


def shown_with(tracker: Tracker, article: Article, verdict: Text) -> List[Dict[Text, Text]]:
    """The ``kb_articles_shown`` list with ``article`` recorded (or its verdict updated)."""
    shown = [dict(item) for item in (tracker.get_slot("kb_articles_shown") or []) if isinstance(item, dict)]
    for item in shown:
        if item.get("id") == article.id:
            if verdict != SHOWN:
                item["verdict"] = verdict
            return shown
    return shown + [{"id": article.id, "title": article.title, "verdict": verdict}]


def serve(dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeBase, article: Article) -> List[EventType]:
    dispatcher.utter_message(response="utter_kb_answer", **answer_kwargs(article))
    kb.store.record_served(article.id, tracker.sender_id)
    return [SlotSet("kb_article", article.id), SlotSet("kb_articles_shown", shown_with(tracker, article, SHOWN))]


def record_verdict(tracker: Tracker, verdict: Text) -> List[EventType]:
    """Events recording the customer's verdict on the article just served, if any."""
    if not was_kb_answer(tracker):
        return []
    kb = knowledge_base()
    article = kb.article(tracker.get_slot("kb_article"))
    if article is None:
        return []
    kb.store.record_verdict(article.id, tracker.sender_id, verdict)
    return [SlotSet("kb_articles_shown", shown_with(tracker, article, verdict))]


def was_kb_answer(tracker: Tracker) -> bool:
    """Whether the bot's latest message came from the knowledge base."""
    return last_bot_response(tracker) in ("utter_kb_answer", "utter_kb_detail")


def detail_kwargs(tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """Template values for the detailed steps of the article just served."""
    kb = knowledge_base()
    article = kb.article(tracker.get_slot("kb_article"))
    if article is None or not article.is_servable(clock.today()):
        return None
    return {**answer_kwargs(article), "body": article.rendered_body(kb.article)}


class ActionAnswerFromKnowledgeBase(Action):
    def name(self) -> Text:
        return "action_answer_from_kb"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        kb = knowledge_base()
        chosen = kb.article(next(tracker.get_latest_entity_values("article_id"), None))
        if chosen is not None and chosen.is_servable(clock.today()):
            return serve(dispatcher, tracker, kb, chosen)
        return answer(dispatcher, tracker, domain, tracker.latest_message)


def answer(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, message: Dict[str, Any]) -> List[EventType]:
    """Answer ``message`` (a parsed user message: the latest, or the one that asked the question) from the articles."""
    kb = knowledge_base()
    index = kb.index()
    intent = (message.get("intent") or {}).get("name")
    found = message.get("entities") or []
    entities = [str(e.get("value")) for name in ENTITY_NAMES for e in found if e.get("entity") == name]
    result = index.search(
        message.get("text") or "",
        intent=intent,
        intent_confidence=float((message.get("intent") or {}).get("confidence") or 0.0),
        entities=entities,
    )
    if result.outcome is Outcome.CONFIDENT and result.best is not None:  # a confident search has its best article
        return serve(dispatcher, tracker, kb, result.best)
    if result.outcome is Outcome.AMBIGUOUS:
        buttons: List[Dict[str, Any]] = [
            {"title": article.title, "payload": f'/{intent}{{"article_id":"{article.id}"}}'} for article in index.choices(result)
        ]
        none_of_these = response_text(domain, "utter_kb_none_of_these")
        buttons.append({"title": none_of_these, "payload": "/not_helpful"})
        dispatcher.utter_message(response="utter_kb_choices", buttons=buttons)
        return []

    kb.store.record_no_match(message.get("text") or "", intent, tracker.sender_id)
    events, at_limit = record_failure(tracker)
    if not at_limit:
        dispatcher.utter_message(response="utter_kb_nothing")
    return events
