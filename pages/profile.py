"""/profile: the signed-in user's own settings: the display name others see, the avatar, the password, the
read-receipts switch and the export of their data. After an admin's reset every other page leads here until the password is changed."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import app, background_tasks, context, events, ui

from chat_ui.core.errors import ChatError
from chat_ui.core.views import ProfileView
from chat_ui.live.events import LiveEvent, ProfileChanged
from chat_ui.services import accounts, avatars, exports, profiles
from chat_ui.services.avatars import AVATAR_ACCEPT, AVATAR_MAX_BYTES, AVATAR_TYPES
from chat_ui.services.uploads import MB
from chat_ui.ui.chrome import SignedInChrome
from chat_ui.ui.forms import error_banner, show, text_field
from chat_ui.ui.guard import PROFILE_PATH, PageSession, forget_token
from chat_ui.ui.i18n import t
from chat_ui.ui.safe_html import html_block
from chat_ui.ui.testid import set_props, testid
from chat_ui.ui.widgets.avatar import avatar_inner, colour_index

CARD = 'w-full rounded-2xl p-5 gap-3'


def register() -> None:
    app.on_startup(lambda: background_tasks.create(exports.purge_forever(), name='purge expired exports'))

    @ui.page(PROFILE_PATH)
    async def profile_page() -> RedirectResponse | None:
        session = await PageSession.open(admin=None, forced_ok=True)
        if isinstance(session, RedirectResponse):
            return session
        await ProfilePage(session).build()
        return None


class ProfilePage:
    def __init__(self, session: PageSession) -> None:
        self.session = session

    async def build_receipts_switch(self) -> None:
        """``read-receipts``: share read receipts and see other people's, or neither (``data-state`` on/off)."""
        enabled = await accounts.read_receipts(self.session.info)
        switch = testid(ui.switch(t('read_receipts'), value=enabled), 'read-receipts')
        ui.label(t('read_receipts_hint')).classes('text-sm text-gray-500')

        def mark_state() -> None:
            switch.props['data-state'] = 'on' if switch.value else 'off'
            switch.update()

        async def changed(event: events.ValueChangeEventArguments) -> None:
            mark_state()
            await accounts.set_read_receipts(self.session.info, bool(event.value))

        switch.on_value_change(self.session.guarded(changed))
        mark_state()

    async def build(self) -> None:
        me = await profiles.profile(self.session.info)
        chrome = await SignedInChrome.load(self.session)
        guard = self.session.guarded
        context.client.content.classes('p-0')
        forced = self.session.info.must_change_password
        with chrome.frame('profile_title', on_logout=guard(self.logout), profile_button=False):
            with ui.column().classes('w-full max-w-2xl mx-auto p-4 md:p-6 gap-4'):
                with ui.row().classes('w-full items-center gap-2 no-wrap'):
                    home = '/admin' if self.session.info.is_admin else '/'
                    back = ui.button(icon='arrow_back', on_click=guard(lambda: ui.navigate.to(home)))
                    back.props('flat round dense')
                    back.props['title'] = t('back_to_chats')
                    back.set_visibility(not forced)
                    ui.label(t('profile_title')).classes('text-2xl font-semibold flex-1')
                if forced:
                    testid(ui.label(t('password_must_change')), 'password-must-change').classes(
                        'w-full text-sm text-amber-900 bg-amber-50 border border-amber-300 rounded-xl px-4 py-3'
                    ).props('role=alert')
                with ui.card().classes(CARD):
                    with ui.row().classes('w-full items-center gap-4 no-wrap'):
                        self.avatar = html_block()
                        with ui.column().classes('gap-0 min-w-0 flex-1'):
                            self.shown = ui.label().classes('text-xl font-semibold truncate')
                            ui.label(t('profile_login_name', name=me.username)).classes('text-sm text-gray-500')
                            with ui.row().classes('gap-2 mt-2'):
                                pick = ui.button(t('avatar_choose'), icon='photo_camera', on_click=self.pick_avatar)
                                pick.props('outline rounded no-caps dense size=sm color=primary').classes('px-3')
                                self.remove_button = testid(
                                    ui.button(t('avatar_remove'), on_click=guard(self.remove_avatar)),
                                    'profile-avatar-remove',
                                )
                                self.remove_button.props('flat rounded no-caps dense size=sm color=grey-8')
                    self.upload = testid(
                        ui.upload(auto_upload=True, max_file_size=AVATAR_MAX_BYTES, on_upload=self.avatar_uploaded),
                        'profile-avatar',
                    )
                    set_props(self.upload, {'accept': AVATAR_ACCEPT}).classes('hidden')
                    self.upload.on('rejected', self.avatar_rejected)
                    testid(ui.label(t('avatar_hint')), 'profile-avatar-hint').classes('text-xs text-gray-500')
                    ui.separator()
                    ui.label(t('profile_name_heading')).classes('text-base font-semibold')
                    with ui.row().classes('w-full items-start gap-2 no-wrap'):
                        self.name_input = text_field(
                            t('profile_name_heading'),
                            'profile-display-name',
                            hint=t('profile_name_hint', name=me.username),
                            max_length=64,
                            autofill='nickname',
                            value=me.display_name or me.username,
                        ).classes('flex-1')
                        save = testid(ui.button(t('profile_save'), on_click=guard(self.save_name)), 'profile-save')
                        save.props('unelevated no-caps color=primary').classes('rounded-lg mt-1')
                        self.save_button = save
                    self.name_error = error_banner('profile-error')
                with ui.card().classes(CARD):
                    ui.label(t('profile_password_heading')).classes('text-base font-semibold')
                    self.current = text_field(
                        t('password_current'), 'password-current', password=True, autofill='current-password'
                    )
                    self.new = text_field(
                        t('password_new'),
                        'password-new',
                        password=True,
                        hint=t('password_rules'),
                        autofill='new-password',
                    )
                    self.new2 = text_field(t('password_new2'), 'password-new2', password=True, autofill='new-password')
                    self.password_error = error_banner('password-error')
                    submit = testid(
                        ui.button(t('password_submit'), on_click=guard(self.change_password)), 'password-submit'
                    )
                    submit.props('unelevated no-caps color=primary').classes('rounded-lg self-end')
                    self.password_button = submit
                    self.new2.on('keydown.enter', guard(self.change_password))
                with ui.card().classes(CARD):
                    ui.label(t('profile_privacy_heading')).classes('text-base font-semibold')
                    await self.build_receipts_switch()
                with ui.card().classes(CARD):
                    ui.label(t('export_heading')).classes('text-base font-semibold')
                    ui.label(t('export_hint')).classes('text-sm text-gray-500')
                    with ui.row().classes('w-full items-center gap-3 no-wrap'):
                        self.export_button = testid(
                            ui.button(t('export_start'), icon='download', on_click=guard(self.start_export)),
                            'export-data',
                        )
                        self.export_button.props('outline rounded no-caps color=primary')
                        self.export_status = testid(ui.label(), 'export-status').classes('text-sm text-gray-600')
                    self.export_progress = testid(ui.linear_progress(value=0, show_value=False), 'export-progress')
                    self.export_progress.props('rounded size=8px color=primary').classes('w-full')
                    self.export_link = testid(ui.link(t('export_download'), '#'), 'export-download')
                    self.export_link.classes('text-primary font-medium').props('download')
                self.export_timer = ui.timer(0.5, self.show_export, active=False)
        self.show_profile(me)
        self.show_export()
        self.session.listen(self.on_event)

    def show_profile(self, me: ProfileView) -> None:
        shown = me.display_name or me.username
        self.shown.set_text(shown)
        inner = avatar_inner(shown, me.avatar, 'medium')
        self.avatar.set_content(
            f'<div class="chat-avatar profile-avatar av-{colour_index(me.user_id)}" data-testid="profile-avatar-image"'
            f' data-avatar="{"true" if me.avatar else "false"}">{inner}</div>'
        )
        self.remove_button.set_visibility(bool(me.avatar))

    def on_event(self, event: LiveEvent) -> None:
        if isinstance(event, ProfileChanged) and event.user_id == self.session.info.user_id:
            self.show_profile(
                ProfileView(
                    user_id=event.user_id, username=event.username, display_name=event.display_name, avatar=event.avatar
                )
            )

    def pick_avatar(self) -> None:
        self.upload.run_method('pickFiles')

    async def avatar_uploaded(self, event: events.UploadEventArguments) -> None:
        self.name_error.set_visibility(False)
        try:
            if await self.session.check():
                await avatars.set_avatar(
                    self.session.info, name=event.file.name, size=event.file.size(), save=event.file.save
                )
        except ChatError as refusal:
            show(self.name_error, t(refusal.key, **refusal.params))
        finally:
            self.upload.reset()

    def avatar_rejected(self) -> None:
        show(self.name_error, t('avatar_rejected', types=', '.join(AVATAR_TYPES), max_mb=AVATAR_MAX_BYTES // MB))

    async def remove_avatar(self) -> None:
        try:
            await avatars.remove_avatar(self.session.info)
        except ChatError as refusal:
            show(self.name_error, t(refusal.key, **refusal.params))

    async def save_name(self) -> None:
        self.name_error.set_visibility(False)
        self.save_button.props('loading')
        try:
            await profiles.set_display_name(self.session.info, display_name=self.name_input.value or '')
        except ChatError as refusal:
            show(self.name_error, t(refusal.key, **refusal.params))
            return
        finally:
            self.save_button.props(remove='loading')
        ui.notify(t('profile_saved'), type='positive', position='top')

    async def change_password(self) -> None:
        self.password_error.set_visibility(False)
        self.password_button.props('loading')
        try:
            await profiles.change_password(
                self.session.info,
                current=self.current.value or '',
                new=self.new.value or '',
                new2=self.new2.value or '',
            )
        except ChatError as refusal:
            show(self.password_error, t(refusal.key, **refusal.params))
            return
        finally:
            self.password_button.props(remove='loading')
        for field in (self.current, self.new, self.new2):
            field.value = ''
        ui.notify(t('password_changed'), type='positive', position='top')
        if self.session.info.must_change_password:
            await self.session.check(fresh=True)  # the server no longer asks for a change: carry on to the chats
            ui.navigate.to('/admin' if self.session.info.is_admin else '/')

    async def start_export(self) -> None:
        try:
            job = exports.begin(self.session.info)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='warning', position='top')
            return
        background_tasks.create(exports.build(job), name=f'export {job.user_id}')
        self.show_export()

    def show_export(self) -> None:
        """The current export's progress, or its download once done (read from the job, twice a second)."""
        job = exports.job_of(self.session.info)
        running = job is not None and job.state == 'running'
        self.export_timer.active = running
        self.export_button.set_enabled(not running)
        self.export_progress.set_visibility(running)
        done = job is not None and job.state == 'done' and job.key is not None
        self.export_link.set_visibility(done)
        if job is None:
            self.export_status.set_text('')
            return
        if running:
            self.export_progress.set_value(job.percent / 100)
            self.export_status.set_text(t('export_running', percent=job.percent))
        elif done and job.key is not None:
            set_props(self.export_link, {'href': f'/exports/{job.key}'})
            self.export_status.set_text(t('export_ready', mb=f'{job.size / 1_048_576:.1f}'))
        else:
            self.export_status.set_text(t(job.error or 'export_failed'))

    async def logout(self) -> None:
        forget_token()
        await accounts.logout(self.session.token)
        self.session.leave('logout')
