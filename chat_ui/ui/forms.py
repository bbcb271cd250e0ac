"""Small form helpers shared by the sign-in pages."""

from __future__ import annotations

from nicegui import ui

from chat_ui.ui.i18n import t
from chat_ui.ui.testid import set_props, testid


def text_field(
    label: str,
    name: str,
    *,
    password: bool = False,
    hint: str | None = None,
    max_length: int = 256,
    autofill: str = 'off',
    value: str = '',
) -> ui.input:
    """An outlined input; ``autofill`` is its ``autocomplete`` hint (``username``, ``current-password``,
    ``new-password``, ``nickname``), so a password manager fills the right fields and never the others.

    ``value`` is given at creation: a value set afterwards is an update that NiceGUI sends only once the page is
    connected, and if it arrives after the person has started typing it puts the old text back."""
    field = ui.input(label, value=value, password=password, password_toggle_button=password).classes('w-full')
    testid(set_props(field.props('outlined dense'), {'maxlength': max_length, 'autocomplete': autofill}), name)
    if hint:  # hide-bottom-space: the hint takes the lines it needs instead of overflowing one reserved line
        set_props(field.props('hide-bottom-space'), {'hint': hint})
    return field


def new_account_fields(prefix: str) -> tuple[ui.input, ui.input]:
    """The login name and the new password of an account being made (``<prefix>-username``, ``<prefix>-password``),
    with their rules as hints."""
    username = text_field(
        t('username'), f'{prefix}-username', hint=t('username_rules'), max_length=64, autofill='username'
    )
    password = text_field(
        t('password'),
        f'{prefix}-password',
        password=True,
        hint=t('password_rules'),
        max_length=256,
        autofill='new-password',
    )
    return username, password


def error_banner(name: str) -> ui.label:
    """A red message line, hidden until it has something to say."""
    label = ui.label().classes('w-full text-sm text-red-700 bg-red-50 rounded-lg px-3 py-2')
    testid(label.props('role=alert'), name)
    label.set_visibility(False)
    return label


def show(label: ui.label, text: str) -> None:
    label.set_text(text)
    label.set_visibility(True)


def submit_button(text: str, name: str) -> ui.button:
    return testid(ui.button(text).props('unelevated no-caps'), name).classes('w-full rounded-lg py-2 text-base')
