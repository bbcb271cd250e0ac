"""/: the chat page: contacts on the left, the conversation on the right (one at a time on phones)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import background_tasks, context, ui

from chat_ui.live.hub import ContactChanged, HistoryCleared, MessageCreated, MuteChanged, PresenceChanged
from chat_ui.live.presence import presence
from chat_ui.services import accounts, messaging
from chat_ui.services.messaging import ContactView
from chat_ui.ui.guard import PageSession, forget_token
from chat_ui.ui.i18n import t
from chat_ui.ui.theme import signed_in_frame
from chat_ui.ui.widgets.chat_pane import ChatPane
from chat_ui.ui.widgets.contact_list import ContactList

LIST_CLASSES = 'gap-0 no-wrap w-full md:w-80 md:min-w-[20rem] h-full bg-white border-r border-gray-200'
PANE_CLASSES = 'flex-1 h-full min-w-0'


def register() -> None:
    @ui.page('/')
    async def chat_page(chat: int | None = None) -> RedirectResponse | None:
        """``/?chat=<user id>`` reopens that conversation (after a reload or a long connection drop)."""
        session = await PageSession.open(admin=False)
        if isinstance(session, RedirectResponse):
            return session
        me = session.info.user_id
        client = context.client
        presence.attach(client, user_id=me, session_id=session.info.session_id, live=lambda: not session.ended)
        contacts = await messaging.list_contacts(user_id=me)

        async def logout() -> None:
            forget_token()
            await accounts.logout(session.token)
            session.leave('logout')

        async def search_contacts(text: str) -> list[ContactView]:
            return await messaging.list_contacts(user_id=me, name_filter=text)

        async def open_chat(contact: ContactView) -> None:
            contact_list.set_active(contact.user_id)
            show_pane(True)
            ui.navigate.history.replace(f'/?chat={contact.user_id}')
            await pane.open(replace(contact, online=presence.is_online(contact.user_id)))

        def show_pane(pane_visible: bool) -> None:
            """On phones only one column shows at a time."""
            list_column.classes(
                add='max-md:hidden' if pane_visible else None, remove=None if pane_visible else 'max-md:hidden'
            )
            pane.root.classes(
                add=None if pane_visible else 'max-md:hidden', remove='max-md:hidden' if pane_visible else None
            )

        def go_back() -> None:
            ui.navigate.history.replace('/')
            contact_list.set_active(None)
            pane.close()
            show_pane(False)

        client.content.classes('p-0 gap-0')
        with signed_in_frame('app_name', username=session.info.username, on_logout=session.guarded(logout)):
            with ui.row().classes('w-full h-[calc(100dvh-3.5rem)] gap-0 no-wrap'):
                with ui.column().classes(LIST_CLASSES) as list_column:
                    contact_list = ContactList(
                        contacts,
                        on_select=session.guarded(open_chat),
                        search=session.guarded_query(search_contacts, refused=[]),
                        limit=messaging.CONTACTS_SHOWN,
                    )
                pane = ChatPane(user_id=me, guard=session.guarded, on_back=session.guarded(go_back))
                pane.root.classes(PANE_CLASSES)
        show_pane(False)
        pane.set_muted(session.info.is_muted)

        def on_event(event: Any) -> None:
            if isinstance(event, PresenceChanged):
                contact_list.set_online(event.user_id, event.online)
                if pane.peer and pane.peer.user_id == event.user_id:
                    pane.set_peer_online(event.online)
            elif isinstance(event, MessageCreated):
                peer_id = event.message.peer_of(me)
                is_open = pane.peer is not None and pane.peer.user_id == peer_id
                if is_open:
                    pane.receive(event.message)
                if peer_id in contact_list.rows:
                    contact_list.note_message(peer_id, unread=not is_open)
                else:
                    background_tasks.create(bring_in(peer_id, unread=not is_open), name='contact from outside')
            elif isinstance(event, HistoryCleared) and pane.peer and event.involves(me, pane.peer.user_id):
                pane.history_cleared()
            elif isinstance(event, ContactChanged) and event.user_id != me:
                contact_changed(event)
            elif isinstance(event, MuteChanged):
                pane.set_muted(event.muted)

        async def bring_in(peer_id: int, *, unread: bool) -> None:
            """A message from someone outside the shown window of contacts: add them at the top."""
            contact = await messaging.get_contact(user_id=me, peer_id=peer_id)
            if contact is not None and not session.ended:
                contact_list.add(contact)
                contact_list.note_message(peer_id, unread=unread)

        def contact_changed(event: ContactChanged) -> None:
            if event.visible:
                contact = ContactView(
                    user_id=event.user_id,
                    username=event.username,
                    online=presence.is_online(event.user_id),
                    last_message_id=0,
                )
                contact_list.add(contact)
                return
            contact_list.remove(event.user_id)
            if pane.peer and pane.peer.user_id == event.user_id:
                go_back()
                ui.notify(t('contact_left', name=event.username), type='warning', position='top')

        session.listen(on_event)
        connections = 0

        async def on_connect() -> None:
            """After a reconnect (not the first connect), redraw the open conversation if still signed in."""
            nonlocal connections
            connections += 1
            if connections > 1 and await session.check():
                await pane.resync()

        client.on_connect(on_connect)
        if chat is not None and chat in contact_list.rows:
            await open_chat(contact_list.rows[chat])
        return None
