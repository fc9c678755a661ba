"""Knowledge-base retrieval on held-out phrasings, with intents from the trained NLU model."""

from __future__ import annotations

from core import clock
from scripts.evaluate.common import ROOT, EvaluationError, Section, log
from scripts.stack import trained_model

TARGET_HIT_AT_1 = 0.90
RETRIEVAL_CASES = ROOT / "tests" / "kb" / "retrieval_eval.yml"


def nlu_predictor():
    """(intent, confidence) from the trained model, so retrieval is scored as it runs in production."""
    import asyncio

    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model()))
    loop = asyncio.new_event_loop()

    def predict(text: str):
        intent = loop.run_until_complete(agent.parse_message(text))["intent"]
        return intent.get("name"), float(intent.get("confidence") or 0.0)

    return predict


def retrieval_section() -> Section:
    from actions.config import settings
    from actions.knowledge.articles import known_intents, validate_directory
    from actions.knowledge.evaluation import evaluate, load_cases
    from actions.knowledge.retrieval import KnowledgeIndex

    log("retrieval: ranking the evaluation phrasings with intents from the trained NLU model ...")
    articles, problems = validate_directory(ROOT / "data" / "kb", known_intents(ROOT / "domain.yml"))
    if problems:
        raise EvaluationError(f"data/kb has {len(problems)} problem(s); run `make validate`")
    cases = load_cases(RETRIEVAL_CASES)
    today = clock.today()  # TANDEM_CLOCK scores the knowledge base as it will serve on another day
    scores = evaluate(KnowledgeIndex(articles, settings().kb_thresholds), cases, predict=nlu_predictor(), today=today)
    servable = sum(article.is_servable(today) for article in articles)
    section = Section(f"Knowledge-base retrieval ({scores.cases} held-out phrasings, {len(articles)} articles)")
    section.lines += [
        f"- scored as served on {today.isoformat()}: {servable} of {len(articles)} articles servable"
        " (the others are drafts or past review_by; `make kb-report` lists them)",
        f"- hit@1: {scores.hit_at_1:.3f}",
        f"- hit@3: {scores.hit_at_3:.3f}",
        f"- MRR: {scores.mrr:.3f}",
        f"- outcomes: {', '.join(f'{k} {v}' for k, v in scores.outcomes.items())}",
        "",
        "First misses (query, expected, ranked):",
        "",
        *[f"- {case.query!r}: {case.expected} <- {', '.join(ranked) or '-'}" for case, ranked in scores.misses[:10]],
    ]
    section.checks.append((f"hit@1 {scores.hit_at_1:.3f} >= {TARGET_HIT_AT_1}", scores.hit_at_1 >= TARGET_HIT_AT_1))
    return section
