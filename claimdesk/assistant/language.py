"""Which language a message is in, and the words retrieval counts (jieba for Chinese)."""

from __future__ import annotations

import logging
import re
from functools import cache

import jieba
import snowballstemmer

ZH = "zh-CN"
EN = "en"
LOCALES = (ZH, EN)
# Raise when tokenize() changes: the terms stored with knowledge-base entries are remade.
TERMS_VERSION = 2

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[._-][a-z0-9]+)*")

# Insurance words jieba would split; kept whole so a question and an entry share them.
_DOMAIN_WORDS = (
    "免赔额",
    "自付比例",
    "共付",
    "等待期",
    "保额",
    "剩余保额",
    "出险",
    "报案",
    "理赔",
    "转人工",
    "人工客服",
    "出院小结",
    "诊断证明",
    "费用清单",
    "事故认定书",
    "行驶证",
    "驾驶证",
    "第三者责任",
    "车损",
    "意外医疗",
    "伤残",
    "除外责任",
    "既往症",
    "酒驾",
    "单项限额",
    "年度限额",
    "赔付",
    "拒赔",
    "撤案",
    "重开",
    "调解",
    "仲裁",
    "诉讼",
    "满意度",
    "会员等级",
)

_STOP_EN = frozenset(
    re.findall(
        r"\S+",
        """a an the is are was were be been am i me my we our you your it its of to in on at for
        and or do does did can could would should will shall how what when where which who whom
        why this that these those there here with by from about as if so than then please hi
        hello thanks thank any some have has had get got""",
    )
)
_STOP_ZH = frozenset(
    re.findall(
        r"\S+",
        """的 了 吗 呢 吧 啊 呀 我 我们 你 你们 您 是 在 有 和 与 及 或 就 都 也 还 要 想 请问 请
        一下 什么 怎么 怎样 如何 哪些 哪个 多少 能 能否 可以 会 这 那 这个 那个 个 把 被 给 对 嘛
        么 该""",
    )
)


@cache
def _segmenter() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    for word in _DOMAIN_WORDS:
        segmenter.add_word(word, freq=20000)
    return segmenter


def detect_locale(text: str, default: str = EN) -> str:
    """zh-CN when Chinese characters carry the message, en when English words do; a reply
    with neither ("2", "5200", "ok") keeps ``default``, the conversation's language."""
    han = len(_HAN.findall(text))
    latin_words = len(_LATIN_WORD.findall(text))
    if han and han >= latin_words * 2:
        return ZH
    return EN if latin_words >= 2 or (latin_words and not han and len(text) > 12) else default


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@cache
def _stem(word: str) -> str:
    """The Snowball (Porter 2) stem: "hospitalised", "hospitalization" and "hospital"
    meet as far as English allows; British and American spellings too (-ise, -ize)."""
    return str(_stemmer().stemWord(word.replace("ize", "ise").replace("yze", "yse")))


def tokenize(text: str) -> list[str]:
    """Words for BM25, without stop words: for Chinese, jieba's search-mode segments plus
    every character bigram and character (a paraphrase rarely keeps jieba's words, it
    often keeps their characters); for English, Snowball stems."""
    words: list[str] = []
    for run in _TOKEN.findall(text.lower()):
        if _HAN.match(run):
            words.extend(w for w in _segmenter().cut_for_search(run) if w not in _STOP_ZH)
            words.extend(run[i : i + 2] for i in range(len(run) - 1))
            words.extend(c for c in run if c not in _STOP_ZH)
        elif run not in _STOP_EN:
            words.append(_stem(run))
    return words
