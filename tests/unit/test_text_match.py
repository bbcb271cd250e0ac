"""One matching rule (Unicode case folding) for search candidates, counts and marks."""

import pytest

from chat_ui.services.text_match import contains, fold, spans
from chat_ui.ui.highlight import highlight


@pytest.mark.parametrize(
    ('text', 'keyword', 'marked'),
    [
        ('ΟΔΟΣ', 'σ', 'ΟΔΟ<mark>Σ</mark>'),
        ('ΟΔΟΣ', 'Σ', 'ΟΔΟ<mark>Σ</mark>'),
        ('ΟΔΟΣ', 'ς', 'ΟΔΟ<mark>Σ</mark>'),
        ('οδος', 'ΟΔΟΣ', '<mark>οδος</mark>'),
        ('Straße', 'SS', 'Stra<mark>ß</mark>e'),
        ('STRASSE', 'straße', '<mark>STRASSE</mark>'),
        ('Straße', 'ẞ', 'Stra<mark>ß</mark>e'),
        ('ﬁne ﬁsh', 'FI', '<mark>ﬁ</mark>ne <mark>ﬁ</mark>sh'),
        ('ﬁne', 'i', '<mark>ﬁ</mark>ne'),
        ('ßß', 's', '<mark>ß</mark><mark>ß</mark>'),
        ('İstanbul', 'istanbul', '<mark>İstanbul</mark>'),
        ('İstanbul', 'İST', '<mark>İst</mark>anbul'),
        ('MiXeD cAsE', 'mixed CASE', '<mark>MiXeD cAsE</mark>'),
        ('我爱苹果', '苹', '我爱<mark>苹</mark>果'),
        ('party 🎉 time 🎉', '🎉', 'party <mark>🎉</mark> time <mark>🎉</mark>'),
        ('50% off', '%', '50<mark>%</mark> off'),
        ('a_b', '_', 'a<mark>_</mark>b'),
        ('back\\slash', '\\', 'back<mark>\\</mark>slash'),
        ('a (b) [c]', '(b)', 'a <mark>(b)</mark> [c]'),
        ('a.b.c', '.', 'a<mark>.</mark>b<mark>.</mark>c'),
        ('aaaa', 'aa', '<mark>aa</mark><mark>aa</mark>'),
        ('<b>Hi</b> hi', 'hi', '&lt;b&gt;<mark>Hi</mark>&lt;/b&gt; <mark>hi</mark>'),
        ('x ß <s>', 'ß <', 'x <mark>ß &lt;</mark>s&gt;'),
        ('nothing here', 'zebra', 'nothing here'),
    ],
)
def test_marks_cover_whole_original_characters(text: str, keyword: str, marked: str) -> None:
    assert highlight(text, keyword) == marked
    assert contains(fold(text), fold(keyword)) == ('<mark>' in marked)
    assert bool(spans(text, keyword)) == contains(fold(text), fold(keyword))


def test_fold_is_the_same_per_character_and_for_the_whole_text() -> None:
    """The mapping back to original characters relies on folding being per character (no context)."""
    sample = 'ΟΔΟΣ Straße ﬁ İı ǰ ΐ Σς K Å µ 𐐀 ＡＢ'
    assert fold(sample) == ''.join(fold(c) for c in sample)
    assert fold('ΟΔΟΣ') == fold('οδος') == fold('οδοσ')


def test_empty_keyword_marks_nothing() -> None:
    assert spans('abc', '') == []
    assert highlight('a<b', '') == 'a&lt;b'
