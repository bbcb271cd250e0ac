"""Messages as the plain row data the browser draws bubbles from, and the bubble template.

The template only interpolates (``{{ }}``) and binds attributes, so every user value (text, names, file names) is
shown as text by Vue itself; nothing of a message is ever HTML. Own messages go right, others' left; in rooms,
others' bubbles name their sender.
"""

from __future__ import annotations

from typing import Any

from chat_ui.core.views import MessageView
from chat_ui.ui.timefmt import short_time
from chat_ui.ui.widgets.avatar import colour_index, initial

BUBBLE_TEMPLATE = """
<div :class="props.row.c" data-testid="message" :data-mine="props.row.m ? 'true' : 'false'"
     :data-kind="props.row.k" :data-id="props.row.id" :data-sender="props.row.s" :data-edited="'false'"
     :data-time="props.row.t" :id="'m' + props.row.id" :data-highlight="props.row.hl ? 'true' : null">
  <div v-if="props.row.n" class="chat-sender" data-testid="message-sender"><span
    :class="'chat-avatar-xs av-' + props.row.a">{{ props.row.i }}</span><span
    :class="'chat-sender-name av-text-' + props.row.a">{{ props.row.n }}</span></div>
  <a v-if="props.row.k == 'image'" :href="'/files/' + props.row.f" target="_blank" rel="noopener noreferrer"
     class="chat-image-link"><img :src="'/files/' + props.row.f + '/thumb'" :alt="props.row.fn" loading="lazy"
     class="chat-thumb"></a>
  <template v-else-if="props.row.k == 'audio'"><div class="chat-file"><i class="material-icons">graphic_eq</i><span
    class="chat-file-name">{{ props.row.fn }}</span></div><audio controls preload="metadata"
    :src="'/files/' + props.row.f" class="chat-audio"></audio></template>
  <template v-else-if="props.row.p"><template v-for="(x, j) in props.row.p" :key="j"><span v-if="x[1]"
    class="chat-mention" data-testid="mention">{{ x[0] }}</span><template v-else>{{ x[0] }}</template></template></template>
  <template v-else>{{ props.row.b }}</template>
  <div v-if="props.row.rd" class="chat-read"><i class="material-icons">done_all</i><span
    data-testid="read-marker">{{ props.row.rd }}</span></div>
</div>
"""


def message_row(view: MessageView, *, mine: bool, show_sender: bool) -> dict[str, Any]:
    """The row of one bubble: short keys, because every open page keeps the rows of its window."""
    media = view.kind in {'image', 'audio'} and view.attachment is not None
    row: dict[str, Any] = {
        'id': view.id,
        'c': f'chat-bubble {"mine" if mine else "theirs"}{"" if media else " chat-text"}',
        'm': mine,
        'k': view.kind,
        's': view.sender_name,
        't': short_time(view.created_at),
    }
    if show_sender and not mine:
        row.update(n=view.sender_name, i=initial(view.sender_name), a=colour_index(view.sender_id))
    if media and view.attachment is not None:
        row.update(f=view.attachment.key, fn=view.attachment.name)
    else:
        row['b'] = view.body or ''
        if view.mentions:
            row['p'] = text_parts(row['b'], view.mentions)
    return row


def text_parts(body: str, mentions: list[int]) -> list[list[Any]]:
    """The text as ``[text, 1 if a mention else 0]`` parts, in order (the template interpolates each as text)."""
    parts: list[list[Any]] = []
    at = 0
    for i in range(0, len(mentions) - 2, 3):
        start, end = mentions[i], mentions[i + 1]
        if start < at or end > len(body):
            continue
        if start > at:
            parts.append([body[at:start], 0])
        parts.append([body[start:end], 1])
        at = end
    if at < len(body):
        parts.append([body[at:], 0])
    return parts
