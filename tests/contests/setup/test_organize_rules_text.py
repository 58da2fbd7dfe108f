"""Rules text (thể lệ): Markdown rendered, raw HTML and scripts removed."""

from django.utils.safestring import SafeString

from contests.setup.rules_text import render_rules


def test_it_renders_markdown():
    html = render_rules("# Thể lệ\n\n## Đối tượng\n\n- **CBCCVC**\n- *Người dân*\n\n1. Một\n2. Hai")
    assert isinstance(html, SafeString)
    assert "<h2>Thể lệ</h2>" in html  # the page's own <h1> is the contest title
    assert "<h2>Đối tượng</h2>" in html
    assert "<li><strong>CBCCVC</strong></li>" in html and "<em>Người dân</em>" in html
    assert "<ol>" in html


def test_it_renders_tables():
    html = render_rules("| Giải | Số lượng |\n|---|---|\n| Nhất | 01 |")
    assert "<table>" in html and "<td>Nhất</td>" in html


def test_it_removes_scripts_and_event_handlers():
    html = render_rules(
        'Xin chào <script>alert("x")</script> <b onclick="steal()">đậm</b>\n\n'
        '<img src="x" onerror="alert(1)">\n\n<iframe src="https://evil.example"></iframe>\n\n'
        "<style>body{display:none}</style>"
    )
    assert "<script" not in html and "alert" not in html
    assert "onclick" not in html and "steal()" not in html
    assert "<img" not in html and "onerror" not in html
    assert "<iframe" not in html and "<style" not in html and "display:none" not in html
    assert "<b>đậm</b>" in html


def test_links_are_safe():
    html = render_rules(
        "[Cổng](https://dichvucong.gov.vn) [xấu](javascript:alert(1)) <a href='/x' target='_blank'>y</a>"
    )
    assert '<a href="https://dichvucong.gov.vn" rel="noopener noreferrer">Cổng</a>' in html
    assert "javascript:" not in html
    assert "target=" not in html


def test_empty_text_renders_nothing():
    assert render_rules("") == "" and render_rules("   \n") == "" and render_rules(None) == ""
