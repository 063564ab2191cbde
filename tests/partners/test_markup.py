from partners.markup import render


def test_markup_escapes_html():
    html = render("<script>alert(1)</script>\n\n## <b>Head</b>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<h2>&lt;b&gt;Head&lt;/b&gt;</h2>" in html


def test_markup_paragraphs_lists_and_links():
    html = render("First line\nsecond line\n\n- one\n- two\nAfter https://example.org/x")
    assert "<p>First line<br>second line</p>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert '<a href="https://example.org/x" rel="nofollow">https://example.org/x</a>' in html


def test_markup_subheadings():
    assert render("### Small") == "<h3>Small</h3>"
