"""An unexpected failure ends on a plain page: a real heading, no stack trace, nothing saved."""


def test_an_unexpected_error_is_a_clean_500_page(app):
    def explode():
        raise RuntimeError("secret internals: /work/main/app/boom.py line 3")

    app.add_url_rule("/boom-for-test", view_func=explode)
    response = app.test_client().get("/boom-for-test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in html
    assert "property object" not in html and "Traceback" not in html and "secret internals" not in html
