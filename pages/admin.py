"""/admin: the administrator's panel (admin only; others are sent away, on load and on every event)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import context, ui

from chat_ui.core.errors import ChatError
from chat_ui.live.events import ContactChanged, PresenceChanged
from chat_ui.live.hub import EVERYONE, presence_topic
from chat_ui.services import accounts, announcements, moderation
from chat_ui.services.moderation import RoomRow, UserRow
from chat_ui.ui.chrome import SignedInChrome
from chat_ui.ui.guard import PageSession, forget_token
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.widgets.admin_announcement import AnnouncementCard
from chat_ui.ui.widgets.admin_records import RecordsPanel, Target
from chat_ui.ui.widgets.admin_rooms import RoomsTable
from chat_ui.ui.widgets.admin_users import UsersTable
from chat_ui.ui.widgets.audit_log import AuditLog
from chat_ui.ui.widgets.confirm_dialog import ConfirmDialog
from chat_ui.ui.widgets.room_dialog import RoomDialog


def register() -> None:
    @ui.page('/admin')
    async def admin_page() -> RedirectResponse | None:
        session = await PageSession.open(admin=True)
        if isinstance(session, RedirectResponse):
            return session
        token = session.token

        async def guarded_call(action: Any) -> Any:
            """Run an admin service call; a refusal (no longer admin) sends the page away."""
            try:
                return await action
            except ChatError as refusal:
                if refusal.key == 'admin_only':
                    session.leave('expired')
                else:
                    ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')
                return None

        async def logout() -> None:
            forget_token()
            await accounts.logout(token)
            session.leave('logout')

        async def on_event(event: Any) -> None:
            if isinstance(event, PresenceChanged):
                users.set_online(event.user_id, event.online)
            elif isinstance(event, ContactChanged) and event.visible:
                await users.refresh()

        async def load_users(name_filter: str, page: int) -> moderation.UsersPage | None:
            found = await guarded_call(moderation.users_page(token, name_filter=name_filter, page=page))
            for row in found.rows if found else []:  # follow the presence of exactly the users shown
                session.follow(presence_topic(row.user_id))
            return found

        async def load_records(target: Target, keyword: str, page: int) -> moderation.RecordsPage | None:
            kind, target_id = target
            if kind == 'room':
                call = moderation.room_records(token, conversation_id=target_id, keyword=keyword, page=page)
            else:
                call = moderation.user_records(token, user_id=target_id, keyword=keyword, page=page)
            return await guarded_call(call)

        async def load_rooms(title_filter: str, page: int) -> moderation.RoomsPage | None:
            return await guarded_call(moderation.rooms_page(token, title_filter=title_filter, page=page))

        async def after_action() -> None:
            """Redraw the table and the log (last: the clicked button is gone after the table redraws)."""
            audit.show(await guarded_call(moderation.audit_log(token)) or [])
            await users.refresh()

        async def toggle_mute(row: UserRow) -> None:
            await guarded_call(moderation.set_muted(token, user_id=row.user_id, muted=not row.muted))
            await after_action()

        async def ban(row: UserRow) -> None:
            await guarded_call(moderation.set_banned(token, user_id=row.user_id, banned=True))
            await after_action()

        async def toggle_ban(row: UserRow) -> None:
            if row.banned:
                await guarded_call(moderation.set_banned(token, user_id=row.user_id, banned=False))
                await after_action()
            else:
                confirm.ask(t('confirm_ban', name=row.username), session.guarded(lambda: ban(row)), ok=t('ban'))

        async def view(row: UserRow) -> None:
            await records.show(('user', row.user_id))
            ui.navigate.to(records.card)
            users.viewing = row.user_id
            await users.refresh()

        async def view_room(row: RoomRow) -> None:
            await records.show(('room', row.conversation_id))
            ui.navigate.to(records.card)

        async def after_room_action() -> None:
            audit.show(await guarded_call(moderation.audit_log(token)) or [])
            await rooms.refresh()

        async def publish(body: str) -> None:
            shown = await guarded_call(announcements.publish(token, body=body))
            if shown is not None:
                announcement.show(shown)
                announcement.input.value = ''
                ui.notify(t('announce_published'), type='positive', position='top')
                audit.show(await guarded_call(moderation.audit_log(token)) or [])

        async def withdraw() -> None:
            if await guarded_call(announcements.withdraw(token)):
                ui.notify(t('announce_withdrawn'), type='positive', position='top')
            announcement.show(None)
            audit.show(await guarded_call(moderation.audit_log(token)) or [])

        async def reset(row: UserRow) -> None:
            value = await guarded_call(moderation.reset_password(token, user_id=row.user_id))
            if value is None:
                return
            with ui.dialog() as dialog, ui.card().classes('rounded-2xl p-6 gap-3 min-w-[20rem]'):
                ui.label(t('reset_password_done', name=row.username)).classes('text-lg font-semibold')
                testid(ui.label(value), 'reset-password-value').classes(
                    'font-mono text-2xl tracking-wider bg-gray-100 rounded-lg px-4 py-2 select-all'
                )
                ui.label(t('reset_password_once')).classes('text-sm text-gray-600')
                ui.button(t('reset_password_close'), on_click=dialog.delete).props('unelevated no-caps color=primary')
            dialog.on('hide', dialog.delete)  # the value lives only as long as this dialog
            dialog.open()
            await after_action()

        def ask_reset(row: UserRow) -> None:
            confirm.ask(
                t('confirm_reset_password', name=row.username),
                session.guarded(lambda: reset(row)),
                ok=t('reset_password'),
            )

        def rename_room(row: RoomRow) -> None:
            async def rename(title: str, _private: bool) -> None:
                await moderation.rename_room(token, conversation_id=row.conversation_id, title=title)
                await after_room_action()

            room_dialog.ask(
                heading=t('rename_room'), button=t('rename'), on_submit=rename, title=row.title, with_privacy=False
            )

        async def delete_room(row: RoomRow) -> None:
            await guarded_call(moderation.delete_room(token, conversation_id=row.conversation_id))
            await after_room_action()

        def ask_delete_room(row: RoomRow) -> None:
            confirm.ask(
                t('confirm_delete_room', title=row.title),
                session.guarded(lambda: delete_room(row)),
                ok=t('delete_room'),
            )

        async def remove_message(message_id: int) -> None:
            await guarded_call(moderation.remove_message(token, message_id=message_id))
            audit.show(await guarded_call(moderation.audit_log(token)) or [])
            await records.refresh()

        def ask_remove_message(message_id: int) -> None:
            confirm.ask(
                t('confirm_remove_message'),
                session.guarded(lambda: remove_message(message_id)),
                ok=t('remove_message'),
            )

        chrome = await SignedInChrome.load(session)
        context.client.content.classes('p-0')
        with chrome.frame('admin_panel', on_logout=session.guarded(logout)):
            confirm = ConfirmDialog(context.client.content)
            room_dialog = RoomDialog(context.client.content)
            with ui.column().classes('w-full max-w-7xl mx-auto p-4 md:p-6 gap-4'):
                with ui.row().classes('items-center gap-2'):
                    ui.icon('admin_panel_settings').classes('text-3xl text-primary')
                    ui.label(t('admin_panel')).classes('text-2xl font-semibold')
                with ui.card().classes('w-full rounded-2xl p-4 gap-3'):
                    ui.label(t('admin_users_title')).classes('text-lg font-semibold')
                    users = UsersTable(
                        load=session.guarded_query(load_users, refused=None),
                        on_mute=session.guarded(toggle_mute),
                        on_ban=session.guarded(toggle_ban),
                        on_view=session.guarded(view),
                        on_reset=session.guarded(ask_reset),
                    )
                announcement = AnnouncementCard(
                    chrome.announcement, on_publish=session.guarded(publish), on_withdraw=session.guarded(withdraw)
                )
                with ui.card().classes('w-full rounded-2xl p-4 gap-3'):
                    ui.label(t('admin_rooms_title')).classes('text-lg font-semibold')
                    rooms = RoomsTable(
                        load=session.guarded_query(load_rooms, refused=None),
                        on_view=session.guarded(view_room),
                        on_rename=session.guarded(rename_room),
                        on_delete=session.guarded(ask_delete_room),
                    )
                records = RecordsPanel(
                    load=session.guarded_query(load_records, refused=None),
                    on_remove=session.guarded(ask_remove_message),
                )
                audit = AuditLog()
        await users.refresh()
        await rooms.refresh()
        audit.show(await guarded_call(moderation.audit_log(token)) or [])

        session.listen(on_event)
        session.follow(EVERYONE)
        return None
