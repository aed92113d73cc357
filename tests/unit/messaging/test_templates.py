"""Every shipped template renders its example values in both languages, safely."""

import pytest

from claimdesk.messaging.enums import MessageEvent
from claimdesk.messaging.rules import LOCALES, SMS_MAX_CHARS
from claimdesk.messaging.templates import (
    TemplateInvalid,
    default_source,
    render_source,
    sample_params,
)


@pytest.mark.parametrize("event", list(MessageEvent))
@pytest.mark.parametrize("locale", LOCALES)
def test_every_shipped_template_renders_its_examples(event, locale):
    rendered = render_source(default_source(event, locale), sample_params(event, locale))
    assert rendered.subject and rendered.text and rendered.html and rendered.sms
    assert "\n" not in rendered.subject and len(rendered.sms) <= SMS_MAX_CHARS


def test_the_html_part_escapes_values_and_the_text_part_keeps_them():
    source = (
        "{% block subject %}S{% endblock %}{% block text %}{{ v }}{% endblock %}"
        "{% block html %}<p>{{ v }}</p>{% endblock %}{% block sms %}{{ v }}{% endblock %}"
    )
    rendered = render_source(source, {"v": "<script>x</script>"})
    assert rendered.text == "<script>x</script>"
    assert rendered.html == "<p>&lt;script&gt;x&lt;/script&gt;</p>"


def test_without_an_html_block_the_html_is_made_from_the_text():
    source = (
        "{% block subject %}S{% endblock %}{% block text %}a & b\nc\n\nd{% endblock %}"
        "{% block sms %}s{% endblock %}"
    )
    assert render_source(source, {}).html == "<p>a &amp; b<br>c</p><p>d</p>"


def test_a_template_cannot_reach_python_internals():
    source = (
        "{% block subject %}{{ ''.__class__.__mro__ }}{% endblock %}"
        "{% block text %}t{% endblock %}{% block sms %}s{% endblock %}"
    )
    with pytest.raises(TemplateInvalid):
        render_source(source, {})
