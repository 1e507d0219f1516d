"""New cards come interleaved across topics and forms from the first session; --family/--form
still narrow the pool, easiest families first within it."""
from cardgen.drill.session import slots
from exercises import TOPICS, all_families


def test_the_first_ten_new_cards_span_every_topic_and_several_forms():
    first = slots()[:10]
    assert {s.topic for s in first} == set(TOPICS)
    assert len({s.form for s in first}) >= 3
    fams = [s.family for s in first]
    assert all(a != b for a, b in zip(fams, fams[1:])), fams  # a neighbour is another family
    assert len(set(fams)) >= 8


def test_every_card_once_and_filters_narrow_it():
    every = slots()
    assert len(every) == len({s.key for s in every}) == sum(len(f.forms) for f in all_families())
    w = slots("einsum", forms=("write",))
    assert {(s.topic, s.form) for s in w} == {("einsum", "write")}
    assert [s.difficulty for s in w] == sorted(s.difficulty for s in w)  # easiest first
    two = slots(families=("einsum.matmul", "einops.transpose"))
    assert {s.family for s in two} == {"einsum.matmul", "einops.transpose"}
