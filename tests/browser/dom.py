"""An HTML document read back as a tree with the standard library's parser, for the tests.

Also the whitelist of the elements and attributes :mod:`checker.report.html` writes:
anything else in a rendered page came from the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import ClassVar

#: Every element and attribute the renderer writes. Anything else came from the input.
TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3",
    "p", "strong", "section", "div", "span", "bdi", "code", "table", "thead", "tbody", "tr",
    "th", "td", "ul", "li", "dl", "dt", "dd", "footer",
    "svg", "path", "line", "text", "rect",
}  # fmt: skip
ATTRIBUTES = {
    "lang", "charset", "http-equiv", "content", "name", "class", "id", "data-risk",
    "aria-label", "role", "viewbox", "width", "height", "xmlns", "d", "x", "y", "x1", "y1",
    "x2", "y2", "rx", "text-anchor",
}  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""  # the text directly and indirectly inside it
    children: list[Element] = field(default_factory=list)

    def find(self, tag: str, cls: str | None = None) -> list[Element]:
        found = []
        for child in self.children:
            if child.tag == tag and (cls is None or cls in child.attrs.get("class", "").split()):
                found.append(child)
            found.extend(child.find(tag, cls))
        return found


class Tree(HTMLParser):
    VOID: ClassVar[frozenset[str]] = frozenset({"meta"})  # the void elements we write

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.all: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        self.all.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        self.all.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text += data


def parse(document: str) -> Tree:
    tree = Tree()
    tree.feed(document)
    tree.close()
    assert [e.tag for e in tree.stack] == ["#document"], "unclosed elements"
    return tree
