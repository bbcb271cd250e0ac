"""The CAPTCHA of the sign-in and admin set-up forms: hidden until the server asks for it; the answer stays here."""

from __future__ import annotations

from nicegui import ui

from chat_ui.core.worker import off_loop
from chat_ui.services.rules.captcha import Challenge, new_challenge
from chat_ui.ui.forms import text_field
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import set_props


class CaptchaBox:
    """A server-drawn picture, a button for a new one, and the input (test id ``name``)."""

    def __init__(self, name: str) -> None:
        self._challenge: Challenge | None = None
        with ui.column().classes('w-full gap-2') as self._box:
            with ui.row().classes('w-full items-center gap-2 no-wrap'):
                self._image = ui.image().classes('w-40 h-[60px] rounded border border-gray-300').props('no-spinner')
                refresh = ui.button(icon='refresh', on_click=self.refresh).props('flat round dense')
                set_props(refresh, {'aria-label': t('captcha_refresh')})
            self.field = text_field(t('captcha_label'), name, hint=t('captcha_hint'), max_length=8)
        self._box.set_visibility(False)

    def answer_ok(self) -> bool | None:
        """None while no picture was shown, else whether the typed code matches it."""
        return self._challenge.accepts(self.field.value or '') if self._challenge else None

    async def refresh(self) -> None:
        """Show (a new) picture and empty the input."""
        self._challenge = await off_loop(new_challenge)
        self._image.set_source(self._challenge.data_url)
        self.field.value = ''
        self._box.set_visibility(True)
