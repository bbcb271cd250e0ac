"""/login: sign in, with a CAPTCHA after repeated failures."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from chat_ui.services import accounts, tickets
from chat_ui.services.accounts import LoginRefused
from chat_ui.ui.forms import error_banner, show, submit_button, text_field
from chat_ui.ui.guard import NOTICES, browser_id, sign_in_url, stored_token
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.theme import auth_card
from chat_ui.ui.widgets.captcha_box import CaptchaBox


def register() -> None:
    @ui.page('/login')
    async def login_page(request: Request, notice: str | None = None) -> RedirectResponse | None:
        info = await accounts.current_session(stored_token())
        if info is not None:
            return RedirectResponse('/admin' if info.is_admin else '/')
        ip = request.client.host if request.client else None
        user_agent = request.headers.get('user-agent')
        browser = browser_id(request)

        with auth_card('login_title'):
            if notice in NOTICES:
                testid(ui.label(t(f'notice_{notice}')), 'login-notice').props('role=status').classes(
                    'w-full text-sm text-blue-900 bg-blue-50 rounded-lg px-3 py-2'
                )
            username = text_field(t('username'), 'login-username', max_length=128, autofill='username')
            password = text_field(
                t('password'), 'login-password', password=True, max_length=128, autofill='current-password'
            )
            captcha = CaptchaBox('login-captcha')
            error = error_banner('login-error')
            button = submit_button(t('login_submit'), 'login-submit')
            with ui.row().classes('w-full justify-center gap-1 text-sm'):
                ui.label(t('no_account')).classes('text-gray-500')
                testid(ui.link(t('goto_register'), '/register'), 'goto-register').classes(
                    'text-primary font-medium no-underline'
                )

        async def submit() -> None:
            captcha_ok = captcha.answer_ok()
            button.props('loading')
            try:
                token, _ = await accounts.login(
                    username.value or '', password.value or '', captcha_ok=captcha_ok, ip=ip, user_agent=user_agent
                )
            except LoginRefused as refusal:
                show(error, t(refusal.key, **refusal.params))
                password.value = ''
                if refusal.captcha_required:
                    await captcha.refresh()
                return
            finally:
                button.props(remove='loading')
            # A websocket event cannot set a cookie: the browser fetches its new identity with a one-time ticket.
            ui.navigate.to(sign_in_url(tickets.issue(token, browser_id=browser)))

        button.on_click(submit)
        for field in (username, password, captcha.field):
            field.on('keydown.enter', submit)
        return None
