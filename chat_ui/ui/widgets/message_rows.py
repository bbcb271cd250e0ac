"""Messages as the plain row data the browser draws bubbles from, and the bubble template.

The template only interpolates (``{{ }}``) and binds attributes, so every user value (text, names, file names) is
shown as text by Vue itself; nothing of a message is ever HTML. Own messages go right, others' left; in rooms,
others' bubbles name their sender.
"""

from __future__ import annotations

from typing import Any

from chat_ui.core.views import RECALLED, MessageView, ReplyQuote
from chat_ui.ui.i18n import t
from chat_ui.ui.timefmt import short_time
from chat_ui.ui.widgets.avatar import colour_index, initial

BUBBLE_TEMPLATE = """
<div :class="props.row.c" data-testid="message" :data-mine="props.row.m ? 'true' : 'false'"
     :data-kind="props.row.k" :data-id="props.row.id" :data-sender="props.row.s"
     :data-edited="props.row.e ? 'true' : 'false'" :data-highlight="props.row.h ? 'true' : 'false'"
     :data-time="props.row.t" :id="'m' + props.row.id">
  <div v-if="props.row.n" class="chat-sender" data-testid="message-sender"><span
    :class="'chat-avatar-xs av-' + props.row.a"><img v-if="props.row.av" class="avatar-img" alt=""
    :src="'/avatars/' + props.row.av + '/small'"><template v-else>{{ props.row.i }}</template></span><span
    :class="'chat-sender-name av-text-' + props.row.a">{{ props.row.n }}</span></div>
  <div v-if="props.row.rq" class="chat-quote" data-testid="reply-quote" :data-reply-to="props.row.rq"
       :data-recalled="props.row.rr ? 'true' : 'false'" @click.stop="$parent.$emit('quote', props.row.rq)"><span
    class="chat-quote-name">{{ props.row.rn }}</span><span class="chat-quote-text">{{ props.row.rx }}</span></div>
  <a v-if="props.row.k == 'image'" :href="'/files/' + props.row.f" target="_blank" rel="noopener noreferrer"
     class="chat-image-link"><img :src="'/files/' + props.row.f + '/thumb'" :alt="props.row.fn" loading="lazy"
     class="chat-thumb"></a>
  <template v-else-if="props.row.k == 'audio'"><div class="chat-file"><i class="material-icons">graphic_eq</i><span
    class="chat-file-name">{{ props.row.fn }}</span></div><audio controls preload="metadata"
    :src="'/files/' + props.row.f" class="chat-audio"></audio></template>
  <span v-else-if="props.row.k == 'recalled'" class="chat-recalled-text"><i
    class="material-icons">undo</i>{{ props.row.b }}</span>
  <template v-else-if="props.row.p"><template v-for="(x, j) in props.row.p" :key="j"><span v-if="x[1]"
    class="chat-mention" data-testid="mention">{{ x[0] }}</span><template v-else>{{ x[0] }}</template></template></template>
  <template v-else>{{ props.row.b }}</template>
  <span v-if="props.row.e" class="chat-edited" data-testid="edited-mark">{{ props.row.e }}</span>
  <div v-if="props.row.rd" class="chat-read"><i class="material-icons">done_all</i><span
    data-testid="read-marker">{{ props.row.rd }}</span></div>
  <button v-if="props.row.k != 'recalled'" type="button" class="chat-menu-btn" data-testid="message-menu"
          :aria-label="props.row.ma" :title="props.row.ma"
          @click.stop="$parent.$emit('menu', props.row.id)"><i class="material-icons">more_horiz</i></button>
</div>
"""


def recalled_text(view: MessageView, *, mine: bool) -> str:
    if view.removed:
        return t('removed_by_admin')
    return t('you_recalled') if mine else t('recalled_by_sender', name=view.sender_shown)


def excerpt_of(text: str, limit: int = 80) -> str:
    """The first line of a text, as a quote shows it (the services cut the same way)."""
    line = text.strip().split('\n', 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + '…'


def quote_text(quote: ReplyQuote) -> str:
    if quote.kind == RECALLED:
        return t('quote_recalled')
    if quote.kind == 'image':
        return t('quote_picture', name=quote.excerpt)
    if quote.kind == 'audio':
        return t('quote_audio', name=quote.excerpt)
    return quote.excerpt


def message_row(view: MessageView, *, mine: bool, show_sender: bool, highlight: bool = False) -> dict[str, Any]:
    """The row of one bubble: short keys, because every open page keeps the rows of its window."""
    media = view.kind in {'image', 'audio'} and view.attachment is not None
    extra = ' chat-recalled' if view.recalled else ('' if media else ' chat-text')
    row: dict[str, Any] = {
        'id': view.id,
        'c': f'chat-bubble {"mine" if mine else "theirs"}{extra}',
        'm': mine,
        'k': view.kind,
        's': view.sender_name,
        't': short_time(view.created_at),
    }
    if show_sender and not mine and not view.recalled:
        row.update(
            n=view.sender_shown, i=initial(view.sender_shown), a=colour_index(view.sender_id), av=view.sender_avatar
        )
    if media and view.attachment is not None:
        row.update(f=view.attachment.key, fn=view.attachment.name)
    elif view.recalled:
        row['b'] = recalled_text(view, mine=mine)
    else:
        row['b'] = view.body or ''
        if view.mentions:
            row['p'] = text_parts(row['b'], view.mentions)
    if not view.recalled:
        row['ma'] = t('message_menu')
        if view.edited_at is not None:
            row['e'] = t('edited_mark')
        if view.reply is not None:
            row.update(rq=view.reply.message_id, rn=view.reply.sender_name, rx=quote_text(view.reply))
            if view.reply.kind == RECALLED:
                row['rr'] = True
    if highlight:
        row['h'] = True
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
