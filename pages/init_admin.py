"""/init_admin: create the single administrator, guarded by INIT_ADMIN_SECRET (throttled like /login, with its
CAPTCHA after repeated wrong secrets)."""

from __future__ import annotations

from nicegui import ui

from chat_ui.core.config import get_settings
from chat_ui.core.errors import ChatError
from chat_ui.services import accounts
from chat_ui.services.accounts import LoginRefused
from chat_ui.ui.forms import error_banner, new_account_fields, show, submit_button, text_field
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.theme import auth_card
from chat_ui.ui.widgets.captcha_box import CaptchaBox


def register() -> None:
    @ui.page('/init_admin')
    async def init_admin_page() -> None:
        expected = get_settings().init_admin_secret
        exists = await accounts.admin_exists()
        with auth_card('init_title'):
            if exists:
                testid(ui.label(t('init_closed')), 'init-closed').classes(
                    'w-full text-gray-700 bg-amber-50 rounded-lg px-3 py-3'
                )
                ui.link(t('goto_login'), '/login').classes('text-primary font-medium no-underline')
                return
            if not expected:
                testid(ui.label(t('init_disabled')), 'init-error').props('role=alert').classes(
                    'w-full text-sm text-red-700 bg-red-50 rounded-lg px-3 py-3'
                )
                return
            ui.label(t('init_intro')).classes('text-sm text-gray-600')
            secret = text_field(
                t('init_secret'), 'init-secret', password=True, hint=t('init_secret_hint'), max_length=256
            )
            username, password = new_account_fields('init')
            captcha = CaptchaBox('init-captcha')
            error = error_banner('init-error')
            button = submit_button(t('init_submit'), 'init-submit')

        async def submit() -> None:
            captcha_ok = captcha.answer_ok()
            button.props('loading')
            try:
                await accounts.init_admin(
                    secret=secret.value or '',
                    expected_secret=get_settings().init_admin_secret,
                    username=username.value or '',
                    password=password.value or '',
                    password2=password.value or '',
                    captcha_ok=captcha_ok,
                )
            except ChatError as refusal:
                show(error, t(refusal.key, **refusal.params))
                if isinstance(refusal, LoginRefused):
                    secret.value = ''
                    if refusal.captcha_required:
                        await captcha.refresh()
                return
            finally:
                button.props(remove='loading')
            ui.navigate.to('/login?notice=admin_created')

        button.on_click(submit)
        for field in (password, captcha.field):
            field.on('keydown.enter', submit)
