"""The word cloud: size grows with frequency, nothing overlaps or leaves the box, nothing dropped
silently, the same counts give the same cloud."""

from __future__ import annotations

from coalign.pages.wordcloud import _box, _overlaps, word_cloud


def test_sizes_follow_counts_and_boxes_do_not_overlap() -> None:
    counts = {"fairness": 9, "too long": 5, "condescending": 5, "vague": 1, "rude": 3}
    cloud = word_cloud(counts, width=400, height=240)
    sizes = {w.text: w.size for w in cloud.words}
    assert sizes["fairness"] == 44.0 and sizes["vague"] == 12.0
    assert (
        sizes["fairness"]
        > sizes["too long"]
        == sizes["condescending"]
        > sizes["rude"]
        > sizes["vague"]
    )
    boxes = [_box(w.x, w.y, w.text, w.size) for w in cloud.words]
    assert all(b[0] >= 0 and b[1] >= 0 and b[2] <= 400 and b[3] <= 240 for b in boxes)
    assert not any(_overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert cloud.left_out == [] and cloud == word_cloud(counts, width=400, height=240)


def test_what_does_not_fit_is_named() -> None:
    counts = {f"term number {i}": 1 + i % 4 for i in range(80)}
    cloud = word_cloud(counts, width=200, height=100, max_words=30)
    assert len(cloud.words) + len(cloud.left_out) == 80
    assert len(cloud.words) < 30 and cloud.left_out
    assert word_cloud({}).words == [] and word_cloud({"x": 0}).words == []
    assert word_cloud({"only": 2}).words[0].size == 28.0  # one count: the middle size
