"""Page frames shared by every route: language, colours, the sign-in card and the signed-in header."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nicegui import app, context, ui

from chat_ui.core.config import get_settings
from chat_ui.ui.i18n import QUASAR_LANGUAGE, Language, current_language, pick_language, set_client_language, t
from chat_ui.ui.safe_html import esc, html_block
from chat_ui.ui.testid import testid

LANGUAGE_LABELS = {'zh-CN': '中文', 'en': 'EN'}


SHARED_CSS = """
:root { --q-primary: #2b87e3; }
body, .q-field, .q-btn { font-family: Roboto, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei",
  "Noto Sans CJK SC", "Noto Sans SC", sans-serif; }
.brand { display: flex; align-items: center; gap: 0.5rem; white-space: nowrap; }
.brand-mark { width: 2.5rem; height: 2.5rem; border-radius: 9999px; background: var(--q-primary); color: #fff;
  display: flex; align-items: center; justify-content: center; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.2); }
.brand-mark .material-icons { font-size: 1.25rem; }
.brand-name { font-weight: 600; letter-spacing: -0.01em; }
.q-btn-toggle .q-btn__content { flex-wrap: nowrap; white-space: nowrap; }
@media (max-width: 639px) { .brand-name, .logout-label .q-btn__content > span { display: none; } }
.chat-avatar { position: relative; flex-shrink: 0; width: 2.75rem; height: 2.75rem; border-radius: 9999px;
  display: flex; align-items: center; justify-content: center; color: #fff; font-size: 1.15rem; font-weight: 600; }
.chat-avatar[data-online]::after { content: ''; position: absolute; right: -1px; bottom: -1px; width: 0.8rem;
  height: 0.8rem; border-radius: 9999px; border: 2px solid #fff; background: #d1d5db; }
.chat-avatar[data-online="true"]::after { background: #22c55e; }
.av-0 { background: #e17076; } .av-1 { background: #7bc862; } .av-2 { background: #65aadd; }
.av-3 { background: #a695e7; } .av-4 { background: #ee7aae; } .av-5 { background: #6ec9cb; }
.av-6 { background: #faa774; } .av-7 { background: #5caffa; }
.data-list { background: transparent; }
.data-list .q-table__middle { overflow: visible; }
.data-list table { table-layout: fixed; width: 100%; }
.data-list tbody td.data-list-cell { padding: 2px 8px; height: auto; border: 0; text-align: left; }
.data-list tbody tr:hover > td, .data-list .q-table tbody tr:hover { background: transparent; }
.contact-table { flex: 1; min-height: 0; overflow-y: auto; }
.room-avatar { border-radius: 0.9rem; }
.chat-avatar-xs { width: 1.25rem; height: 1.25rem; border-radius: 9999px; display: inline-flex; align-items: center;
  justify-content: center; color: #fff; font-size: 0.7rem; font-weight: 600; flex-shrink: 0; }
.chat-sender { display: flex; align-items: center; gap: 0.35rem; font-size: 0.8rem; font-weight: 600;
  margin-bottom: 0.15rem; white-space: nowrap; overflow: hidden; }
.chat-sender-name { overflow: hidden; text-overflow: ellipsis; }
.av-text-0 { color: #c2474f; } .av-text-1 { color: #3f9a2d; } .av-text-2 { color: #2b7bbd; }
.av-text-3 { color: #7a62d6; } .av-text-4 { color: #c94a86; } .av-text-5 { color: #2a9a9c; }
.av-text-6 { color: #d1772f; } .av-text-7 { color: #2b83d6; }
.members-panel { width: 20rem; min-width: 20rem; height: 100%; background: #fff; border-left: 1px solid #e5e7eb;
  overflow-y: auto; }
@media (max-width: 767px) { .members-panel { position: absolute; inset: 0; width: 100%; min-width: 0; z-index: 5; } }
.member-row, .lobby-row { display: flex; align-items: center; gap: 0.75rem; padding: 0.4rem 0.5rem;
  border-radius: 0.75rem; min-width: 0; }
.member-row:hover, .lobby-row:hover { background: #f1f5f9; }
.member-row .chat-avatar { width: 2.25rem; height: 2.25rem; font-size: 0.95rem; }
.member-name { flex: 1; min-width: 0; font-weight: 500; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.member-role { margin-left: 0.4rem; font-size: 0.7rem; font-weight: 600; color: #2563eb; background: #dbeafe;
  border-radius: 9999px; padding: 0.05rem 0.45rem; text-transform: uppercase; letter-spacing: 0.02em; }
.contact-row { display: flex; align-items: center; gap: 0.75rem; padding: 0.45rem 0.5rem; border-radius: 0.75rem;
  cursor: pointer; min-width: 0; }
.contact-row:hover { background: #f1f5f9; }
.contact-row.active { background: #e0efff; }
.contact-name { flex: 1; min-width: 0; font-weight: 500; font-size: 0.95rem; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.chat-pane { background: #e7ebf0; }
.chat-header { background: #fff; border-bottom: 1px solid #e5e7eb; }
.chat-composer { background: #fff; border-top: 1px solid #e5e7eb; }
.chat-placeholder { flex: 1; width: 100%; display: flex; flex-direction: column; align-items: center;
  justify-content: center; gap: 0.75rem; }
.chat-placeholder > .material-icons { font-size: 4.5rem; color: #cbd5e1; }
.chat-note { background: rgba(0, 0, 0, 0.1); color: #374151; border-radius: 9999px; padding: 0.25rem 1rem;
  font-size: 0.875rem; }
.chat-note-row { display: flex; justify-content: center; padding: 1rem 0; }
.chat-body { flex: 1; min-height: 0; width: 100%; display: flex; flex-direction: column; }
.chat-scroll { width: 100%; flex: 1; min-height: 0; overflow-y: auto; display: flex; flex-direction: column-reverse;
  padding: 0.5rem 0; }
.chat-older { align-self: center; margin: 0.25rem 0 0.5rem; background: rgba(255, 255, 255, 0.7); color: #374151;
  padding: 0 0.75rem; }
.chat-messages, .chat-chunk { display: flex; flex-direction: column; gap: 0.375rem; }
.chat-chunk { background: transparent; box-shadow: none; }
.chat-chunk .q-table__grid-content { display: flex; flex-direction: column; flex-wrap: nowrap; gap: 0.375rem; }
.chat-messages { padding-bottom: 0.375rem; }
.chat-results { width: 100%; flex: 1; min-height: 0; overflow-y: auto; padding-bottom: 0.5rem; }
.chat-search-bar { position: sticky; top: 0; z-index: 1; display: flex; align-items: center; gap: 0.5rem;
  padding: 0.375rem 1rem; margin-bottom: 0.5rem; background: #fffbeb; border-bottom: 1px solid #fef3c7;
  font-size: 0.875rem; color: #374151; }
.chat-search-bar .material-icons, .chat-muted-bar .material-icons { font-size: 1.125rem; color: #b45309; }
.chat-muted-bar { width: 100%; display: flex; align-items: center; gap: 0.5rem; padding: 0.375rem 1rem;
  background: #fff7ed; border-top: 1px solid #fed7aa; font-size: 0.875rem; color: #7c2d12; }
.chat-bubble { margin: 0 0.75rem; max-width: min(80%, 42rem); padding: 0.4rem 0.75rem; border-radius: 1rem;
  box-shadow: 0 1px 1px rgba(0, 0, 0, 0.08); display: flex; flex-direction: column; }
.chat-bubble.mine { align-self: flex-end; background: var(--q-primary); color: #fff; border-bottom-right-radius: 0.375rem; }
.chat-bubble.theirs { align-self: flex-start; background: #fff; color: #111827; border-bottom-left-radius: 0.375rem; }
.chat-text { white-space: pre-wrap; overflow-wrap: anywhere; display: block; }
.chat-bubble::after { content: attr(data-time); display: block; text-align: right; font-size: 11px; line-height: 1;
  margin-top: 0.25rem; opacity: 0.6; white-space: nowrap; align-self: flex-end; }
.chat-image-link { display: block; margin-top: 0.25rem; cursor: zoom-in; }
.chat-thumb { display: block; width: 15rem; max-width: 100%; border-radius: 0.5rem; }
.chat-file { display: flex; align-items: center; gap: 0.25rem; margin-top: 0.25rem; font-size: 0.875rem; }
.chat-file .material-icons { font-size: 1.25rem; }
.chat-file-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 14rem; }
.chat-audio { width: 16rem; max-width: 100%; margin-top: 0.25rem; }
mark { background: #fee2e2; color: #dc2626; font-weight: 600; border-radius: 3px; padding: 0 1px; }
.chat-bubble.mine mark { background: #fff; color: #dc2626; }
/* --- message actions (issue 14 slice A): menu button, quotes, edited mark, recalled bubbles, banners */
.chat-bubble { position: relative; }
.chat-menu-btn { position: absolute; top: 0.15rem; width: 1.75rem; height: 1.75rem; border: 0; border-radius: 9999px;
  background: rgba(255, 255, 255, 0.85); color: #475569; cursor: pointer; display: flex; align-items: center;
  justify-content: center; opacity: 0.35; box-shadow: 0 1px 2px rgba(0, 0, 0, 0.12); padding: 0; }
.chat-menu-btn .material-icons { font-size: 1.1rem; }
.chat-bubble.mine .chat-menu-btn { left: -2.1rem; }
.chat-bubble.theirs .chat-menu-btn { right: -2.1rem; }
.chat-bubble:hover .chat-menu-btn, .chat-menu-btn:focus-visible { opacity: 1; }
@media (hover: none) { .chat-menu-btn { opacity: 0.7; } }
.chat-quote { display: flex; flex-direction: column; white-space: normal; margin: 0.1rem 0 0.35rem;
  padding: 0.25rem 0.5rem; border-left: 3px solid currentColor; border-radius: 0.4rem; background: rgba(0, 0, 0, 0.06);
  font-size: 0.8rem; cursor: pointer; max-width: 100%; }
.chat-bubble.mine .chat-quote { background: rgba(255, 255, 255, 0.18); }
.chat-quote-name { font-weight: 600; }
.chat-quote-text { opacity: 0.85; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chat-quote[data-recalled="true"] .chat-quote-text { font-style: italic; }
.chat-edited { font-size: 11px; opacity: 0.7; margin-left: 0.4rem; font-style: italic; white-space: nowrap; }
.chat-bubble.chat-recalled { align-self: center; background: rgba(0, 0, 0, 0.08); color: #475569; box-shadow: none;
  font-size: 0.85rem; padding: 0.25rem 0.9rem; border-radius: 9999px; }
.chat-bubble.chat-recalled::after { display: none; }
.chat-recalled-text { display: flex; align-items: center; gap: 0.3rem; }
.chat-recalled-text .material-icons { font-size: 1rem; }
.chat-bubble[data-highlight="true"] { outline: 3px solid #f59e0b; outline-offset: 2px;
  animation: chat-flash 1.2s ease-out 1; }
@keyframes chat-flash { from { box-shadow: 0 0 0 8px rgba(245, 158, 11, 0.45); } to { box-shadow: none; } }
.chat-newer { align-self: center; position: sticky; bottom: 0.5rem; z-index: 2; margin: 0.25rem 0; }
.chat-compose-banner { width: 100%; display: flex; align-items: center; gap: 0.5rem; padding: 0.35rem 0.75rem 0.35rem 1rem;
  background: #eff6ff; border-top: 1px solid #dbeafe; font-size: 0.85rem; color: #1e3a8a; }
.chat-compose-banner.editing { background: #fefce8; border-top-color: #fef08a; color: #713f12; }
.chat-compose-banner .banner-text { flex: 1; min-width: 0; display: flex; flex-direction: column; }
.chat-compose-banner .banner-title { font-weight: 600; }
.chat-compose-banner .banner-excerpt { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; opacity: 0.8; }
.message-menu-card { min-width: 16rem; max-width: 22rem; border-radius: 1rem; padding: 0.5rem; }
.message-menu-preview { padding: 0.5rem 0.75rem; font-size: 0.85rem; color: #475569; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; border-bottom: 1px solid #e5e7eb; margin-bottom: 0.25rem; }
/* typing, read receipts, mentions, search everywhere, dropping files (issue 14, slice B) */
.chat-typing-row { width: 100%; display: flex; align-items: center; gap: 0.5rem; padding: 0.25rem 1rem;
  font-size: 0.8rem; color: #4b5563; font-style: italic; background: transparent; }
.chat-typing-dots { display: inline-flex; gap: 3px; }
.chat-typing-dots i { width: 5px; height: 5px; border-radius: 9999px; background: #94a3b8;
  animation: chat-typing 1.2s infinite ease-in-out; }
.chat-typing-dots i:nth-child(2) { animation-delay: 0.2s; }
.chat-typing-dots i:nth-child(3) { animation-delay: 0.4s; }
@keyframes chat-typing { 0%, 60%, 100% { opacity: 0.3; transform: translateY(0); }
  30% { opacity: 1; transform: translateY(-3px); } }
.chat-read { align-self: flex-end; display: flex; align-items: center; gap: 2px; font-size: 11px; line-height: 1;
  margin-top: 0.25rem; opacity: 0.9; }
.chat-read .material-icons { font-size: 14px; }
.chat-mention { color: #1d4ed8; background: #dbeafe; border-radius: 4px; padding: 0 2px; font-weight: 600; }
.chat-bubble.mine .chat-mention { color: #fff; background: rgba(255, 255, 255, 0.25); }
.chat-bubble[data-highlight="true"] { box-shadow: 0 0 0 3px #fbbf24; }
.mention-badge { background: #f97316 !important; color: #fff; font-weight: 700; margin-right: 2px; }
.chat-drop { flex: 1; min-height: 0; width: 100%; max-height: none; background: transparent; box-shadow: none;
  border-radius: 0; color: inherit; }
.chat-drop .q-uploader__header { display: none; }
.chat-drop .q-uploader__list { padding: 0; min-height: 0; overflow: hidden; display: flex; flex-direction: column;
  flex: 1; }
.chat-drop .q-uploader__dnd { outline: 3px dashed var(--q-primary); outline-offset: -12px;
  background: rgba(43, 135, 227, 0.12); }
.chat-drop .q-uploader__overlay { background: rgba(255, 255, 255, 0.3); }
.chat-stage { position: relative; flex: 1; min-height: 0; display: flex; flex-direction: column; }
.chat-newest { position: absolute; right: 1rem; bottom: 0.75rem; z-index: 2; }
.gs-box { flex: 1; max-width: 26rem; margin-left: 1rem; }
.gs-input { flex: 1; min-width: 0; }
.gs-card { width: min(40rem, 94vw); max-height: 80vh; }
.gs-ask { padding: 0.75rem 0.75rem 0.5rem 1rem; }
.gs-head { padding: 0.5rem 1rem; border-top: 1px solid #e5e7eb; border-bottom: 1px solid #e5e7eb; background: #fffbeb; }
.gs-list { width: 100%; overflow-y: auto; }
.gs-group { display: flex; align-items: center; gap: 0.5rem; padding: 0.6rem 0.75rem 0.2rem; font-weight: 600; }
.gs-title { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.gs-count { font-size: 0.75rem; font-weight: 500; color: #6b7280; }
.gs-hit { padding: 0.4rem 0.75rem 0.5rem 2.5rem; border-radius: 0.5rem; cursor: pointer; }
.gs-hit:hover { background: #f1f5f9; }
.gs-meta { display: flex; gap: 0.5rem; font-size: 0.75rem; color: #6b7280; }
.gs-sender { font-weight: 600; color: #374151; }
.gs-text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.9rem; }
@media (max-width: 639px) { .gs-box { flex: 0 0 auto; margin-left: auto; } .gs-input { display: none; } }

/* profiles (issue 15): the announcement banner, the profile page */
.announcement-banner { position: fixed; top: 4rem; left: 50%; transform: translateX(-50%); z-index: 3000;
  width: min(40rem, calc(100vw - 1.5rem)); display: flex; align-items: flex-start; gap: 0.75rem;
  padding: 0.75rem 0.75rem 0.75rem 1rem; border-radius: 1rem; background: #fffbeb; color: #78350f;
  border: 1px solid #fcd34d; box-shadow: 0 10px 25px -5px rgb(0 0 0 / 0.15); }
.announcement-icon { font-size: 1.5rem; color: #d97706; margin-top: 0.1rem; }
.announcement-heading { font-size: 0.75rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em;
  opacity: 0.8; }
.announcement-text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.95rem; }
.member-login { margin-left: 0.35rem; font-size: 0.75rem; color: #9ca3af; font-weight: 400; }
.profile-avatar { width: 4.5rem; height: 4.5rem; font-size: 2rem; }
.avatar-img { position: absolute; inset: 0; width: 100%; height: 100%; border-radius: 9999px; object-fit: cover; }
.chat-avatar-xs { position: relative; overflow: hidden; }
"""


def install_shared_css() -> None:
    """Styles no Tailwind class expresses: search matches in red."""
    ui.add_css(SHARED_CSS, shared=True)


def prepare_page(title_key: str) -> Language:
    """Pick this client's language (also for Quasar's own strings), colours and the tab title."""
    client = context.client
    chosen = app.storage.user.get('lang')
    language = pick_language(
        chosen=chosen,
        configured=get_settings().chat_language,
        accept_language=client.request.headers.get('accept-language'),
    )
    set_client_language(client, language)
    client.page = copy.copy(client.page)
    client.page.language = QUASAR_LANGUAGE[language]
    ui.page_title(f'{t(title_key)} · {t("app_name")}')
    return language


def language_switch(*, dark: bool = False) -> None:
    """A 中文 / EN toggle that remembers the choice for this browser and reloads the page."""

    def choose(event) -> None:  # type: ignore[no-untyped-def]
        app.storage.user['lang'] = event.value
        ui.navigate.reload()

    toggle = ui.toggle(LANGUAGE_LABELS, value=current_language(), on_change=choose)
    if dark:
        toggle.props('dense no-caps rounded unelevated toggle-color=white toggle-text-color=primary text-color=white')
        toggle.classes('bg-white/20 px-1')
    else:
        toggle.props('dense no-caps rounded unelevated size=sm toggle-color=primary')
    testid(toggle, 'language-switch')


def brand(*, size: str = 'text-2xl') -> None:
    """The logo and the product name, as one element."""
    html_block(
        f'<div class="brand-mark"><i class="material-icons">forum</i></div>'
        f'<span class="brand-name {size}">{esc(t("app_name"))}</span>'
    ).classes('brand')


@contextmanager
def auth_card(title_key: str) -> Iterator[None]:
    """Centered card on a gradient: the frame of /login, /register and /init_admin."""
    prepare_page(title_key)
    context.client.layout.classes('bg-gradient-to-br from-sky-400 via-blue-500 to-indigo-600')
    with ui.column().classes('min-h-screen w-full items-center justify-center p-4 gap-4'):
        with ui.card().classes('w-full max-w-sm rounded-2xl shadow-2xl p-8 gap-4'):
            brand()
            ui.label(t('tagline')).classes('text-sm text-gray-500 -mt-2')
            ui.label(t(title_key)).classes('text-xl font-medium mt-2')
            yield
        language_switch(dark=True)


@contextmanager
def signed_in_frame(
    title_key: str,
    *,
    username: str,
    on_logout: Callable,
    on_profile: Callable | None = None,
    header_tools: Callable[[], None] | None = None,
) -> Iterator[ui.label]:
    """Header with the brand, ``header_tools`` (the chat page's search everywhere), the signed-in user, the profile
    button (when ``on_profile``), the language switch and sign-out; yields the ``current-user`` label (a page updates
    it when the display name changes)."""
    prepare_page(title_key)
    context.client.layout.classes('bg-slate-100')
    with ui.header().classes('bg-white text-gray-800 shadow-sm px-4 py-2 items-center gap-3 no-wrap'):
        brand(size='text-lg')
        if header_tools is not None:
            header_tools()
        current = testid(ui.label(username), 'current-user').classes('font-medium max-w-[10rem] truncate ml-auto')
        if on_profile is not None:
            profile = testid(ui.button(icon='account_circle', on_click=on_profile), 'goto-profile')
            profile.props('flat round dense').classes('text-gray-600')
            profile.props['title'] = t('goto_profile')
        language_switch()
        testid(ui.button(t('logout'), icon='logout', on_click=on_logout), 'logout').props('flat no-caps dense').classes(
            'text-gray-600'
        )
    yield current
