"""The knowledge base and the assistant's conversations: answers from the knowledge base,
the verified customer's own claims and policies, a claim opened turn by turn, complaints,
and hand-off to a person through the service desk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import ColumnElement, case, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified

from claimdesk.assistant import dialogue, index_store, rules
from claimdesk.assistant.dialogue import say
from claimdesk.assistant.embedding import Embedder
from claimdesk.assistant.enums import EntryStatus, Intent
from claimdesk.assistant.knowledge import (
    entry_hash,
    entry_ref,
    join_questions,
    off_topic_vectors,
    passage_text,
    shipped_vectors,
    split_questions,
    starter_entries,
)
from claimdesk.assistant.language import EN, TERMS_VERSION, detect_locale
from claimdesk.assistant.lexical import join, take
from claimdesk.assistant.models import Conversation, ConversationMessage, KbEntry
from claimdesk.assistant.retrieval import (
    CLARIFY_AT,
    Index,
    Lexicon,
    Passage,
    answer_at,
    build_lexicon,
    confidence,
    embed_passages,
    stored_terms,
)
from claimdesk.assistant.schemas import EntryIn, EntryUpdateIn, MessageIn, ReplyOut, SourceOut
from claimdesk.claims import rules as claim_rules
from claimdesk.claims import service as claims
from claimdesk.claims.enums import Channel, ClaimStatus
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import ClaimIn
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from claimdesk.documents import service as documents
from claimdesk.jobs.queue import enqueue_after_commit
from claimdesk.policies import service as policies
from claimdesk.policies.models import Policy
from claimdesk.security.models import User
from claimdesk.security.permissions import PERMISSIONS, require
from claimdesk.security.service import Actor
from claimdesk.support import service as support
from claimdesk.support.enums import COMPLAINT, CONSULTATION, SlaMetric, TicketChannel
from claimdesk.support.models import Team, Ticket
from claimdesk.support.schemas import ComplaintIn, TicketIn
from claimdesk.support.schemas import MessageIn as TicketMessageIn

FINISHED = frozenset({ClaimStatus.CLOSED, ClaimStatus.ARCHIVED, ClaimStatus.WITHDRAWN})
UNSURE = frozenset({Intent.CLARIFY, Intent.NOT_FOUND})  # a person is offered
LOW_CONFIDENCE_HANDOFF = 2  # answers in a row below ANSWER_AT before a person takes over
TRANSCRIPT_LIMIT = 8000  # a ticket message's size; the oldest turns are left out first


# ---------------------------------------------------------------- knowledge base


def ensure_knowledge_base(session: Session, *, now: datetime, vector_model: str) -> int:
    """Insert the starter entries that are missing (by key and locale), published; starter
    entries no one on the staff has edited follow the shipped text, entries staff edited
    or created are left as they are. Search terms made by an older tokenizer are remade;
    passage vectors that are missing or stale are made by the job runner
    (``refresh_vectors``). Returns how many entries were added or brought up to date."""
    existing = {(e.key, e.locale): e for e in session.scalars(select(KbEntry))}
    changed = 0
    for entry in starter_entries():
        shipped = {
            "kind": entry.kind,
            "category": entry.category,
            "product_code": entry.product,
            "title": entry.title,
            "body": entry.body,
            "questions": join_questions(entry.questions),
        }
        row = existing.get((entry.key, entry.locale))
        if row is None:
            row = KbEntry(
                key=entry.key,
                locale=entry.locale,
                **shipped,
                status=EntryStatus.PUBLISHED,
                origin="starter",
                created_at=now,
            )
            session.add(row)
        elif _follows_shipped(row, shipped):
            for name, value in shipped.items():
                setattr(row, name, value)
        else:
            continue
        row.updated_at = now
        _derive_terms(row)
        changed += 1
    for row in existing.values():
        if row.terms_version != TERMS_VERSION:
            _derive_terms(row)
    session.flush()
    _use_shipped_vectors(session, vector_model)
    _embed_later(session, _stale_vectors(vector_model))
    return changed


def _use_shipped_vectors(session: Session, model: str) -> None:
    """Entries whose text is the shipped one take the vectors shipped for the model in
    use (knowledge/vectors.npz): a fresh installation needs no embedding to answer."""
    shipped = shipped_vectors(model)
    if not shipped:
        return
    for row in session.scalars(select(KbEntry).where(_stale_vectors(model))):
        if row.text_hash in shipped:
            row.vectors = shipped[row.text_hash]
            row.vector_model = model
            row.vector_hash = row.text_hash
    session.flush()


def _follows_shipped(row: KbEntry, shipped: dict[str, Any]) -> bool:
    """A starter entry no one on the staff has edited, whose shipped text has changed."""
    untouched = row.origin == "starter" and row.updated_by_id is None
    return untouched and any(getattr(row, name) != value for name, value in shipped.items())


def _derive_terms(entry: KbEntry) -> None:
    """What retrieval reads of an entry's text, made when the text is written."""
    text = passage_text(entry.title, entry.body)
    questions = split_questions(entry.questions)
    entry.text_hash = entry_hash(entry.title, entry.body, questions)
    entry.terms = stored_terms(text, questions)
    entry.terms_version = TERMS_VERSION


# Entries whose vectors are missing or older than their text.
_VECTORS_BEHIND_TEXT = or_(
    KbEntry.vector_model.is_(None),
    KbEntry.vector_hash.is_(None),
    KbEntry.vector_hash != KbEntry.text_hash,
)


def _stale_vectors(name: str) -> ColumnElement[bool]:
    """Entries to embed (again) with the model ``name``."""
    return or_(_VECTORS_BEHIND_TEXT, KbEntry.vector_model != name)


def _embed_later(session: Session, stale: ColumnElement[bool] = _VECTORS_BEHIND_TEXT) -> None:
    """Queue the embedding job (:func:`refresh_vectors`) after the commit when an entry's
    vectors are stale."""
    if session.scalar(select(KbEntry.id).where(stale).limit(1)) is not None:
        enqueue_after_commit(session, refresh_vectors)


def refresh_vectors(
    sessions: sessionmaker[Session], *, embedder: Embedder, batch: int = 128
) -> int:
    """Embed every entry whose stored vectors are missing, stale or made by another
    model, ``batch`` entries per transaction (the model runs outside it); an entry edited
    meanwhile keeps its new hash and is embedded on the next round. Returns how many."""
    done = 0
    skipped: set[int] = set()
    stale = _stale_vectors(embedder.name)
    while True:
        with sessions() as session:
            rows = session.execute(
                select(
                    KbEntry.id, KbEntry.title, KbEntry.body, KbEntry.questions, KbEntry.text_hash
                )
                .where(stale, KbEntry.id.not_in(skipped) if skipped else true())
                .order_by(KbEntry.id)
                .limit(batch)
            ).all()
        if not rows:
            return done
        vectors = embed_passages(
            embedder,
            [passage_text(r.title, r.body) for r in rows],
            [split_questions(r.questions) for r in rows],
        )
        with unit_of_work(sessions) as session:
            for row, vector in zip(rows, vectors, strict=True):
                updated = session.execute(
                    update(KbEntry)
                    .where(KbEntry.id == row.id, KbEntry.text_hash == row.text_hash)
                    .values(
                        vectors=vector.tobytes(),
                        vector_model=embedder.name,
                        vector_hash=row.text_hash,
                    )
                )
                if updated.rowcount:  # type: ignore[attr-defined]
                    done += 1
                else:
                    skipped.add(row.id)


def _manager(actor: Actor | None) -> bool:
    """Staff allowed to manage the knowledge base (they also see drafts)."""
    return actor is not None and actor.role in PERMISSIONS["assistant.kb.manage"]


def list_entries(
    session: Session,
    *,
    actor: Actor | None,
    locale: str | None = None,
    category: str | None = None,
    status: EntryStatus | None = None,
) -> list[KbEntry]:
    """Published entries for everyone; staff who manage the knowledge base see drafts too."""
    query = select(KbEntry).order_by(KbEntry.locale, KbEntry.category, KbEntry.key)
    if status not in (None, EntryStatus.PUBLISHED) and not _manager(actor):
        raise PermissionDenied("Drafts are shown to staff who manage the knowledge base only.")
    if status is not None:
        query = query.where(KbEntry.status == status)
    elif not _manager(actor):
        query = query.where(KbEntry.status == EntryStatus.PUBLISHED)
    if locale is not None:
        query = query.where(KbEntry.locale == locale)
    if category is not None:
        query = query.where(KbEntry.category == category)
    return list(session.scalars(query))


def get_entry(session: Session, *, actor: Actor | None, entry_id: int) -> KbEntry:
    entry = session.get(KbEntry, entry_id)
    if entry is None or (entry.status != EntryStatus.PUBLISHED and not _manager(actor)):
        raise NotFound(f"Knowledge-base entry {entry_id} does not exist.")
    return entry


def create_entry(session: Session, *, actor: Actor, data: EntryIn, now: datetime) -> KbEntry:
    """A new entry starts as a draft; publishing makes the assistant use it."""
    require(actor, "assistant.kb.manage")
    entry = KbEntry(
        **data.model_dump(),
        status=EntryStatus.DRAFT,
        origin="staff",
        created_at=now,
        updated_at=now,
        updated_by_id=actor.user_id,
    )
    _derive_terms(entry)
    session.add(entry)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"An entry '{data.key}' in {data.locale} exists already; update it instead."
        ) from exc
    _embed_later(session)
    return entry


def _edit(
    session: Session, actor: Actor, entry_id: int, now: datetime, changes: dict[str, Any]
) -> KbEntry:
    require(actor, "assistant.kb.manage")
    entry = get_entry(session, actor=actor, entry_id=entry_id)
    for name, value in changes.items():
        setattr(entry, name, value)
    entry.updated_at = now
    entry.updated_by_id = actor.user_id
    _derive_terms(entry)
    session.flush()
    _embed_later(session)
    return entry


def update_entry(
    session: Session, *, actor: Actor, entry_id: int, data: EntryUpdateIn, now: datetime
) -> KbEntry:
    return _edit(session, actor, entry_id, now, data.model_dump(exclude_unset=True))


def set_entry_status(
    session: Session, *, actor: Actor, entry_id: int, status: EntryStatus, now: datetime
) -> KbEntry:
    """Publish an entry (the assistant answers from it at once) or take it back to draft."""
    return _edit(session, actor, entry_id, now, {"status": status})


# ---------------------------------------------------------------- the index


@dataclass(frozen=True)
class IndexedEntry:
    entry_id: int
    ref: str
    locale: str
    title: str
    body: str


@dataclass(frozen=True)
class KnowledgeIndex:
    index: Index
    entries: dict[str, IndexedEntry]


_indexes: dict[tuple[Any, ...], KnowledgeIndex] = {}


def knowledge_index(
    session: Session, embedder: Embedder, store: Path | None = None
) -> KnowledgeIndex:
    """The index of the published entries, built once per process and rebuilt when an
    entry is added, edited, published or withdrawn (the newest change and the newest id
    tell).

    With ``store`` (index_store.path_for), the rows of the index file that still match
    their entry (same id, same text hash, same model) are loaded from it; the other
    entries' terms and vectors are read from the database (vectors missing there are
    embedded here) and the file is written again. Without it, everything is read from
    the database."""
    published = KbEntry.status == EntryStatus.PUBLISHED
    # Every change to an entry (text, status) moves its updated_at and every new entry
    # the highest id; entries are never deleted. Both ends of an index: no table scan
    # before each question (a count of published rows cost 13 ms at 5,000 entries).
    last_change, last_id = session.execute(
        select(func.max(KbEntry.updated_at), func.max(KbEntry.id))
    ).one()
    fingerprint = (embedder.name, id(embedder), last_change, last_id)
    cached = _indexes.get(fingerprint)
    if cached is not None:
        return cached
    rows = session.execute(
        select(
            KbEntry.id,
            KbEntry.key,
            KbEntry.locale,
            KbEntry.category,
            KbEntry.title,
            KbEntry.body,
            KbEntry.questions,
            KbEntry.text_hash,
        )
        .where(published)
        .order_by(KbEntry.id)
    ).all()
    stored = index_store.load(store, embedder.name) if store is not None else None
    at = stored.rows() if stored is not None else {}
    found = [at.get((row.id, row.text_hash or "")) for row in rows]
    missing = [i for i, where in enumerate(found) if where is None]
    entries: dict[str, IndexedEntry] = {}
    passages = []
    for row, where in zip(rows, found, strict=True):
        ref = entry_ref(row.locale, row.key)
        entries[ref] = IndexedEntry(row.id, ref, row.locale, row.title, row.body)
        # The example questions matter to the terms and vectors only, made for the
        # entries the index file does not hold.
        questions = split_questions(row.questions) if where is None else ()
        passages.append(
            Passage(ref, passage_text(row.title, row.body), row.locale, row.category, questions)
        )
    lexicon, vectors, kept = _index_rows(session, embedder, passages, rows, stored, found, missing)
    built = KnowledgeIndex(
        Index(
            passages,
            embedder,
            lexicon=lexicon,
            vectors=vectors,
            off_topic=off_topic_vectors(embedder),
        ),
        entries,
    )
    if store is not None and (missing or stored is None or len(stored) != len(rows)):
        ids = np.array([row.id for row in rows], dtype=np.int64)
        hashes = [row.text_hash or "" for row in rows]
        if vectors is not None:
            whole = index_store.StoredIndex(ids, hashes, vectors, lexicon)
            index_store.save(store, embedder.name, whole.subset(np.flatnonzero(kept)))
    _indexes.clear()
    _indexes[fingerprint] = built
    return built


def warm_up(sessions: sessionmaker[Session], embedder: Embedder, data_dir: Path) -> int:
    """Load what the first question would otherwise wait for: the index (from the index
    file when it is current), the model, and the word segmenter (jieba reads its
    dictionary on first use, half a second): one question in each language is searched.
    Called when the server starts; returns how many entries the index holds."""
    with sessions() as session:
        known = knowledge_index(session, embedder, index_store.path_for(data_dir, embedder.name))
    for question in ("How do I make a claim?", "怎么申请理赔？"):
        if len(known.index):
            known.index.search(question, top=1, detect_language=True)
        else:
            embedder.query(question)
    return len(known.index)


def _index_rows(
    session: Session,
    embedder: Embedder,
    passages: list[Passage],
    rows: Sequence[Any],
    stored: index_store.StoredIndex | None,
    found: list[int | None],
    missing: list[int],
) -> tuple[Lexicon, np.ndarray | None, np.ndarray]:
    """The postings and vectors of every row: from the store where ``found`` says, the
    rest from the database (terms and fresh vectors) or made now. Also which rows may be
    kept in the store (not those embedded here: the job's vectors will replace them)."""
    fresh = (KbEntry.vector_model == embedder.name) & (KbEntry.vector_hash == KbEntry.text_hash)
    read: dict[int, Any] = {}
    wanted = [rows[i].id for i in missing]
    for start in range(0, len(wanted), 500):
        for extra in session.execute(
            select(
                KbEntry.id,
                KbEntry.terms,
                KbEntry.terms_version,
                case((fresh, KbEntry.vectors), else_=None).label("vectors"),
            ).where(KbEntry.id.in_(wanted[start : start + 500]))
        ):
            read[extra.id] = extra
    terms = []
    blobs: list[bytes | None] = []
    for i in missing:
        extra = read[rows[i].id]
        current = extra.terms_version == TERMS_VERSION and extra.terms is not None
        text, questions = passages[i].text, passages[i].questions
        terms.append(extra.terms.split() if current else stored_terms(text, questions).split())
        blobs.append(extra.vectors)
    made = _vectors(embedder, [passages[i] for i in missing], blobs)
    kept = np.ones(len(rows), dtype=bool)
    for n, i in enumerate(missing):
        kept[i] = blobs[n] is not None
    if stored is None:
        return build_lexicon(terms), made, kept
    if not missing and found == list(range(len(stored))):  # the file's rows, all of them
        return stored.lexicon, stored.vectors, kept
    # The store's rows in place, the others counted over the store's vocabulary.
    vocabulary = list(stored.lexicon.passages.vocabulary)
    ids = {word: i for i, word in enumerate(vocabulary)}
    fresh_lexicon = build_lexicon(terms, vocabulary, ids)
    reused = np.array([where for where in found if where is not None], dtype=np.int64)
    old = stored.subset(reused)
    order = np.empty(len(rows), dtype=np.int64)  # row -> position in old + new
    order[[i for i, where in enumerate(found) if where is not None]] = np.arange(len(reused))
    order[missing] = len(reused) + np.arange(len(missing))
    lexicon = Lexicon(
        take(join([old.lexicon.passages, fresh_lexicon.passages], vocabulary), order),
        take(join([old.lexicon.titles, fresh_lexicon.titles], vocabulary), order),
    )
    if not rows:
        return lexicon, None, kept
    combined = np.concatenate([old.vectors, made]) if made is not None else old.vectors
    return lexicon, combined[order], kept


def _vectors(
    embedder: Embedder, passages: list[Passage], stored: list[bytes | None]
) -> np.ndarray | None:
    """The stored vectors, the missing ones embedded now in one batch."""
    if not passages:
        return None
    missing = [i for i, blob in enumerate(stored) if blob is None]
    made = (
        embed_passages(
            embedder, [passages[i].text for i in missing], [passages[i].questions for i in missing]
        )
        if missing
        else None
    )
    shaped = {i: made[n] for n, i in enumerate(missing)} if made is not None else {}
    dim = next(
        (len(blob) // 8 for blob in stored if blob is not None),
        made.shape[2] if made is not None else 0,
    )
    return np.stack(
        [
            shaped[i] if blob is None else np.frombuffer(blob, np.float32).reshape(2, dim)
            for i, blob in enumerate(stored)
        ]
    )


# ---------------------------------------------------------------- conversations


@dataclass
class _Turn:
    """What one message produces."""

    answer: str
    intent: Intent
    confidence: float | None = None
    sources: list[IndexedEntry] | None = None
    cited: list[SourceOut] = field(default_factory=list)  # clauses and claims
    ticket: Ticket | None = None


def _conversation(
    session: Session, actor: Actor | None, session_id: str | None, locale: str, now: datetime
) -> Conversation:
    user_id = actor.user_id if actor else None
    if session_id:
        conversation = session.get(Conversation, session_id, with_for_update=True)
        if conversation is None or conversation.user_id != user_id:
            raise NotFound(
                f"Conversation {session_id} does not exist. Leave out session_id to start one. "
                f"会话 {session_id} 不存在，不带 session_id 即可开始新会话。"
            )
        return conversation
    conversation = Conversation(
        id=uuid4().hex,
        user_id=user_id,
        customer_id=actor.customer_id if actor and actor.is_customer else None,
        locale=locale,
        state={},
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    return conversation


def _verified_customer(actor: Actor | None) -> bool:
    return actor is not None and actor.is_customer and actor.customer_id is not None


def handle_message(
    session: Session,
    *,
    actor: Actor | None,
    data: MessageIn,
    now: datetime,
    settings: Settings,
    embedder: Embedder,
) -> ReplyOut:
    """Answer one message of a conversation (anonymous when ``actor`` is None)."""
    conversation = _conversation(session, actor, data.session_id, data.locale or EN, now)
    locale = data.locale or detect_locale(data.text, default=conversation.locale)
    conversation.locale = locale
    conversation.updated_at = now
    conversation.messages.append(
        ConversationMessage(at=now, author="customer", text=data.text, sources=[])
    )
    session.flush()
    context = _Context(session, actor, conversation, locale, now, settings, embedder)
    turn = context.respond(data.text)
    sources = [
        SourceOut(id=s.ref, entry_id=s.entry_id, title=s.title) for s in turn.sources or []
    ] + turn.cited
    conversation.messages.append(
        ConversationMessage(
            at=now,
            author="assistant",
            text=turn.answer,
            intent=turn.intent,
            confidence=turn.confidence,
            sources=[source.model_dump() for source in sources],
        )
    )
    flag_modified(conversation, "state")
    session.flush()
    return ReplyOut(
        session_id=conversation.id,
        answer=turn.answer,
        locale=locale,
        intent=turn.intent,
        confidence=turn.confidence,
        sources=sources,
        handoff_ticket_id=turn.ticket.id if turn.ticket else None,
        handoff_offered=turn.intent in UNSURE,
    )


def conversation_history(
    session: Session, *, actor: Actor | None, session_id: str | None
) -> list[tuple[str, ReplyOut]]:
    """The questions and answers of a conversation so far, oldest first (for the chat
    page after a reload); nothing for a conversation that is not the user's."""
    conversation = session.get(Conversation, session_id) if session_id else None
    if conversation is None or conversation.user_id != (actor.user_id if actor else None):
        return []
    turns: list[tuple[str, ReplyOut]] = []
    question = None
    for message in conversation.messages:
        if message.author == "customer":
            question = message.text
            continue
        if question is None:
            continue
        intent = message.intent or Intent.QUESTION
        handed = intent in (Intent.HANDOFF, Intent.COMPLAINT)
        reply = ReplyOut(
            session_id=conversation.id,
            answer=message.text,
            locale=conversation.locale,
            intent=intent,
            confidence=message.confidence,
            sources=[_stored_source(s) for s in message.sources],
            handoff_ticket_id=conversation.handoff_ticket_id if handed else None,
            handoff_offered=intent in UNSURE,
        )
        turns.append((question, reply))
        question = None
    return turns


def _stored_source(stored: str | dict[str, Any]) -> SourceOut:
    """A source as kept with a message (older messages kept the reference only)."""
    if isinstance(stored, str):
        return SourceOut(id=stored, title=stored)
    return SourceOut.model_validate(stored)


@dataclass
class _Context:
    session: Session
    actor: Actor | None
    conversation: Conversation
    locale: str
    now: datetime
    settings: Settings
    embedder: Embedder

    @property
    def state(self) -> dict[str, Any]:
        return self.conversation.state

    def say(self, reply: str, /, **values: Any) -> str:
        return say(self.locale, reply, **values)

    @property
    def today(self) -> date:
        return local_date(self.now, self.settings.display_timezone)

    @property
    def store(self) -> Path:
        return index_store.path_for(self.settings.data_dir, self.embedder.name)

    # ------------------------------------------------------------ routing

    def respond(self, text: str) -> _Turn:
        customer = _verified_customer(self.actor)
        if customer and self.conversation.handoff_ticket_id is not None:
            return self._to_ticket(text)
        if "report" in self.state:
            return self._report_step(text)
        intent = dialogue.intent_of(text)
        awaiting = self.state.pop("awaiting", None)
        if awaiting and dialogue.CLAIM_NUMBER.search(text) and intent == Intent.CLAIM_STATUS:
            intent = Intent(awaiting)
        if intent == Intent.HANDOFF:
            return self._handoff(CONSULTATION) if customer else self._anonymous_handoff()
        if intent == Intent.COMPLAINT and customer:
            return self._handoff(COMPLAINT, text)
        personal = {
            Intent.CLAIM_STATUS: self._claim_status,
            Intent.MISSING_DOCUMENTS: self._missing_documents,
            Intent.POLICY_COVER: self._policy_cover,
            Intent.COVER_CHECK: self._cover_check,
            Intent.EXCLUSIONS: self._exclusions,
            Intent.REMAINING: self._remaining,
            Intent.DEDUCTIBLE: self._deductible,
            Intent.PAYMENT_TIMING: self._payment_timing,
            Intent.REPORT_CLAIM: self._start_report,
        }
        if intent in personal:
            if customer:
                self.state["low_streak"] = 0
                return personal[intent](text)
            turn = self._knowledge(text)
            turn.answer = f"{self.say('sign_in')}\n\n{turn.answer}"
            return turn
        return self._knowledge(text)

    # ------------------------------------------------------------ knowledge base

    def _knowledge(self, text: str) -> _Turn:
        known = knowledge_index(self.session, self.embedder, self.store)
        hits = known.index.search(text, top=3, lang=self.locale)
        score = confidence(hits)
        preferred = dialogue.preferred_entry(text)
        if preferred is not None:  # the answer type names the entry, if retrieval found it
            ref = entry_ref(self.locale, preferred)
            hits = sorted(hits, key=lambda hit: hit.id != ref)
        found = [known.entries[h.id] for h in hits]
        if score >= answer_at(text):
            self.state["low_streak"] = 0
            best = found[0]
            return _Turn(f"{best.title}\n{best.body}", Intent.QUESTION, score, [best])
        self.state["low_streak"] = self.state.get("low_streak", 0) + 1
        if score >= CLARIFY_AT:
            options = "\n".join(f"{i}. {e.title}" for i, e in enumerate(found, 1))
            turn = _Turn(self.say("clarify", options=options), Intent.CLARIFY, score, found)
        else:
            turn = _Turn(self.say("not_found"), Intent.NOT_FOUND, score, [])
        if self.state["low_streak"] >= LOW_CONFIDENCE_HANDOFF:
            if _verified_customer(self.actor):
                handed = self._handoff(CONSULTATION)
                handed.answer = self.say("handoff_low_confidence") + handed.answer
                handed.confidence = score
                return handed
            turn.answer += "\n" + self.say("handoff_anonymous")
        return turn

    # ------------------------------------------------------------ the customer's records

    def _claim(self, text: str, purpose: Intent) -> Claim | _Turn:
        """The claim a message is about: named by number (only the customer's own: any other
        number gets the same answer as one that does not exist), else the only open one."""
        assert self.actor is not None
        match = dialogue.CLAIM_NUMBER.search(text)
        if match:
            number = match.group().upper()
            claim_id = self.session.scalar(select(Claim.id).where(Claim.number == number))
            try:
                if claim_id is None:
                    raise NotFound(number)
                return claims.get_claim(self.session, actor=self.actor, claim_id=claim_id)
            except NotFound:
                return _Turn(self.say("claim_unknown", number=number), purpose)
        own = claims.list_claims(self.session, actor=self.actor)
        if not own:
            return _Turn(self.say("no_claims"), purpose)
        open_claims = [c for c in own if c.status not in FINISHED]
        if len(open_claims) == 1 or len(own) == 1:
            return (open_claims or own)[0]
        self.state["awaiting"] = purpose
        listed = "\n".join(
            f"- {c.number}: {self._coverage_name(c.policy, c.claim_type)}, "
            f"{dialogue.status_label(self.locale, c.status)}"
            for c in (open_claims or own)[:10]
        )
        return _Turn(self.say("claim_pick", claims=listed), Intent.CLARIFY)

    def _coverage_name(self, policy: Policy, code: str) -> str:
        coverage = policy.product.coverage(code)
        if coverage is None:
            return code
        return coverage.name_zh if self.locale == "zh-CN" else coverage.name_en

    def _claim_status(self, text: str) -> _Turn:
        claim = self._claim(text, Intent.CLAIM_STATUS)
        if isinstance(claim, _Turn):
            return claim
        answer = self.say(
            "claim_status",
            number=claim.number,
            claim_type=self._coverage_name(claim.policy, claim.claim_type),
            reported=local_date(claim.reported_at, self.settings.display_timezone).isoformat(),
            status=dialogue.status_label(self.locale, claim.status),
            next_step=dialogue.next_step(self.locale, claim.status),
        )
        return _Turn(answer, Intent.CLAIM_STATUS)

    def _missing_documents(self, text: str) -> _Turn:
        claim = self._claim(text, Intent.MISSING_DOCUMENTS)
        if isinstance(claim, _Turn):
            return claim
        assert self.actor is not None
        view = documents.completeness(self.session, actor=self.actor, claim_id=claim.id)
        zh = self.locale == "zh-CN"
        if not view.missing:
            answer = self.say("missing_none", number=claim.number)
        else:
            items = "\n".join(
                f"- {m.name_zh if zh else m.name_en}: {m.must_show_zh if zh else m.must_show_en}"
                for m in view.missing
            )
            answer = self.say("missing_list", number=claim.number, items=items)
        if view.pending:
            answer += self.say("missing_pending", files=", ".join(d.filename for d in view.pending))
        if view.unreadable:
            files = ", ".join(d.filename for d in view.unreadable)
            answer += self.say("missing_unreadable", files=files)
        return _Turn(answer, Intent.MISSING_DOCUMENTS)

    def _money(self, amount: Decimal | None, currency: str = "CNY") -> str:
        if amount is None:
            return self.say("no_limit")
        return (
            f"{amount:,.2f} 元"
            if self.locale == "zh-CN" and currency == "CNY"
            else (f"{currency} {amount:,.2f}")
        )

    def _policy_cover(self, text: str) -> _Turn:
        assert self.actor is not None
        own = policies.list_policies(self.session, actor=self.actor)
        match = dialogue.POLICY_NUMBER.search(text)
        if match:
            chosen = [p for p in own if p.number.upper() == match.group().upper()]
        else:
            in_force = [p for p in own if policies.policy_status(p, self.today) == "in_force"]
            chosen = own if len(own) == 1 else in_force
        if not chosen:
            return _Turn(self.say("no_policies"), Intent.POLICY_COVER)
        if len(chosen) > 1:
            listed = "\n".join(f"- {p.number}: {self._product_name(p)}" for p in chosen)
            return _Turn(self.say("policy_pick", policies=listed), Intent.CLARIFY)
        policy = chosen[0]
        view = policies.policy_view(self.session, policy, self.today)
        zh = self.locale == "zh-CN"
        lines = "\n".join(
            self.say(
                "coverage_line",
                name=c.name_zh if zh else c.name_en,
                deductible=self._money(c.deductible, policy.currency),
                basis=self.say(f"basis_{c.deductible_basis}"),
                copay=f"{(c.copay_ratio * 100).normalize():f}",
                per_item=self._money(c.per_item_limit, policy.currency),
                annual=self._money(c.annual_limit, policy.currency),
                waiting=c.waiting_period_days,
                exclusions=", ".join(rules.exclusion_label(x, self.locale) for x in c.exclusions)
                or self.say("no_limit"),
            )
            for c in policy.product.coverages
        )
        answer = self.say(
            "policy_cover",
            number=policy.number,
            product=self._product_name(policy),
            start=policy.start_date.isoformat(),
            end=policy.end_date.isoformat(),
            status=view.status,
            sum_insured=self._money(view.sum_insured, policy.currency),
            approved=self._money(view.approved_to_date, policy.currency),
            remaining=self._money(view.remaining_sum_insured, policy.currency),
            coverages=lines,
            exclusions=", ".join(
                rules.exclusion_label(x, self.locale) for x in policy.product.exclusions
            )
            or self.say("no_limit"),
        )
        return _Turn(answer, Intent.POLICY_COVER)

    def _product_name(self, policy: Policy) -> str:
        return policy.product.name_zh if self.locale == "zh-CN" else policy.product.name_en

    # ------------------------------------------------------------ cover from the terms

    def _asked_policies(self, text: str) -> list[Policy] | _Turn:
        """The policies a question is about: the one it names by number, else those of
        the line it names (我的医疗险) among the customer's policies in force (or all of
        them when only one), else every policy in force."""
        assert self.actor is not None
        own = policies.list_policies(self.session, actor=self.actor)
        match = dialogue.POLICY_NUMBER.search(text)
        if match:
            chosen = [p for p in own if p.number.upper() == match.group().upper()]
        else:
            in_force = [p for p in own if policies.policy_status(p, self.today) == "in_force"]
            chosen = own if len(own) == 1 else in_force
            line = dialogue.policy_line(text)
            if line is not None:
                chosen = [p for p in chosen if p.product.line == line]
        if not chosen:
            return _Turn(self.say("no_policies"), Intent.POLICY_COVER)
        return chosen

    def _name(self, named: Any) -> str:
        return str(named.name_zh if self.locale == "zh-CN" else named.name_en)

    def _clause(self, policy: Policy, reply: str, **values: str) -> tuple[str, SourceOut]:
        """A clause of the policy's terms: its citation text and its source."""
        title = self.say(reply, number=policy.number, **values)
        ref = "/".join(["policy", policy.number, reply.removeprefix("clause_"), *values.values()])
        return title, SourceOut(id=ref, kind="clause", title=title)

    def _exclusion_clause(
        self, policy: Policy, exclusion: rules.Exclusion
    ) -> tuple[str, str, SourceOut]:
        label = rules.exclusion_label(exclusion.code, self.locale)
        coverage = policy.product.coverage(exclusion.coverage) if exclusion.coverage else None
        if coverage is None:
            title, source = self._clause(policy, "clause_exclusion", name=label)
        else:
            title, source = self._clause(
                policy, "clause_exclusion_of", coverage=self._name(coverage), name=label
            )
        return label, title, source

    def _coverage_list(self, policy: Policy) -> str:
        return ("、" if self.locale == "zh-CN" else ", ").join(
            self._name(c) for c in policy.product.coverages
        )

    def _all_exclusions(self, policy: Policy) -> str:
        codes = list(policy.product.exclusions)
        codes += [x for c in policy.product.coverages for x in c.exclusions if x not in codes]
        separator = "、" if self.locale == "zh-CN" else ", "
        return separator.join(rules.exclusion_label(code, self.locale) for code in codes)

    def _entry(self, key: str) -> IndexedEntry | None:
        """A published knowledge-base entry in the reply's language, to cite with an
        answer from the customer's records."""
        known = knowledge_index(self.session, self.embedder, self.store)
        return known.entries.get(entry_ref(self.locale, key))

    def _cover_check(self, text: str) -> _Turn:
        """Does my policy cover X: from the policy's terms only. Covered only when a
        coverage of the policy pays for X and no exclusion rules it out; else it says
        the cover cannot be found and cites what the policy covers and excludes."""
        topic = rules.find_topic(text)
        if topic is None:
            return self._unknown_topic(text)
        chosen = self._asked_policies(text)
        if isinstance(chosen, _Turn):
            return chosen
        zh = self.locale == "zh-CN"
        answers, cited = [], []
        for policy in chosen:
            verdict = rules.judge_cover(topic, claims.policy_terms(policy))
            conditions = ""
            for condition, exclusion in verdict.conditions:
                label, title, source = self._exclusion_clause(policy, exclusion)
                when = condition.when_zh if zh else condition.when_en
                conditions += self.say("cover_condition", when=when, exclusion=label, clause=title)
                cited.append(source)
            common = {
                "number": policy.number,
                "product": self._product_name(policy),
                "topic": topic.zh if zh else topic.en,
            }
            if verdict.verdict == rules.Verdict.EXCLUDED:
                label, title, source = self._exclusion_clause(policy, verdict.exclusions[0])
                answers.append(self.say("cover_excluded", **common, exclusion=label, clause=title))
                cited.append(source)
            elif verdict.verdict == rules.Verdict.COVERED:
                coverage = policy.product.coverage(verdict.coverages[0])
                assert coverage is not None
                title, source = self._clause(policy, "clause_coverage", name=self._name(coverage))
                view = policies.policy_view(self.session, policy, self.today)
                note = topic.when_covered_zh if zh else topic.when_covered_en
                answers.append(
                    self.say(
                        "cover_covered",
                        **common,
                        coverage=self._name(coverage),
                        clause=title,
                        deductible=self._money(coverage.deductible, policy.currency),
                        basis=self.say(f"basis_{coverage.deductible_basis}"),
                        copay=f"{(coverage.copay_ratio * 100).normalize():f}",
                        annual=self._money(coverage.annual_limit, policy.currency),
                        waiting=coverage.waiting_period_days,
                        remaining=self._money(view.remaining_sum_insured, policy.currency),
                        note=f" {note}" if note and not zh else note,
                        conditions=conditions,
                    )
                )
                cited.append(source)
            else:
                title, source = self._clause(policy, "clause_cover_list")
                answers.append(
                    self.say(
                        "cover_not_found",
                        **common,
                        coverages=self._coverage_list(policy),
                        clause=title,
                        conditions=conditions,
                    )
                )
                cited.append(source)
        entry = self._entry(topic.entry)
        return _Turn(
            "\n\n".join(answers), Intent.COVER_CHECK, None, [entry] if entry else [], cited
        )

    def _unknown_topic(self, text: str) -> _Turn:
        """A cover question about something the terms vocabulary does not know: the
        policy's cover and exclusions, and no promise."""
        chosen = self._asked_policies(text)
        if isinstance(chosen, _Turn):
            return chosen
        if dialogue.asks_overview(text):
            return self._policy_cover(text)
        answers, cited = [], []
        for policy in chosen:
            title, source = self._clause(policy, "clause_cover_list")
            answers.append(
                self.say(
                    "cover_unknown_topic",
                    number=policy.number,
                    product=self._product_name(policy),
                    coverages=self._coverage_list(policy),
                    exclusions=self._all_exclusions(policy),
                    clause=title,
                )
            )
            cited.append(source)
        return _Turn("\n\n".join(answers), Intent.COVER_CHECK, cited=cited)

    def _exclusions(self, text: str) -> _Turn:
        chosen = self._asked_policies(text)
        if isinstance(chosen, _Turn):
            return chosen
        separator = "、" if self.locale == "zh-CN" else ", "
        answers, cited = [], []
        for policy in chosen:
            general = policy.product.exclusions
            lines = "".join(
                self.say(
                    "exclusions_line",
                    name=self._name(c),
                    exclusions=separator.join(
                        rules.exclusion_label(x, self.locale) for x in c.exclusions
                    ),
                )
                for c in policy.product.coverages
                if [x for x in c.exclusions if x not in general]
            )
            title, source = self._clause(policy, "clause_exclusions")
            answers.append(
                self.say(
                    "exclusions_list",
                    number=policy.number,
                    product=self._product_name(policy),
                    general=separator.join(rules.exclusion_label(x, self.locale) for x in general)
                    or self.say("no_limit"),
                    clause=title,
                    lines=lines,
                )
            )
            cited.append(source)
        entry = self._entry("payout-exclusions")
        return _Turn("\n\n".join(answers), Intent.EXCLUSIONS, None, [entry] if entry else [], cited)

    def _remaining(self, text: str) -> _Turn:
        """The remaining sum insured and what each coverage's annual limit has left."""
        chosen = self._asked_policies(text)
        if isinstance(chosen, _Turn):
            return chosen
        answers, cited = [], []
        for policy in chosen:
            view = policies.policy_view(self.session, policy, self.today)
            usage = claims.prior_usage(self.session, policy_id=policy.id, exclude_claim_id=None)
            lines = ""
            for coverage in policy.product.coverages:
                if coverage.annual_limit is None:
                    continue
                used = usage.paid_by_coverage.get(coverage.code, Decimal("0"))
                lines += self.say(
                    "remaining_line",
                    name=self._name(coverage),
                    annual=self._money(coverage.annual_limit, policy.currency),
                    used=self._money(used, policy.currency),
                    left=self._money(
                        max(coverage.annual_limit - used, Decimal("0")), policy.currency
                    ),
                )
            title, source = self._clause(policy, "clause_sum_insured")
            answers.append(
                self.say(
                    "remaining",
                    number=policy.number,
                    product=self._product_name(policy),
                    sum_insured=self._money(view.sum_insured, policy.currency),
                    approved=self._money(view.approved_to_date, policy.currency),
                    remaining=self._money(view.remaining_sum_insured, policy.currency),
                    clause=title,
                    lines=lines,
                )
            )
            cited.append(source)
        return _Turn("\n\n".join(answers), Intent.REMAINING, cited=cited)

    def _deductible(self, text: str) -> _Turn:
        """Each coverage's deductible and, for an annual one, what is used and left."""
        chosen = self._asked_policies(text)
        if isinstance(chosen, _Turn):
            return chosen
        answers, cited = [], []
        for policy in chosen:
            usage = claims.prior_usage(self.session, policy_id=policy.id, exclude_claim_id=None)
            lines = ""
            for coverage in policy.product.coverages:
                used = ""
                if coverage.deductible_basis == "annual" and coverage.deductible > 0:
                    taken = usage.deductible_used_by_coverage.get(coverage.code, Decimal("0"))
                    used = self.say(
                        "deductible_used",
                        used=self._money(taken, policy.currency),
                        left=self._money(
                            max(coverage.deductible - taken, Decimal("0")), policy.currency
                        ),
                    )
                lines += self.say(
                    "deductible_line",
                    name=self._name(coverage),
                    deductible=self._money(coverage.deductible, policy.currency),
                    basis=self.say(f"basis_{coverage.deductible_basis}"),
                    used=used,
                )
            title, source = self._clause(policy, "clause_deductible")
            answers.append(
                self.say(
                    "deductible",
                    number=policy.number,
                    product=self._product_name(policy),
                    clause=title,
                    lines=lines,
                )
            )
            cited.append(source)
        entry = self._entry("payout-deductible")
        return _Turn("\n\n".join(answers), Intent.DEDUCTIBLE, None, [entry] if entry else [], cited)

    # ------------------------------------------------------------ when the money arrives

    def _payment_timing(self, text: str) -> _Turn:
        """When a claim's money arrives, from the claim: paid (when, reference), approved
        (due 10 days after the agreement, Insurance Law art. 23), undecided (the decision
        clock), denied or ended."""
        claim = self._claim(text, Intent.PAYMENT_TIMING)
        if isinstance(claim, _Turn):
            return claim
        zone = self.settings.display_timezone
        status = ClaimStatus(claim.status)
        values: dict[str, Any] = {"number": claim.number}
        if claim.payments:
            payment = claim.payments[-1]
            answer = self.say(
                "pay_paid",
                **values,
                amount=self._money(payment.amount, payment.currency),
                date=local_date(payment.paid_at, zone).isoformat(),
                reference=payment.reference,
            )
        elif status in (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED) and claim.decided_at:
            answer = self.say(
                "pay_approved",
                **values,
                amount=self._money(claim.approved_amount, claim.currency),
                date=local_date(claim.decided_at, zone).isoformat(),
                due=local_date(rules.payment_due(claim.decided_at), zone).isoformat(),
            )
        elif status == ClaimStatus.DENIED:
            answer = self.say("pay_denied", **values)
        elif status in FINISHED:
            answer = self.say(
                "pay_ended", **values, status=dialogue.status_label(self.locale, status)
            )
        else:
            clock = claim_rules.statutory_clock(
                completed_at=claim.completed_at,
                decided_at=claim.decided_at,
                now=self.now,
                decision_days=self.settings.statutory_decision_days,
                warning_days=self.settings.statutory_warning_days,
            )
            decision = (
                self.say("pay_decision_due", due=local_date(clock.due_at, zone).isoformat())
                if clock.due_at is not None
                else self.say("pay_decision_waiting")
            )
            answer = self.say(
                "pay_undecided",
                **values,
                status=dialogue.status_label(self.locale, status),
                decision=decision,
            )
        claim_source = SourceOut(
            id=f"claim/{claim.number}", kind="claim", title=claim.number or str(claim.id)
        )
        entry = self._entry("payment-when")
        return _Turn(answer, Intent.PAYMENT_TIMING, None, [entry] if entry else [], [claim_source])

    # ------------------------------------------------------------ opening a claim

    def _in_force_policies(self) -> list[Policy]:
        assert self.actor is not None
        own = policies.list_policies(self.session, actor=self.actor)
        return [p for p in own if policies.policy_status(p, self.today) == "in_force"]

    def _start_report(self, _text: str) -> _Turn:
        candidates = self._in_force_policies()
        if not candidates:
            return _Turn(self.say("no_policies"), Intent.REPORT_CLAIM)
        self.state["report"] = {"step": "policy"}
        if len(candidates) == 1:
            self.state["report"] = {"step": "type", "policy_id": candidates[0].id}
        return _Turn(self._ask(), Intent.REPORT_CLAIM)

    def _report_policy(self) -> Policy:
        policy = self.session.get(Policy, self.state["report"]["policy_id"])
        assert policy is not None
        return policy

    def _ask(self) -> str:
        report = self.state["report"]
        step = report["step"]
        if step == "policy":
            listed = "\n".join(
                f"{i}. {p.number}: {self._product_name(p)}"
                for i, p in enumerate(self._in_force_policies(), 1)
            )
            return self.say("ask_policy", policies=listed)
        if step == "type":
            policy = self._report_policy()
            listed = "\n".join(
                f"{i}. {self._coverage_name(policy, c.code)} ({c.code})"
                for i, c in enumerate(policy.product.coverages, 1)
            )
            return self.say("ask_type", types=listed)
        if step == "amount":
            return self.say("ask_amount", currency=self._report_policy().currency)
        return self.say(f"ask_{step}")

    def _report_step(self, text: str) -> _Turn:
        if dialogue.is_cancel(text):
            del self.state["report"]
            return _Turn(self.say("cancelled"), Intent.CANCEL)
        if dialogue.intent_of(text) == Intent.HANDOFF:
            del self.state["report"]
            return self._handoff(CONSULTATION)
        report = self.state["report"]
        step = report["step"]
        problem = None
        if step == "policy":
            options = [(p.id, [p.number]) for p in self._in_force_policies()]
            report["policy_id"] = dialogue.choose(text, options)
            problem = "bad_choice" if report["policy_id"] is None else None
            following = "type"
        elif step == "type":
            coverages = self._report_policy().product.coverages
            codes = [(c.code, [c.code, c.name_en, c.name_zh]) for c in coverages]
            report["claim_type"] = dialogue.choose(text, codes)
            problem = "bad_choice" if report["claim_type"] is None else None
            following = "date"
        elif step == "date":
            incident = dialogue.parse_date(text, self.today)
            report["incident_date"] = incident.isoformat() if incident else None
            problem = "bad_date" if incident is None else None
            following = "description"
        elif step == "description":
            report["description"] = text.strip()[:4000]
            following = "amount"
        else:
            amount = dialogue.parse_amount(text)
            if amount is None:
                problem, following = "bad_amount", "amount"
            else:
                return self._submit_report(amount)
        if problem is None:
            report["step"] = following
            return _Turn(self._ask(), Intent.REPORT_CLAIM)
        return _Turn(f"{self.say(problem)} {self._ask()}", Intent.REPORT_CLAIM)

    def _submit_report(self, amount: Decimal) -> _Turn:
        assert self.actor is not None
        report = self.state["report"]
        data = ClaimIn(
            policy_id=report["policy_id"],
            claim_type=report["claim_type"],
            incident_date=report["incident_date"],
            description=report["description"],
            claimed_amount=amount,
            currency=self._report_policy().currency,
            channel=Channel.API,
        )
        try:
            with self.session.begin_nested():
                claim, _ = claims.report_claim(
                    self.session, actor=self.actor, data=data, now=self.now, settings=self.settings
                )
        except ValidationFailed as exc:
            fields = {d.get("field") for d in exc.details if isinstance(d, dict)}
            retry = {"incident_date": "date", "claim_type": "type", "policy_id": "policy"}
            step = next((retry[f] for f in fields if f in retry), None)
            refused = self.say("report_refused", error=exc.message)
            if step is None:
                del self.state["report"]
                return _Turn(refused, Intent.REPORT_CLAIM)
            report["step"] = step
            return _Turn(f"{refused}\n{self._ask()}", Intent.REPORT_CLAIM)
        del self.state["report"]
        zh = self.locale == "zh-CN"
        listed = "\n".join(
            f"- {d.name_zh if zh else d.name_en}" for d in claims.documents_for(claim)
        )
        answer = self.say(
            "reported",
            number=claim.number,
            status=dialogue.status_label(self.locale, claim.status),
            documents=listed,
        )
        return _Turn(answer, Intent.REPORT_CLAIM)

    # ------------------------------------------------------------ hand-off

    def _transcript(self) -> str:
        lines = [
            f"[{m.at:%Y-%m-%d %H:%M} UTC] "
            f"{'客户 Customer' if m.author == 'customer' else '助手 Assistant'}: {m.text}"
            for m in self.conversation.messages
        ]
        text = "\n".join(lines)
        return text[-TRANSCRIPT_LIMIT:]

    def _due(self, ticket: Ticket, metric: SlaMetric) -> str:
        clock = next((c for c in ticket.clocks if c.metric == metric), None)
        if clock is None or clock.due_at is None:
            return self.say("no_due")
        shown = clock.due_at.astimezone(ZoneInfo(self.settings.display_timezone))
        return f"{shown:%Y-%m-%d %H:%M}"

    def _owner(self, ticket: Ticket) -> str:
        team = self.session.get(Team, ticket.team_id) if ticket.team_id else None
        agent = self.session.get(User, ticket.owner_id) if ticket.owner_id else None
        if team is not None and agent is not None:
            return self.say(
                "handoff_owner", agent=agent.full_name or agent.username, team=team.name
            )
        if team is not None:
            return self.say("handoff_team", team=team.name)
        return self.say("handoff_desk")

    def _handoff(self, kind: str, complaint: str | None = None) -> _Turn:
        """Open a ticket with the whole conversation; tell who owns it and when it is due."""
        assert self.actor is not None
        first = next(m.text for m in self.conversation.messages if m.author == "customer")
        subject = "投诉 Complaint: " if kind == COMPLAINT else "助手转人工 Assistant hand-off: "
        ticket = support.create_ticket(
            self.session,
            actor=self.actor,
            data=TicketIn(
                kind=kind,
                subject=(subject + (complaint or first))[:256],
                body=self._transcript(),
                channel=TicketChannel.ASSISTANT,
                complaint=ComplaintIn(category="service") if kind == COMPLAINT else None,
            ),
            now=self.now,
        )
        self.conversation.handoff_ticket_id = ticket.id
        self.state["low_streak"] = 0
        owner = self._owner(ticket)
        due = self._due(ticket, SlaMetric.FIRST_RESPONSE)
        if kind == COMPLAINT:
            answer = self.say(
                "complaint",
                ticket=ticket.number,
                owner=owner,
                due=due,
                resolution=self._due(ticket, SlaMetric.RESOLUTION),
            )
            return _Turn(answer, Intent.COMPLAINT, ticket=ticket)
        answer = self.say("handoff", ticket=ticket.number, owner=owner, due=due)
        return _Turn(answer, Intent.HANDOFF, ticket=ticket)

    def _anonymous_handoff(self) -> _Turn:
        return _Turn(self.say("handoff_anonymous"), Intent.HANDOFF)

    def _to_ticket(self, text: str) -> _Turn:
        """After a hand-off the conversation continues on the ticket, with a person."""
        assert self.actor is not None and self.conversation.handoff_ticket_id is not None
        ticket_id = self.conversation.handoff_ticket_id
        support.add_message(
            self.session,
            actor=self.actor,
            ticket_id=ticket_id,
            data=TicketMessageIn(body=text[:8000]),
            now=self.now,
        )
        ticket = support.get_ticket(self.session, actor=self.actor, ticket_id=ticket_id)
        return _Turn(
            self.say("ticket_message", ticket=ticket.number), Intent.HANDOFF, ticket=ticket
        )
