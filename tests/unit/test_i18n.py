from chat_ui.ui.catalog import EN, ZH
from chat_ui.ui.i18n import pick_language


def test_catalogs_have_the_same_keys() -> None:
    assert set(EN) == set(ZH)


def test_pick_language_order() -> None:
    assert pick_language(chosen='en', configured='zh-CN', accept_language='zh-CN') == 'en'
    assert pick_language(chosen=None, configured='zh-CN', accept_language='en-US') == 'zh-CN'
    assert pick_language(chosen='xx', configured=None, accept_language='zh-TW,zh;q=0.9') == 'zh-CN'
    assert pick_language(chosen=None, configured=None, accept_language='fr-FR,en;q=0.5') == 'en'
    assert pick_language(chosen=None, configured=None, accept_language=None) == 'en'
