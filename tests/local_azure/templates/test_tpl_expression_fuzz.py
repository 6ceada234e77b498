"""The expression parser: round trip of generated trees, and no crash on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mocks.templates import TemplateError
from mocks.templates.expressions import Call, Index, Literal, Member, Node, parse

IDENT = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
LITERALS = st.one_of(st.text(max_size=12).map(Literal), st.integers(-(10**6), 10**6).map(Literal))


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(Call, IDENT, st.lists(children, max_size=3).map(tuple)),
        st.builds(Member, children, IDENT),
        st.builds(Index, children, children),
    )


TREES = st.recursive(
    st.one_of(LITERALS, st.builds(Call, IDENT, st.just(()))), _extend, max_leaves=12
)


@settings(max_examples=300, deadline=None)
@given(TREES)
def test_round_trip(tree: Node) -> None:
    # Bare true/false/null parse as calls, which is what to_text() writes for them.
    assert parse(tree.to_text()) == tree


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("abc()[],.'' 0123456789-_")), max_size=40)
    | st.text(max_size=30)
)
def test_anything_parses_or_raises_template_error(text: str) -> None:
    try:
        parse(text)
    except TemplateError as exc:
        assert exc.code == "InvalidTemplate"
