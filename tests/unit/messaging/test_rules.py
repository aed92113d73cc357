"""Pure rules of customer communications."""

from claimdesk.claims.enums import ClaimAction
from claimdesk.messaging import rules
from claimdesk.messaging.enums import Category, MessageChannel, MessageEvent
from claimdesk.messaging.sms import e164
from claimdesk.security.enums import Role
from claimdesk.security.service import SYSTEM, Actor

EMAIL, SMS = MessageChannel.EMAIL, MessageChannel.SMS
BOTH = {EMAIL: "li@example.com", SMS: "13900001234"}


def test_optional_messages_go_on_the_chosen_channels_unless_the_customer_opted_out():
    assert rules.channels_for(rules.Preferences(), BOTH, Category.OPTIONAL) == [EMAIL, SMS]
    assert rules.channels_for(rules.Preferences((SMS,)), BOTH, Category.OPTIONAL) == [SMS]
    opted_out = rules.Preferences((EMAIL,), opt_out_non_statutory=True)
    assert rules.channels_for(opted_out, BOTH, Category.OPTIONAL) == []
    assert rules.channels_for(opted_out, BOTH, Category.SERVICE) == [EMAIL]


def test_a_statutory_notice_always_finds_a_channel_the_customer_has():
    only_email = rules.Preferences((EMAIL,), opt_out_non_statutory=True)
    assert rules.channels_for(only_email, BOTH, Category.STATUTORY) == [EMAIL]
    assert rules.channels_for(only_email, {EMAIL: None, SMS: "139"}, Category.STATUTORY) == [SMS]
    assert rules.channels_for(rules.Preferences(()), BOTH, Category.STATUTORY) == [EMAIL, SMS]
    assert rules.channels_for(rules.Preferences(), {}, Category.STATUTORY) == []


def test_only_customer_visible_claim_steps_make_a_message():
    assert (
        rules.CLAIM_STEP_EVENTS[ClaimAction.REQUEST_DOCUMENTS] == MessageEvent.DOCUMENTS_REQUESTED
    )
    for internal in (ClaimAction.REFER_TO_SIU, ClaimAction.ASSESS, ClaimAction.VERIFY_COVERAGE):
        assert internal not in rules.CLAIM_STEP_EVENTS
    statutory = {e for e, c in rules.CATEGORY.items() if c == Category.STATUTORY}
    assert statutory == {
        MessageEvent.CLAIM_REPORTED,
        MessageEvent.DOCUMENTS_REQUESTED,
        MessageEvent.CLAIM_APPROVED,
        MessageEvent.CLAIM_DENIED,
        MessageEvent.CLAIM_PAID,
    }


def test_steps_the_system_takes_by_itself_are_automatic_and_people_s_are_not():
    assert rules.is_automatic(SYSTEM)
    assert not rules.is_automatic(Actor(user_id=7, role=Role.ADJUSTER))
    assert not rules.is_automatic(Actor(user_id=None, role=Role.CUSTOMER, customer_id=3))


def test_a_digest_is_as_binding_as_its_most_binding_part():
    assert rules.strongest([Category.OPTIONAL, Category.STATUTORY]) == Category.STATUTORY
    assert rules.strongest([Category.OPTIONAL, Category.SERVICE]) == Category.SERVICE


def test_authentication_results_are_read_from_the_trusted_server_only():
    forged = "evil.example; spf=pass; dkim=pass; dmarc=pass"
    ours = (
        "mx.ours (version 1); spf=softfail (not permitted) smtp.mailfrom=a.example; "
        "dkim=pass header.d=a.example; dmarc=fail"
    )
    assert rules.auth_results([forged, ours], "mx.ours") == rules.AuthResults(
        "softfail", "pass", "fail"
    )
    assert rules.auth_results([forged, ours], None) == rules.AuthResults("pass", "pass", "pass")
    assert rules.auth_results([], None) == rules.AuthResults()
    assert rules.AuthResults("fail", "none", None).failed
    assert not rules.AuthResults("fail", "pass", None).failed
    assert rules.AuthResults(None, None, "fail").failed
    assert not rules.AuthResults().failed


def test_replies_are_threaded_by_the_ids_they_name_nearest_first():
    assert rules.referenced_ids("<b@x>", "<t@x> <a@x> <b@x>") == ["<b@x>", "<a@x>", "<t@x>"]
    assert rules.referenced_ids(None, None) == []
    assert rules.ticket_number_in("Re: [TKT202606150000007] help") == "TKT202606150000007"
    assert rules.ticket_number_in("TKT2026") is None
    assert rules.claim_numbers_in("CLM202606150000001 and CLM202606150000001") == [
        "CLM202606150000001"
    ]


def test_quoted_text_under_a_reply_is_left_out():
    body = (
        "Thanks, that helps.\n\nOn Mon, 15 Jun 2026 ClaimDesk wrote:\n> Your claim\n> was paid.\n"
    )
    assert rules.strip_quoted(body) == "Thanks, that helps."
    assert rules.strip_quoted("谢谢！\n\n在 2026年6月15日 ClaimDesk 写道：\n> 已支付\n") == "谢谢！"
    assert rules.strip_quoted("> only quoted") == ""


def test_accounts_show_their_last_four_digits_and_sms_stay_short():
    assert rules.mask_account("6222 0202 0000 1234") == "**** 1234"
    assert rules.mask_account("12") == "****"
    assert len(rules.sms_text("x " * 200)) == rules.SMS_MAX_CHARS
    assert rules.sms_text(" a\n b ") == "a b"


def test_phone_numbers_are_sent_in_international_form():
    assert e164("139 0000 1234", "+86") == "+8613900001234"
    assert e164("+44 20 7946 0000", "+86") == "+442079460000"
    assert e164("0085291234567", "+86") == "+85291234567"


def test_languages_of_customers_and_of_strangers():
    assert rules.locale_of("en") == "en" and rules.locale_of("zh-CN") == "zh-CN"
    assert rules.locale_of(None) == "zh-CN"
    assert rules.guess_locale("我的理赔") == "zh-CN" and rules.guess_locale("my claim") == "en"
    assert rules.message_id("claim:1:event:2:email", "ClaimDesk <c@claims.example>") == (
        rules.message_id("claim:1:event:2:email", "c@claims.example")
    )
    assert rules.message_id("k", "c@claims.example").endswith("@claims.example>")
