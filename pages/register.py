"""/register: create an account, then go to /login."""

from __future__ import annotations

from nicegui import ui

from chat_ui.core.errors import ChatError
from chat_ui.services import accounts
from chat_ui.ui.forms import error_banner, new_account_fields, show, submit_button, text_field
from chat_ui.ui.i18n import t
from chat_ui.ui.theme import auth_card


def register() -> None:
    @ui.page('/register')
    def register_page() -> None:
        with auth_card('register_title'):
            username, password = new_account_fields('register')
            password2 = text_field(
                t('password_again'), 'register-password2', password=True, max_length=256, autofill='new-password'
            )
            error = error_banner('register-error')
            button = submit_button(t('register_submit'), 'register-submit')
            with ui.row().classes('w-full justify-center gap-1 text-sm'):
                ui.label(t('have_account')).classes('text-gray-500')
                ui.link(t('goto_login'), '/login').classes('text-primary font-medium no-underline')

        async def submit() -> None:
            button.props('loading')
            try:
                await accounts.register(username.value or '', password.value or '', password2.value or '')
            except ChatError as refusal:
                show(error, t(refusal.key, **refusal.params))
                return
            finally:
                button.props(remove='loading')
            ui.navigate.to('/login?notice=registered')

        button.on_click(submit)
        password2.on('keydown.enter', submit)
