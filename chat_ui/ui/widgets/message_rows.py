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
     :data-time="props.row.t" :id="'m' + props.row.id">
  <div v-if="props.row.n" class="chat-sender" data-testid="message-sender"><span
    :class="'chat-avatar-xs av-' + props.row.a"><img v-if="props.row.av" class="avatar-img" alt=""
    :src="'/avatars/' + props.row.av + '/small'"><template v-else>{{ props.row.i }}</template></span><span
    :class="'chat-sender-name av-text-' + props.row.a">{{ props.row.n }}</span></div>
  <a v-if="props.row.k == 'image'" :href="'/files/' + props.row.f" target="_blank" rel="noopener noreferrer"
     class="chat-image-link"><img :src="'/files/' + props.row.f + '/thumb'" :alt="props.row.fn" loading="lazy"
     class="chat-thumb"></a>
  <template v-else-if="props.row.k == 'audio'"><div class="chat-file"><i class="material-icons">graphic_eq</i><span
    class="chat-file-name">{{ props.row.fn }}</span></div><audio controls preload="metadata"
    :src="'/files/' + props.row.f" class="chat-audio"></audio></template>
  <template v-else>{{ props.row.b }}</template>
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
        row.update(
            n=view.sender_shown, i=initial(view.sender_shown), a=colour_index(view.sender_id), av=view.sender_avatar
        )
    if media and view.attachment is not None:
        row.update(f=view.attachment.key, fn=view.attachment.name)
    else:
        row['b'] = view.body or ''
    return row
