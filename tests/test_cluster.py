from pathlib import Path

from briefer.cluster import pair_scores, similarity, similarity_matrix_inputs, story_groups
from briefer.defaults import DEFAULT_STORY_THRESHOLD

STORIES = Path(__file__).parent / "data" / "stories"


def labelled() -> tuple[list[tuple[str, str]], list[list[int]]]:
    """The labelled set: files named EVENT-N.txt; same EVENT means same story."""
    docs: list[tuple[str, str]] = []
    truth: dict[str, list[int]] = {}
    for i, path in enumerate(sorted(STORIES.glob("*.txt"))):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        docs.append((title, body))
        truth.setdefault(path.stem.split("-")[0], []).append(i)
    return docs, list(truth.values())


def test_labelled_set_precision_and_recall() -> None:
    docs, truth = labelled()
    same = sum(len(g) * (len(g) - 1) // 2 for g in truth)
    assert len(docs) == 22 and same == 20  # 20 same-event pairs, 211 different-event pairs
    precision, recall = pair_scores(story_groups(docs, threshold=DEFAULT_STORY_THRESHOLD), truth)
    print(f"story clustering on the labelled set: precision {precision:.2f}, recall {recall:.2f}")
    assert precision >= 0.9 and recall >= 0.9


def test_stories_sharing_names_but_not_the_event_stay_apart() -> None:
    docs, _ = labelled()
    names = [p.stem for p in sorted(STORIES.glob("*.txt"))]
    groups = story_groups(docs)
    where = {names[i]: n for n, g in enumerate(groups) for i in g}
    # Iran appears in the pact, factory and IAEA stories; Russia in pact, factory, pipeline.
    assert len({where["pact-1"], where["factory-1"], where["iaea-1"], where["pipeline-1"]}) == 4


def test_pair_scores() -> None:
    assert pair_scores([[0, 1, 2]], [[0, 1], [2]]) == (1 / 3, 1.0)
    assert pair_scores([[0], [1]], [[0, 1]]) == (1.0, 0.0)


def test_a_chain_of_pairwise_similar_articles_is_not_one_story() -> None:
    # Article i shares most of its words with article i+1 and none with i+3: single-link
    # grouping would chain all twelve into one story.
    vocabulary = [f"term{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(200)]
    docs = []
    for i in range(12):
        words = vocabulary[i * 8 : i * 8 + 24]
        docs.append((" ".join(words[:6]), " ".join(words * 3)))
    vectors, names = similarity_matrix_inputs(docs)
    for i in range(11):
        assert similarity(vectors[i], vectors[i + 1], names[i], names[i + 1]) >= 0.2
    assert similarity(vectors[0], vectors[3], names[0], names[3]) == 0
    groups = story_groups(docs)
    assert len(groups) >= 3
    assert max(len(g) for g in groups) <= 4
    # Every group is a run of neighbours, and together they cover every article once.
    assert sorted(i for g in groups for i in g) == list(range(12))
    for group in groups:
        assert group == list(range(group[0], group[0] + len(group)))


def test_articles_with_empty_text_are_kept_apart() -> None:
    docs = [("", ""), ("Port strike", "Dockers at the port struck."), ("", ""), ("x", "")]
    groups = story_groups(docs)
    assert sorted(i for g in groups for i in g) == [0, 1, 2, 3]
