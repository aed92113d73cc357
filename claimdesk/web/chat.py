"""How the assistant's answers read in the chat: paragraphs and lists instead of one run
of text, and the answers a customer can give with a click (the options the assistant
listed, the phrases it quoted for them to say)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NUMBERED = re.compile(r"^\s*(\d{1,2})[.、]\s*(.+)$")
_BULLET = re.compile(r"^\s*[-•·]\s*(.+)$")
# A phrase quoted for the customer to say: “还缺哪些材料”, "talk to a person".
_QUOTED = re.compile(r"“([^”\n]{1,24})”|\"([^\"\n]{1,40})\"")


@dataclass(frozen=True)
class Item:
    text: str
    send: str  # what clicking it says to the assistant


@dataclass
class Block:
    kind: str  # "p", "ul" or "ol"
    text: str = ""
    items: list[Item] = field(default_factory=list)


def _send(text: str, number: str | None, intent: str) -> str:
    """What picking an option says: a number in a report's steps (the dialogue takes
    one), the question itself among the knowledge base's options, the code before a
    colon for a list of claims or policies."""
    if number is not None:
        return number if intent != "clarify" else text
    head, colon, _ = text.partition(":")
    return head.strip() if colon and head.strip() and " " not in head.strip() else text


def blocks(answer: str, intent: str) -> list[Block]:
    """The answer as paragraphs and lists, in order."""
    result: list[Block] = []
    for line in answer.splitlines():
        if not line.strip():
            continue
        numbered, bullet = _NUMBERED.match(line), _BULLET.match(line)
        kind = "ol" if numbered else "ul" if bullet else "p"
        if kind == "p":
            result.append(Block("p", text=line.strip()))
            continue
        text = (numbered.group(2) if numbered else bullet.group(1)).strip()  # type: ignore[union-attr]
        item = Item(text, _send(text, numbered.group(1) if numbered else None, intent))
        if not result or result[-1].kind != kind:
            result.append(Block(kind))
        result[-1].items.append(item)
    return result


def suggestions(answer: str) -> list[str]:
    """The phrases the answer quotes for the customer to say, once each."""
    found = [a or b for a, b in _QUOTED.findall(answer)]
    return list(dict.fromkeys(s.strip() for s in found if s.strip()))
