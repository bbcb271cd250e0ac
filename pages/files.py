"""/files/<uuid> and /files/<uuid>/thumb: stored uploads, only for the conversation's members and the admin;
/avatars/<uuid>/(small|medium): avatars, for every signed-in user; /exports/<uuid>: a data export, for its owner only
while it lasts."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import FileResponse, Response
from nicegui import app

from chat_ui.services.file_access import file_for
from chat_ui.ui.guard import stored_token

# Opened in a tab, the file is shown by the browser's own image or media document: that document needs its inline
# styles and, for audio, to load the file itself into its player. The bytes are never HTML (nosniff, and the type
# comes from the upload rules), so nothing else is allowed and the document runs sandboxed.
SECURITY_HEADERS = {
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, max-age=3600',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; media-src 'self'; "
    "frame-ancestors 'none'; sandbox",
}


async def _serve(file_key: str, *, thumbnail: bool) -> Response:
    served = await file_for(stored_token(), file_key, thumbnail=thumbnail)
    if served is None:
        return Response(status_code=404, headers={'X-Content-Type-Options': 'nosniff'})
    disposition = f"inline; filename*=UTF-8''{quote(served.name)}"
    return FileResponse(
        served.path,
        media_type=served.mime,
        headers={**SECURITY_HEADERS, 'Content-Disposition': disposition},
    )


AVATAR_SIZES = {'small': True, 'medium': False}  # small is the stored preview, medium the stored file
# An avatar's key changes with every new picture, so the bytes behind one URL never change: cached for good, but
# only by this browser (signed-in users only).
AVATAR_HEADERS = {
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, max-age=31536000, immutable',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
}


async def _serve_avatar(file_key: str, size: str) -> Response:
    thumbnail = AVATAR_SIZES.get(size)
    served = None
    if thumbnail is not None:
        served = await file_for(stored_token(), file_key, thumbnail=thumbnail, purpose='avatar')
    if served is None:
        return Response(status_code=404, headers={'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store'})
    return FileResponse(served.path, media_type='image/webp', headers=AVATAR_HEADERS)


EXPORT_HEADERS = {
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, no-store',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
}


async def _serve_export(file_key: str) -> Response:
    served = await file_for(stored_token(), file_key, thumbnail=False, purpose='export')
    if served is None:
        return Response(status_code=404, headers={'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store'})
    disposition = f"attachment; filename*=UTF-8''{quote(served.name)}"
    return FileResponse(
        served.path, media_type='application/zip', headers={**EXPORT_HEADERS, 'Content-Disposition': disposition}
    )


def register() -> None:
    @app.get('/exports/{file_key}', include_in_schema=False)
    async def export(file_key: str) -> Response:
        return await _serve_export(file_key)

    @app.get('/avatars/{file_key}/{size}', include_in_schema=False)
    async def avatar(file_key: str, size: str) -> Response:
        return await _serve_avatar(file_key, size)

    @app.get('/files/{file_key}', include_in_schema=False)
    async def original(file_key: str) -> Response:
        return await _serve(file_key, thumbnail=False)

    @app.get('/files/{file_key}/thumb', include_in_schema=False)
    async def thumbnail(file_key: str) -> Response:
        return await _serve(file_key, thumbnail=True)
