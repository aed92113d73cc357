"""Retrieval over knowledge-base passages, in two stages. Pure: no database; the assistant
and `claimdesk assistant rank` share it.

1. Candidates: the passages in the question's language, scored by BM25 over the
   question's words plus their insurance synonyms in both languages (synonyms.toml), by
   the E5 cosine of question and passage and by the E5 cosine of question and title (the
   title embedded as a question); each standardised (z-scores) over the candidates and
   fused with the weights below.
2. Reranking: the best ``RERANK_DEPTH`` of them are scored again by a logistic model
   (reranker.toml) over what is known of each pair: the fused score and its rank, the
   E5 cosine with the passage and with its title (its first line), BM25 on the plain and
   on the expanded words, how much of the question's words the passage holds.
3. Confidence: a second logistic model judges from the best passage's logit, its lead
   over the runner-up and its own evidence whether it is the right answer at all; below
   the thresholds the assistant asks back or says it does not know (off-topic questions).

The weights were fitted on the dev split of the evaluation set only
(``python -m bench.tune_assistant``); the test split was never used to choose them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from claimdesk.assistant.embedding import Embedder
from claimdesk.assistant.language import ZH, detect_locale, tokenize
from claimdesk.assistant.lexical import EMPTY, Bm25, Postings, count_terms

# First-stage fusion of the z-scores: BM25, E5 question-passage, E5 question-title.
LEXICAL_WEIGHT = 0.2
PASSAGE_WEIGHT = 0.3
TITLE_WEIGHT = 0.5
RERANK_DEPTH = 20
# Confidence (the reranker's probability for its best passage) at which that passage is
# given as the answer; between the two the assistant asks which of the best entries was
# meant; below CLARIFY_AT it says it does not know (chosen on the dev split).
ANSWER_AT = 0.6
CLARIFY_AT = 0.25
# A question without a single insurance word (synonyms.toml) is answered outright only
# from this confidence: on the dev split (with its everyday near-misses such as "how do I
# book a dentist" or 糖尿病人饮食要注意什么) no off-topic question reached it, and most
# in-scope questions worded without insurance words did ("what are your opening hours").
PLAIN_ANSWER_AT = 0.85
# How many of the nearest everyday questions (off_topic.toml) the second off-topic
# feature averages: one close everyday question can be a fluke, five are a neighbourhood.
OFF_TOPIC_NEIGHBOURS = 5

FEATURES = (
    "fused",
    "fused_rank",
    "cosine",
    "cosine_gap",
    "title_cosine",
    "lexical",
    "expanded_lexical",
    "coverage",
    "title_overlap",
    "documents_match",
    "time_match",
    "amount_match",
    "chinese",
    "chinese_cosine",
)
# What kind of answer a question wants, and the entry categories that give it: a
# question about documents is best answered by an entry about documents.
ANSWER_TYPES = {
    "documents_match": (
        re.compile(
            r"\bdocument|\bpaperwork|\bpapers\b|\bupload|\bevidence\b|\bproof\b|"
            r"what (do|should|must) i (send|provide|submit|bring)|"
            r"材料|资料|单据|单证|证明|要交|上传",
            re.IGNORECASE,
        ),
        frozenset({"documents"}),
    ),
    "time_match": (
        re.compile(
            r"\bhow (long|soon)\b|\bhow many days\b|\bwhen\b|\bdeadline|\btime limit|"
            r"多久|多长时间|几天|什么时候|时限|期限|多快",
            re.IGNORECASE,
        ),
        frozenset({"time_limits", "payment"}),
    ),
    "amount_match": (
        re.compile(
            r"\bhow much\b|\bpercent|\blimit|多少钱|赔多少|报多少|能赔多少|比例|限额|额度",
            re.IGNORECASE,
        ),
        frozenset({"payout"}),
    ),
}


# What the answer's confidence is judged on: the reranker's logit for the best passage,
# its lead over the runner-up, whether the question uses an insurance word at all, and
# the best passage's own evidence.
CONFIDENCE_FEATURES = (
    "logit",
    "margin",
    "insurance_words",
    "off_topic",
    "off_topic_neighbours",
    "title_cosine",
    "lexical",
    "coverage",
    "chinese",
)


class Method(StrEnum):
    FUSED = "fused"
    LEXICAL = "lexical"
    SEMANTIC = "semantic"


@dataclass(frozen=True)
class Passage:
    id: str
    text: str
    lang: str | None = None
    category: str | None = None
    # Other wordings of the title (an entry's example questions).
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    lexical: float
    semantic: float
    confidence: float = 0.0


def passage_title(text: str) -> str:
    """A passage's first line (an entry's title), else its first sentence."""
    first = text.strip().split("\n", 1)[0]
    sentence = re.split(r"(?<=[.?!。？！])\s*", first, maxsplit=1)[0]
    return sentence[:200]


# ---------------------------------------------------------------- query handling


@cache
def _synonyms() -> dict[str, list[Any]]:
    text = resources.files("claimdesk.assistant").joinpath("synonyms.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def _synonym_groups() -> list[tuple[frozenset[str], tuple[str, ...]]]:
    """Each group: the words that trigger it (lower case) and its members."""
    return [
        (frozenset(m.lower() for m in members), tuple(members)) for members in _synonyms()["groups"]
    ]


@cache
def _domain_words() -> frozenset[str]:
    """The insurance words: the domain list and every synonym-group member, less the
    everyday words some groups hold ("when", 什么时候, "account", "child")."""
    words = {w.lower() for w in _synonyms()["domain"]}
    members = {m for triggers, _ in _synonym_groups() for m in triggers}
    return frozenset((words | members) - {w.lower() for w in _synonyms()["generic"]})


def _says(lowered: str, padded: str, word: str) -> bool:
    """Whether a lower-case text uses a word: whole words in English, anywhere in Chinese."""
    return (f" {word} " in padded) if word.isascii() else (word in lowered)


def _padded(lowered: str) -> str:
    return f" {' '.join(re.findall(r'[a-z0-9]+(?:-[a-z0-9]+)*', lowered))} "


def in_domain(text: str) -> bool:
    """Whether a question uses any insurance word (synonyms.toml: groups and domain)."""
    lowered = text.lower()
    padded = _padded(lowered)
    return any(_says(lowered, padded, word) for word in _domain_words())


def answer_at(text: str) -> float:
    """The confidence from which a question is answered with its best entry."""
    return ANSWER_AT if in_domain(text) else PLAIN_ANSWER_AT


def expand(text: str, lang: str) -> list[str]:
    """Synonyms, in the question's language ``lang``, of the insurance words it uses in
    either language: a question saying 到账 also searches 打款 and 赔款, one saying
    "excess" or 免赔额 in an English sentence also searches "deductible"."""
    lowered = text.lower()
    padded = _padded(lowered)
    found: list[str] = []
    for triggers, members in _synonym_groups():
        if any(_says(lowered, padded, word) for word in triggers):
            found.extend(
                m for m in members if m.lower() not in lowered and m.isascii() == (lang != ZH)
            )
    return found


@dataclass(frozen=True)
class Query:
    text: str
    lang: str | None
    words: list[str]
    expanded: list[str]


def prepare(text: str, lang: str | None) -> Query:
    """The question's words and, after them, its synonyms' words."""
    words = tokenize(text)
    extra = [
        w for w in tokenize(" ".join(expand(text, lang or detect_locale(text)))) if w not in words
    ]
    return Query(text, lang, words, words + extra)


@dataclass(frozen=True)
class Stage:
    """The first stage's scores of every passage for one question."""

    query: Query
    vector: np.ndarray
    fused: np.ndarray
    cosines: np.ndarray
    expanded: np.ndarray
    mask: np.ndarray


# ---------------------------------------------------------------- the index


def _standardised(scores: np.ndarray) -> np.ndarray:
    """z-scores over the candidates: how far each stands out from the rest."""
    spread = float(scores.std())
    return (scores - scores.mean()) / spread if spread > 0 else np.zeros_like(scores)


@dataclass(frozen=True)
class Weights:
    ranking: np.ndarray
    ranking_intercept: float
    confidence: np.ndarray
    confidence_intercept: float


@cache
def _weights() -> Weights:
    text = resources.files("claimdesk.assistant").joinpath("reranker.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return Weights(
        np.array([data["ranking"][f] for f in FEATURES]),
        float(data["ranking"]["intercept"]),
        np.array([data["confidence"][f] for f in CONFIDENCE_FEATURES]),
        float(data["confidence"]["intercept"]),
    )


def confidence_features(
    logits: np.ndarray,
    rows: np.ndarray,
    domain: bool,
    off_topic: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """The answerability view of a reranked list: see CONFIDENCE_FEATURES. ``off_topic``
    is how much closer the question is to the nearest everyday question of
    off_topic.toml, and to the nearest ``OFF_TOPIC_NEIGHBOURS`` of them on average, than
    to the nearest entry title (``Index.off_topic``)."""
    best = int(np.argmax(logits))
    others = np.delete(logits, best)
    margin = float(logits[best] - others.max()) if len(others) else 10.0
    row = rows[best]
    picked = [FEATURES.index(name) for name in CONFIDENCE_FEATURES[5:]]
    return np.array(
        [float(logits[best]), min(margin, 10.0), float(domain), *off_topic, *row[picked]]
    )


@cache
def off_topic_questions() -> tuple[str, ...]:
    """The everyday questions of off_topic.toml, English then Chinese."""
    text = resources.files("claimdesk.assistant").joinpath("off_topic.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return tuple(q for locale in sorted(data) for q in data[locale])


@dataclass(frozen=True)
class Lexicon:
    """What BM25 and the reranker read of the passages' words: each passage's terms
    (title and body) and its title's terms, as postings over one vocabulary."""

    passages: Postings
    titles: Postings


def build_lexicon(
    terms: Sequence[list[str]],
    vocabulary: list[str] | None = None,
    ids: dict[str, int] | None = None,
) -> Lexicon:
    """The postings of stored terms (title words, TITLE_MARK, body words, each a list),
    over ``vocabulary`` (word ids ``ids``, both extended in place) or a new one."""
    split = [_split_terms(t) for t in terms]
    vocabulary = [] if vocabulary is None else vocabulary
    ids = {} if ids is None else ids
    whole = count_terms([(title + body) or [EMPTY] for title, body in split], vocabulary, ids)
    titles = count_terms([title for title, _ in split], vocabulary, ids)
    return Lexicon(whole, titles)


class Index:
    """BM25 and embedding indexes over the same passages, built once. ``terms`` (each
    passage's BM25 words) or ``lexicon`` (their postings, from the index store) and
    ``vectors`` (passage and title vectors, shape (n, 2, dim)) may come stored with the
    passages; what is not given is computed here."""

    def __init__(
        self,
        passages: Sequence[Passage],
        embedder: Embedder | None,
        *,
        terms: Sequence[list[str]] | None = None,
        lexicon: Lexicon | None = None,
        vectors: np.ndarray | None = None,
        off_topic: np.ndarray | None = None,
        k1: float = 1.2,
    ) -> None:
        self.passages = list(passages)
        self.embedder = embedder
        # Query vectors of off_topic_questions(): without them the off-topic feature is 0.
        self._off_topic = off_topic if off_topic is not None and len(off_topic) else None
        if lexicon is None:
            if not terms:
                terms = [
                    [*title, TITLE_MARK, *body]
                    for title, body in (passage_terms(p.text, p.questions) for p in self.passages)
                ]
            lexicon = build_lexicon(terms)
        self.lexicon = lexicon
        self._bm25 = Bm25(lexicon.passages, k1=k1, b=0.75)
        self._categories = [p.category for p in self.passages]
        if vectors is None and embedder is not None:
            vectors = embed_passages(
                embedder, [p.text for p in self.passages], [p.questions for p in self.passages]
            )
        self.vectors = vectors
        self._vectors = vectors[:, 0] if vectors is not None else None
        self._titles = vectors[:, 1] if vectors is not None else None
        self._langs = np.array([p.lang or "" for p in self.passages])

    def __len__(self) -> int:
        return len(self.passages)

    def _candidates(self, lang: str | None) -> np.ndarray:
        """Passages in the question's language; all of them when none is in it."""
        if lang is None:
            return np.ones(len(self.passages), dtype=bool)
        mask = (self._langs == lang) | (self._langs == "")
        return mask if mask.any() else np.ones(len(self.passages), dtype=bool)

    def _bm25_scores(self, words: list[str]) -> np.ndarray:
        if not words:
            return np.zeros(len(self.passages))
        return self._bm25.scores(words).astype(np.float64)

    def search(
        self,
        query: str,
        *,
        top: int = 5,
        method: Method = Method.FUSED,
        lang: str | None = None,
        detect_language: bool = False,
        vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The best ``top`` passages, best first. ``detect_language`` restricts the search
        to passages in the query's language (when passages carry one); ``vector`` is the
        query's embedding when the caller has it already."""
        if not self.passages:
            return []
        if detect_language and lang is None:
            lang = detect_locale(query)
        if method != Method.LEXICAL and (self.embedder is None or self._vectors is None):
            raise ValueError(f"The {method} method needs an embedding model.")
        if method == Method.LEXICAL:
            prepared = prepare(query, lang)
            mask = self._candidates(lang)
            expanded = self._bm25_scores(prepared.expanded)
            return self._hits(expanded, expanded, np.zeros_like(expanded), mask, top)
        first = self.first_stage(query, lang, vector)
        if method == Method.SEMANTIC:
            return self._hits(first.cosines, first.expanded, first.cosines, first.mask, top)
        return self._rerank(first, top)

    def first_stage(self, query: str, lang: str | None, vector: np.ndarray | None) -> Stage:
        """BM25 on the expanded words and E5 cosines over the candidates, fused."""
        assert self.embedder is not None and self._vectors is not None
        prepared = prepare(query, lang)
        mask = self._candidates(lang)
        expanded = self._bm25_scores(prepared.expanded)
        if vector is None:
            vector = self.embedder.query(query)
        cosines = (self._vectors @ vector).astype(np.float64)
        assert self._titles is not None
        titles = (self._titles @ vector).astype(np.float64)
        fused = np.full_like(cosines, -np.inf)
        fused[mask] = (
            LEXICAL_WEIGHT * _standardised(expanded[mask])
            + PASSAGE_WEIGHT * _standardised(cosines[mask])
            + TITLE_WEIGHT * _standardised(titles[mask])
        )
        return Stage(prepared, vector, fused, cosines, expanded, mask)

    def _hits(
        self,
        combined: np.ndarray,
        lexical: np.ndarray,
        semantic: np.ndarray,
        mask: np.ndarray,
        top: int,
        confidences: np.ndarray | None = None,
    ) -> list[Hit]:
        order = np.flatnonzero(mask)
        order = order[np.lexsort((order, -combined[order]))][:top]
        return [
            Hit(
                id=self.passages[i].id,
                score=float(combined[i]),
                lexical=float(lexical[i]),
                semantic=float(semantic[i]),
                confidence=float(confidences[i]) if confidences is not None else 0.0,
            )
            for i in order
        ]

    def features(self, first: Stage) -> tuple[np.ndarray, np.ndarray]:
        """The reranker's view of the best candidates: their indexes and feature rows."""
        fused, cosines, expanded = first.fused, first.cosines, first.expanded
        order = np.flatnonzero(first.mask)
        order = order[np.lexsort((order, -fused[order]))][:RERANK_DEPTH]
        assert self._titles is not None
        plain = self._bm25_scores(first.query.words)[order]
        asked = set(first.query.words)
        known = self._bm25.word_ids(list(asked))
        whole, titles = self.lexicon.passages, self.lexicon.titles
        chinese = 1.0 if first.query.lang == ZH else 0.0
        wanted = [
            (pattern.search(first.query.text) is not None, categories)
            for pattern, categories in ANSWER_TYPES.values()
        ]
        best_cosine = float(cosines[order].max())
        rows = []
        for rank, i in enumerate(order):
            held = (
                len(known.intersection(whole.row(int(i))[0].tolist())) / len(asked)
                if asked
                else 0.0
            )
            in_title = (
                len(known.intersection(titles.row(int(i))[0].tolist())) / len(asked)
                if asked
                else 0.0
            )
            category = self._categories[i]
            matches = [float(want and category in kinds) for want, kinds in wanted]
            rows.append(
                (
                    fused[i],
                    1.0 / (1.0 + rank),
                    cosines[i],
                    best_cosine - cosines[i],
                    float(self._titles[i] @ first.vector),
                    plain[rank] / (plain[rank] + 4.0),
                    expanded[i] / (expanded[i] + 4.0),
                    held,
                    in_title,
                    *matches,
                    chinese,
                    chinese * cosines[i],
                )
            )
        return order, np.array(rows, dtype=np.float64)

    def off_topic(self, first: Stage, rows: np.ndarray) -> tuple[float, float]:
        """The question's cosine with the nearest everyday question, and its mean cosine
        with the nearest ``OFF_TOPIC_NEIGHBOURS`` of them, each minus that with the
        nearest title among the reranked candidates, in hundredths: above 0, it reads
        more like small talk than like anything the knowledge base answers."""
        if self._off_topic is None or not len(rows):
            return (0.0, 0.0)
        cosines = np.sort((self._off_topic @ first.vector).astype(np.float64))[::-1]
        title = float(rows[:, FEATURES.index("title_cosine")].max())
        # In hundredths: the gaps are a few hundredths of a cosine either way, and the
        # answerability model's weights are regularised on this scale like the others.
        return (
            100.0 * (float(cosines[0]) - title),
            100.0 * (float(cosines[:OFF_TOPIC_NEIGHBOURS].mean()) - title),
        )

    def _rerank(self, first: Stage, top: int) -> list[Hit]:
        order, rows = self.features(first)
        weights = _weights()
        logits = rows @ weights.ranking + weights.ranking_intercept
        domain = in_domain(first.query.text)
        judged = confidence_features(logits, rows, domain, self.off_topic(first, rows))
        answerable = judged @ weights.confidence
        score = np.full_like(first.fused, -np.inf)
        confidences = np.zeros_like(first.fused)
        score[order] = logits + 1000.0  # the reranked ones ahead of the rest
        best = order[int(np.argmax(logits))]
        confidences[best] = 1.0 / (1.0 + np.exp(-(answerable + weights.confidence_intercept)))
        rest = first.mask.copy()
        rest[order] = False
        score[rest] = first.fused[rest]
        return self._hits(score, first.expanded, first.cosines, first.mask, top, confidences)


TITLE_MARK = "|"  # separates a passage's title terms from its body terms when stored


def passage_terms(text: str, questions: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """A passage's BM25 words: those of its title (first line) and example questions,
    those of the rest."""
    title = passage_title(text)
    rest = text.strip()[len(title) :] if text.strip().startswith(title) else text
    return tokenize(" ".join([title, *questions])), tokenize(rest)


def stored_terms(text: str, questions: Sequence[str] = ()) -> str:
    """A passage's terms as kept with its entry: title words, the mark, body words."""
    title, body = passage_terms(text, questions)
    return " ".join([*title, TITLE_MARK, *body])


def _split_terms(terms: list[str]) -> tuple[list[str], list[str]]:
    if TITLE_MARK not in terms:
        return [], terms
    at = terms.index(TITLE_MARK)
    return terms[:at], terms[at + 1 :]


def embed_passages(
    embedder: Embedder,
    texts: Sequence[str],
    questions: Sequence[Sequence[str]] | None = None,
) -> np.ndarray:
    """Passage and title vectors of each text: shape (n, 2, dim). A title is embedded as
    a question (E5's query prefix): an entry's title and a customer's question are two
    wordings of one question, and E5 matches like with like best. An entry's example
    questions are embedded likewise and its title row is the normalised mean of them and
    its title: one point in the middle of the ways the question is asked."""
    if not texts:
        return np.zeros((0, 2, 1), dtype=np.float32)
    whole = embedder.passages(list(texts))
    asked = [list(q) for q in questions] if questions is not None else [[] for _ in texts]
    wordings = [[passage_title(t), *q] for t, q in zip(texts, asked, strict=True)]
    flat = embedder.queries([w for group in wordings for w in group])
    titles, at = [], 0
    for group in wordings:
        mean = flat[at : at + len(group)].mean(axis=0)
        at += len(group)
        norm = float(np.linalg.norm(mean))
        titles.append(mean / norm if norm else mean)
    return np.stack([whole, np.stack(titles)], axis=1).astype(np.float32)


def confidence(hits: Sequence[Hit]) -> float:
    """How sure the best hit answers the question, in [0, 1] (the answerability model's
    probability that the reranker's best passage is the right one)."""
    return round(hits[0].confidence, 3) if hits else 0.0
