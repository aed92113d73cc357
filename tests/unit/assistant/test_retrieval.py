import pytest

from claimdesk.assistant.embedding import HashingEmbedder
from claimdesk.assistant.knowledge import starter_entries
from claimdesk.assistant.retrieval import Index, Method, Passage, confidence

PASSAGES = [
    Passage("en/deductible", "Deductible: the first part of a loss you pay yourself", "en"),
    Passage("en/photos", "Photos of the car damage: whole vehicle with its plate", "en"),
    Passage("zh-CN/deductible", "免赔额：损失中由您自己承担的最初部分", "zh-CN"),
    Passage("zh-CN/photos", "车损照片：带车牌的车辆全貌", "zh-CN"),
]


@pytest.fixture
def index() -> Index:
    return Index(PASSAGES, HashingEmbedder())


@pytest.mark.parametrize("method", list(Method))
def test_each_method_ranks_the_matching_passage_first(index: Index, method: Method) -> None:
    hits = index.search("what deductible do I pay", method=method, lang="en")
    assert hits[0].id == "en/deductible"


def test_a_question_is_matched_only_against_passages_in_its_language(index: Index) -> None:
    hits = index.search("车牌照片怎么拍", top=10, detect_language=True)
    assert [h.id for h in hits] == ["zh-CN/photos", "zh-CN/deductible"]


def test_passages_without_a_language_are_searched_for_every_question() -> None:
    index = Index([Passage("a", "deductible"), Passage("b", "photos")], None)
    hits = index.search("deductible", method=Method.LEXICAL, detect_language=True)
    assert hits[0].id == "a"


def test_lexical_search_needs_no_model_but_semantic_does() -> None:
    index = Index(PASSAGES, None)
    assert index.search("deductible", method=Method.LEXICAL)[0].id == "en/deductible"
    with pytest.raises(ValueError, match="embedding model"):
        index.search("deductible", method=Method.SEMANTIC)


def test_an_empty_index_finds_nothing_with_no_confidence() -> None:
    index = Index([], HashingEmbedder())
    assert index.search("anything") == []
    assert confidence([]) == 0.0


def test_confidence_is_higher_for_a_question_the_passages_answer(index: Index) -> None:
    on_topic = confidence(index.search("deductible you pay yourself", lang="en"))
    off_topic = confidence(index.search("weather tomorrow in Paris", lang="en"))
    assert 0.0 <= off_topic < on_topic <= 1.0


def test_the_starter_knowledge_base_has_sixty_entries_in_each_language_paired_by_key() -> None:
    entries = starter_entries()
    by_locale = {
        locale: {e.key for e in entries if e.locale == locale} for locale in ("en", "zh-CN")
    }
    assert len(by_locale["en"]) >= 60
    assert by_locale["en"] == by_locale["zh-CN"]
    assert len({e.ref for e in entries}) == len(entries)
