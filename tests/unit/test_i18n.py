"""One mechanism for every text a user sees: the gettext catalogs of core/i18n.py."""

from __future__ import annotations

import re
from importlib import resources
from string import Formatter

import pytest

from core import i18n
from core.texts import text

TEMPLATES = resources.files("mail") / "templates"
# a key a template names: t("mail.x"), or a key chosen by an expression ("mail.x" if ...)
_KEY_IN_TEMPLATE = re.compile(r'"((?:mail|outbox)\.[a-z_.]+)"')


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field}


def _template_names() -> list[str]:
    return sorted(entry.name for entry in TEMPLATES.iterdir() if entry.name.endswith(".j2"))


def _keys_in_templates() -> set[str]:
    found: set[str] = set()
    for name in _template_names():
        found |= set(_KEY_IN_TEMPLATE.findall((TEMPLATES / name).read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_key_has_a_dutch_and_an_english_text_with_the_same_placeholders(
    domain: str,
) -> None:
    dutch, english = i18n.catalog(domain, "nl"), i18n.catalog(domain, "en")
    assert set(dutch) == set(english) == set(i18n.keys(domain))
    for key in dutch:
        assert _placeholders(dutch[key]) == _placeholders(english[key]), key


def test_a_key_lives_in_one_domain_only_so_it_means_one_text_everywhere() -> None:
    seen: dict[str, str] = {}
    for domain in i18n.DOMAINS:
        for key in i18n.keys(domain):
            assert key not in seen, f"{key!r} is in both {seen[key]}.po and {domain}.po"
            seen[key] = domain


def test_every_key_the_e_mail_templates_use_exists_and_every_mail_text_is_used() -> None:
    used = _keys_in_templates()
    for key in used:
        assert i18n.has(key), f"a template uses {key!r}, which no catalog has"
        assert i18n.t(key, "en") and i18n.t(key, "nl")
    assert set(i18n.keys("mail")) <= used, "a mail.po entry no template uses"


def test_the_chat_and_the_e_mail_share_the_wording_they_have_in_common() -> None:
    assert "outbox.by" in i18n.catalog("core", "nl")  # core.po: shared by every channel
    assert "outbox.by" in _keys_in_templates()
    for language in i18n.LANGUAGES:
        assert "{by}" in i18n.catalog("chat", language)["outbox.registration.updated"]
        assert "{by}" in i18n.catalog("mail", language)["mail.registration.updated.intro"]


def test_there_is_one_e_mail_template_per_kind_not_one_per_language() -> None:
    names = _template_names()
    assert "registration.confirmed.j2" in names
    per_language = [n for n in names if re.search(r"\.(nl|en)\.j2$", n)]
    assert per_language == []


def test_core_messages_come_from_the_catalog_through_the_old_names() -> None:
    assert i18n.has("required", "core") and not i18n.has("progress", "core")
    assert text("too_long", "en", length=5, max=3) == i18n.t("too_long", "en", length=5, max=3)
    assert text("required", "nl") == "Dit veld is verplicht."
    assert text("required", "fr") == "Dit veld is verplicht."
