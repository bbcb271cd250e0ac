"""Pictures and audio between two real browsers."""

from __future__ import annotations

import re
import wave
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect

from .conftest import ChatServer, NewPage
from .helpers import unique_name
from .test_chat import open_chat, signed_in


def make_png(path: Path) -> Path:
    Image.new('RGB', (320, 200), (40, 140, 220)).save(path, format='PNG')
    return path


def make_wav(path: Path) -> Path:
    with wave.open(str(path), 'wb') as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b'\x00\x10' * 8000)
    return path


def test_picture_and_audio_arrive_live(new_page: NewPage, chat_server: ChatServer, tmp_path: Path) -> None:
    a_name, b_name = unique_name('fa'), unique_name('fb')
    b = signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    open_chat(a, b_name)
    open_chat(b, a_name)

    a.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(make_png(tmp_path / 'photo.png'))
    picture = b.get_by_test_id('message').and_(b.locator('[data-kind="image"]'))
    expect(picture).to_have_count(1)
    preview = picture.locator('img')
    expect(preview).to_have_attribute('src', re.compile(r'^/files/[0-9a-f-]{36}/thumb$'))
    b.wait_for_function('img => img.complete && img.naturalWidth > 0', arg=preview.element_handle())
    original = picture.locator('a').get_attribute('href')
    assert original and original.startswith('/files/')
    response = b.request.get(chat_server.url + original)
    assert response.status == 200 and response.headers['content-type'] == 'image/png'

    a.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(make_wav(tmp_path / 'voice.wav'))
    audio_bubble = b.get_by_test_id('message').and_(b.locator('[data-kind="audio"]'))
    expect(audio_bubble).to_have_count(1)
    audio = audio_bubble.locator('audio')
    b.wait_for_function('a => a.readyState >= 1 && a.duration > 0.9', arg=audio.element_handle())
    source = audio.get_attribute('src') or audio.locator('source').get_attribute('src')
    assert source
    ranged = b.request.get(chat_server.url + source, headers={'Range': 'bytes=0-99'})
    assert ranged.status == 206 and len(ranged.body()) == 100

    stranger = signed_in(new_page, chat_server, unique_name('fc'))
    assert stranger.request.get(chat_server.url + source).status == 404


def test_spoofed_file_is_refused_with_a_message(new_page: NewPage, chat_server: ChatServer, tmp_path: Path) -> None:
    a_name, b_name = unique_name('ea'), unique_name('eb')
    signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    open_chat(a, b_name)
    fake = tmp_path / 'holiday.png'
    fake.write_bytes(b'MZ\x90\x00' + b'\x00' * 2000)
    a.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(fake)
    expect(a.get_by_text("The file's content does not match its extension.")).to_be_visible()
    text = tmp_path / 'notes.txt'
    text.write_text('hello')
    a.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(text)
    expect(a.get_by_text('This file type is not allowed.', exact=False)).to_be_visible()
    expect(a.get_by_test_id('message')).to_have_count(0)
