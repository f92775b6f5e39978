"""server.budget: answers cut into pages within the budget, and put together exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.budget import ITEM, cut_pages, join_pages, json_size


def bodies(answer: dict, room: int) -> list[dict]:
    """The pages as the assistant gets them: each body with its `continued` path."""
    out = []
    for page in cut_pages(answer, room):
        assert json_size(page.body) <= room
        out.append({**page.body, **({"continued": page.continued} if page.continued else {})})
    return out


def joined(answer: dict, room: int) -> dict:
    whole = join_pages(bodies(answer, room))
    whole.pop("continued", None)
    return whole


def test_an_answer_that_fits_is_one_page_as_it_is():
    answer = {"verdict": "isolated", "tables": [{"table": "a"}, {"table": "b"}]}
    (page,) = cut_pages(answer, 1_000)
    assert page.body is answer and page.continued == [] and page.holds == {}


def test_lists_are_cut_between_items_and_short_fields_repeat_on_every_page():
    answer = {
        "verdict": "not isolated",
        "tables": [{"table": f"t{i:03d}", "findings": ["x" * 50] * 3} for i in range(100)],
        "fix_script": "ALTER TABLE t FORCE ROW LEVEL SECURITY;\n" * 300,
    }
    pages = cut_pages(answer, 3_000)
    assert all(page.body["verdict"] == "not isolated" for page in pages)
    firsts = [page.holds["tables"][0] for page in pages if "tables" in page.holds]
    assert firsts == sorted(firsts) and firsts[0] == 1 and len(firsts) > 5
    script = [page.body["fix_script"] for page in pages if "fix_script" in page.body]
    assert all(chunk.endswith("\n") for chunk in script) and "".join(script) == answer["fix_script"]
    assert joined(answer, 3_000) == answer


def test_an_item_larger_than_a_page_is_cut_inside_and_the_next_page_says_where():
    columns = [{"name": f"c{i}", "type": "text", "comment": "y" * 40} for i in range(200)]
    answer = {"schema": "s", "tables": [{"name": "small"}, {"name": "wide", "columns": columns}]}
    pages = cut_pages(answer, 2_000)
    assert [page.continued for page in pages[2:]] == [["tables", ITEM, "columns"]] * (
        len(pages) - 2
    )
    assert all(page.body["tables"][0]["name"] == "wide" for page in pages[1:])
    assert joined(answer, 2_000) == answer


def test_a_map_of_many_short_values_is_cut_between_entries():
    answer = {"unset_behaviour": {f"app.setting_{i}": "error" for i in range(2_000)}}
    pages = cut_pages(answer, 5_000)
    assert len(pages) > 5 and joined(answer, 5_000) == answer


TEXT = st.text(alphabet=st.sampled_from('ab \n"é\\x'), max_size=300)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), TEXT.filter(lambda s: len(s) < 50))


def objects(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.dictionaries(st.sampled_from(list("abcdefgh")), children, max_size=6)


DOCUMENTS = st.recursive(
    st.one_of(SCALARS, TEXT),
    lambda children: st.one_of(st.lists(children, max_size=24), objects(children)),
    max_leaves=40,
)


@settings(max_examples=100, deadline=None)
@given(objects(DOCUMENTS), st.integers(200, 1_500))
def test_pages_partition_any_answer(answer, room):
    assert joined(answer, room) == answer
