"""/login: sign in, with a CAPTCHA after repeated failures."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from chat_ui.core.worker import off_loop
from chat_ui.services import accounts
from chat_ui.services.accounts import LoginRefused
from chat_ui.services.rules.captcha import Challenge, new_challenge
from chat_ui.ui.forms import error_banner, show, submit_button, text_field
from chat_ui.ui.guard import NOTICES, store_token, stored_token
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import set_props, testid
from chat_ui.ui.theme import auth_card


def register() -> None:
    @ui.page('/login')
    async def login_page(request: Request, notice: str | None = None) -> RedirectResponse | None:
        info = await accounts.current_session(stored_token())
        if info is not None:
            return RedirectResponse('/admin' if info.is_admin else '/')
        ip = request.client.host if request.client else None
        user_agent = request.headers.get('user-agent')
        challenge: Challenge | None = None

        with auth_card('login_title'):
            if notice in NOTICES:
                testid(ui.label(t(f'notice_{notice}')), 'login-notice').props('role=status').classes(
                    'w-full text-sm text-blue-900 bg-blue-50 rounded-lg px-3 py-2'
                )
            username = text_field(t('username'), 'login-username', max_length=128)
            password = text_field(t('password'), 'login-password', password=True, max_length=128)
            with ui.column().classes('w-full gap-2') as captcha_box:
                with ui.row().classes('w-full items-center gap-2 no-wrap'):
                    captcha_image = (
                        ui.image().classes('w-40 h-[60px] rounded border border-gray-300').props('no-spinner')
                    )
                    refresh = ui.button(icon='refresh', on_click=lambda: refresh_captcha()).props('flat round dense')
                    set_props(refresh, {'aria-label': t('captcha_refresh')})
                captcha = text_field(t('captcha_label'), 'login-captcha', hint=t('captcha_hint'), max_length=8)
            captcha_box.set_visibility(False)
            error = error_banner('login-error')
            button = submit_button(t('login_submit'), 'login-submit')
            with ui.row().classes('w-full justify-center gap-1 text-sm'):
                ui.label(t('no_account')).classes('text-gray-500')
                testid(ui.link(t('goto_register'), '/register'), 'goto-register').classes(
                    'text-primary font-medium no-underline'
                )

        async def refresh_captcha() -> None:
            nonlocal challenge
            challenge = await off_loop(new_challenge)
            captcha_image.set_source(challenge.data_url)
            captcha.value = ''
            captcha_box.set_visibility(True)

        async def submit() -> None:
            captcha_ok = challenge.accepts(captcha.value or '') if challenge else None
            button.props('loading')
            try:
                token, info = await accounts.login(
                    username.value or '', password.value or '', captcha_ok=captcha_ok, ip=ip, user_agent=user_agent
                )
            except LoginRefused as refusal:
                show(error, t(refusal.key, **refusal.params))
                password.value = ''
                if refusal.captcha_required:
                    await refresh_captcha()
                return
            finally:
                button.props(remove='loading')
            store_token(token)
            ui.navigate.to('/admin' if info.is_admin else '/')

        button.on_click(submit)
        for field in (username, password, captcha):
            field.on('keydown.enter', submit)
        return None
