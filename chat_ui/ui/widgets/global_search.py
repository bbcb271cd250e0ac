"""Search across all of one's conversations: the box in the header (``global-search-input``, ``global-search-submit``
or Enter) and a dialog of results grouped by conversation, the keyword highlighted. A result (``global-result``,
``data-conversation``) opens its conversation at that message. Results are row data of one ``DataList`` (text parts
interpolated by the template, never HTML); the dialog exists only while it is shown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from chat_ui.core.errors import ChatError
from chat_ui.core.views import GlobalSearchResult, MessageView
from chat_ui.services.text_match import spans
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.timefmt import short_time
from chat_ui.ui.widgets.avatar import colour_index, initial
from chat_ui.ui.widgets.data_list import DataList

SNIPPET = 140  # characters of a long message shown around its first match

ROW_TEMPLATE = """
<div v-if="props.row.g" class="gs-group" data-testid="global-group" :data-conversation="props.row.cid">
  <div :class="(props.row.r ? 'chat-avatar-xs room-avatar av-' : 'chat-avatar-xs av-') + props.row.c">{{ props.row.i }}</div>
  <span class="gs-title">{{ props.row.title }}</span><span class="gs-count">{{ props.row.n }}</span>
</div>
<div v-else class="gs-hit" data-testid="global-result" :data-conversation="props.row.cid" :data-id="props.row.mid">
  <div class="gs-meta"><span class="gs-sender">{{ props.row.s }}</span><span>{{ props.row.t }}</span></div>
  <div class="gs-text"><template v-for="(x, j) in props.row.p" :key="j"><mark v-if="x[1]">{{ x[0] }}</mark><template
    v-else>{{ x[0] }}</template></template></div>
</div>
"""


def snippet_parts(text: str, keyword: str) -> list[list[Any]]:
    """``[text, 1 if a match else 0]`` parts of the text (cut around the first match when long)."""
    found = spans(text, keyword)
    prefix = suffix = ''
    if len(text) > SNIPPET:
        start = max(0, (found[0][0] if found else 0) - SNIPPET // 3)
        end = min(len(text), start + SNIPPET)
        prefix, suffix = ('…' if start else ''), ('…' if end < len(text) else '')
        text = text[start:end]
        found = spans(text, keyword)
    parts: list[list[Any]] = [[prefix, 0]] if prefix else []
    last = 0
    for start, end in found:
        if start > last:
            parts.append([text[last:start], 0])
        parts.append([text[start:end], 1])
        last = end
    if last < len(text):
        parts.append([text[last:], 0])
    if suffix:
        parts.append([suffix, 0])
    return parts


def result_rows(result: GlobalSearchResult) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for group in result.groups:
        room = group.kind == 'room'
        rows.append(
            {
                'id': f'g{group.conversation_id}',
                'g': 1,
                'cid': group.conversation_id,
                'title': group.title,
                'r': room,
                'i': initial(group.title),
                'c': colour_index(group.conversation_id),
                'n': t('global_search_group_count', count=group.count),
            }
        )
        rows += [hit_row(view, result.keyword) for view in group.messages]
    return rows


def hit_row(view: MessageView, keyword: str) -> dict[str, Any]:
    return {
        'id': view.id,
        'cid': view.conversation_id,
        'mid': view.id,
        's': view.sender_name,
        't': short_time(view.created_at),
        'p': snippet_parts(view.body or '', keyword),
    }


class GlobalSearch:
    """``search(keyword)`` answers (or raises ``ChatError``); ``on_open(conversation id, message id)`` opens a hit."""

    def __init__(
        self,
        anchor: ui.element,
        *,
        search: Callable[[str], Awaitable[GlobalSearchResult | None]],
        on_open: Callable[[int, int], Awaitable[None]],
    ) -> None:
        self.anchor = anchor
        self._search = search
        self._on_open = on_open
        self.dialog: ui.dialog | None = None
        self.hits: dict[int, int] = {}  # message id -> conversation id of the shown results
        with ui.row().classes('gs-box items-center gap-0 no-wrap'):
            self.input = testid(ui.input(placeholder=t('global_search_placeholder')), 'global-search-input')
            self.input.props('dense outlined rounded maxlength=100').classes('gs-input')
            self.input.on('keydown.enter', self.run)
            submit = testid(ui.button(icon='search', on_click=self.run), 'global-search-submit')
            submit.props('flat round dense').classes('text-gray-600')
            submit.props['title'] = t('global_search')

    async def run(self, keyword: str | None = None) -> None:
        """Search for the header box's keyword (or ``keyword``); with none, open the dialog with its own box (on
        phones the header shows only the button)."""
        keyword = (self.input.value if keyword is None else keyword or '').strip()
        try:
            result = await self._search(keyword)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='warning', position='top')
            return
        self.show(result)

    def show(self, result: GlobalSearchResult | None) -> None:
        self.close()
        self.hits = (
            {view.id: view.conversation_id for group in result.groups for view in group.messages} if result else {}
        )
        with self.anchor, ui.dialog() as dialog, ui.card().classes('gs-card rounded-2xl p-0 gap-0'):
            with ui.row().classes('gs-ask w-full items-center no-wrap gap-1'):
                box = ui.input(placeholder=t('global_search_placeholder'), value=result.keyword if result else '')
                testid(box, 'global-search-dialog-input').props('dense outlined rounded maxlength=100 autofocus')
                box.classes('flex-1')
                box.on('keydown.enter', lambda: self.run(box.value or ''))
                again = ui.button(icon='search', on_click=lambda: self.run(box.value or ''))
                again.props('flat round dense').classes('text-gray-600')
                ui.button(icon='close', on_click=self.close).props('flat round dense').classes('text-gray-600')
            if result is not None:
                self._results(result)
        dialog.on('hide', lambda: self.close(dialog))
        self.dialog = dialog
        dialog.open()

    def _results(self, result: GlobalSearchResult) -> None:
        with ui.column().classes('w-full gap-0'):
            with ui.row().classes('gs-head w-full items-center no-wrap gap-2'):
                ui.icon('manage_search').classes('text-xl text-amber-700')
                if result.count:
                    summary = t('global_search_count', count=result.count, keyword=result.keyword)
                    testid(ui.label(summary), 'global-search-count').classes('flex-1 text-sm')
                else:
                    summary = t('search_empty', keyword=result.keyword)
                    testid(ui.label(summary), 'global-search-empty').classes('flex-1 text-sm')
            if result.groups:
                results = DataList('global-results', ROW_TEMPLATE, classes='gs-list')
                results.set_rows(result_rows(result))
                results.on_row_click(self._clicked)

    async def _clicked(self, row_id: Any) -> None:
        conversation_id = self.hits.get(row_id) if isinstance(row_id, int) else None
        if conversation_id is None:
            return
        with self.anchor:  # the dialog (this handler's slot) is deleted below; the page goes on in the anchor's
            await self._on_open(conversation_id, row_id)
            self.close()

    def close(self, dialog: ui.dialog | None = None) -> None:
        dialog = dialog or self.dialog
        if dialog is self.dialog:
            self.dialog = None
        if dialog is not None and not dialog.is_deleted:
            dialog.delete()
