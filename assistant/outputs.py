"""Files the app generates for download (draft .docx/.md, comparison CSV/MD).

Every request gets its own new directory (tempfile.mkdtemp: unique, mode
0700) under the app's output folder, so two users asking for the same title
or topic at the same time never share, overwrite or receive each other's
file; inside it the file keeps a readable name. Each file is written to a
temp file in that directory and moved into place with os.replace, so nobody
ever sees a half-written file.

Served only to the browser that made them: Gradio serves any file in its
cache to anyone who has the URL (/gradio_api/file=…). The app therefore
writes its files inside Gradio's cache folder, in a folder per browser named
by an HMAC of a random cookie that `DownloadGuard` (ASGI middleware) gives
every browser; the guard answers 403 to a request for a file in another
browser's folder, or with no cookie. Folders are deleted when the browser
session ends (the app's unload event) and by `sweep` after an age limit.

Every way the app is served has the guard: the Blocks that build_app returns
adds it in its own launch (`with_guard`), and a request that reached the app
without passing it (mounted into another FastAPI app without the guard) is
told apart by the guard's mark (`passed_guard`): the app then makes no file
for download at all rather than one anybody could fetch.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

MAX_STEM_CHARS = 40
COOKIE = "yttra_dl"  # the download cookie: random, HttpOnly, SameSite=Strict
_TOKEN_OK = re.compile(r"[A-Za-z0-9_-]{32,128}")
_SECRET = secrets.token_bytes(32)  # per process: after a restart old folders are nobody's; the age limit removes them
NOBODY = "ingen-agare"  # owner folder of files made without a cookie: no cookie maps to it, so never served
GUARD_HEADER = "x-yttra-download-guard"  # set by the guard on every request it let through
_GUARD_MARK = secrets.token_hex(16)  # per process: a client cannot send it (the guard replaces any it sends)
_SWEPT: dict[str, float] = {}
_SWEEP_EVERY_S = 60.0
_SWEEP_LOCK = threading.Lock()


def owner_folder(token: str | None) -> str:
    """The folder name (under the output root) of one browser's files: an HMAC
    of its download cookie (reveals nothing, cannot be chosen); NOBODY when
    there is no valid cookie."""
    if not token or not _TOKEN_OK.fullmatch(token):
        return NOBODY
    return hmac.new(_SECRET, token.encode("ascii"), "sha256").hexdigest()[:40]


def file_stem(prefix: str, text: str, fallback: str) -> str:
    """A readable file name stem from user text: 'yttrande_Trygghetsprogram_2028'."""
    slug = re.sub(r"[^\w]+", "_", text or "").strip("_")[:MAX_STEM_CHARS].strip("_")
    return f"{prefix}_{slug or fallback}"


def request_dir(outdir: Path, owner: str | None = None, max_age_s: float | None = None) -> Path:
    """A new, private directory for one request's files: under
    outdir/<owner_folder(owner cookie)>/ when `owner` is given (the app),
    else directly under outdir. With `max_age_s`, older request folders are
    swept first (at most once a minute)."""
    if max_age_s is not None:
        sweep(outdir, max_age_s)
    base = Path(outdir) if owner is None else Path(outdir) / owner_folder(owner)
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="req-", dir=base))


def sweep(outdir: Path, max_age_s: float, *, force: bool = False) -> list[Path]:
    """Delete request folders (req-*) under outdir, and owner folders left
    empty, last modified more than `max_age_s` ago; returns what was deleted.
    Rate-limited to once a minute per outdir unless `force`."""
    outdir = Path(outdir)
    now = time.time()
    with _SWEEP_LOCK:
        if not force and now - _SWEPT.get(str(outdir), 0.0) < _SWEEP_EVERY_S:
            return []
        _SWEPT[str(outdir)] = now
    gone = []
    if not outdir.is_dir():
        return gone
    for owner in [outdir, *(p for p in outdir.iterdir() if p.is_dir() and not p.name.startswith("req-"))]:
        for req in owner.glob("req-*"):
            try:
                if req.is_dir() and now - req.stat().st_mtime > max_age_s:
                    shutil.rmtree(req, ignore_errors=True)
                    gone.append(req)
            except OSError:
                continue
        try:
            if owner != outdir and not any(owner.iterdir()) and now - owner.stat().st_mtime > max_age_s:
                owner.rmdir()
                gone.append(owner)
        except OSError:
            continue
    return gone


def delete_dirs(dirs) -> None:
    """Delete request folders (a browser session ended)."""
    for d in dirs or ():
        shutil.rmtree(d, ignore_errors=True)


class DownloadGuard:
    """ASGI middleware (`with_guard` puts it into a launch's app_kwargs;
    the app's own launch does so by itself): gives every
    browser a random download cookie, and lets a request for a file under
    `root` through only when the file lies in that cookie's owner folder;
    anything else under `root` gets 403 (whether it exists or not, like
    Gradio's own "File not allowed"; before any login check). Files
    outside `root` are Gradio's business (its own checks apply). Every
    request it lets through carries its mark (GUARD_HEADER, see passed_guard)."""

    _FILE = re.compile(r"/file[=/](.*)$", re.S)

    def __init__(self, app, root: str | os.PathLike):
        self.app = app
        self.root = os.path.realpath(root)

    @staticmethod
    def _token(scope) -> str | None:
        for k, v in scope.get("headers") or ():
            if k == b"cookie":
                for part in v.decode("latin-1").split(";"):
                    name, _, value = part.strip().partition("=")
                    if name == COOKIE and _TOKEN_OK.fullmatch(value):
                        return value
        return None

    def allowed(self, path: str, token: str | None) -> bool:
        """May a request for URL path `path` with this cookie proceed?"""
        m = self._FILE.search(path)
        if not m:
            return True
        try:
            real = os.path.realpath(m.group(1))
        except (ValueError, OSError):
            return False
        if real != self.root and not real.startswith(self.root + os.sep):
            return True
        first = real[len(self.root) + 1:].split(os.sep, 1)[0]
        return token is not None and hmac.compare_digest(first, owner_folder(token))

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http":
            return await self.app(scope, receive, send)
        token = self._token(scope)
        # the mark the app's handlers look for (passed_guard): any the client sent is dropped
        headers = [(k, v) for k, v in scope.get("headers") or () if k != GUARD_HEADER.encode("latin-1")]
        scope = {**scope, "headers": [*headers, (GUARD_HEADER.encode("latin-1"), _GUARD_MARK.encode("latin-1"))]}
        if not self.allowed(scope.get("path", ""), token):
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body",
                        "body": "Filen tillhör en annan session eller finns inte / file not allowed".encode("utf-8")})
            return
        if token is not None:
            return await self.app(scope, receive, send)
        cookie = (f"{COOKIE}={secrets.token_urlsafe(32)}; Path=/; HttpOnly; SameSite=Strict").encode("latin-1")

        async def send_with_cookie(message):
            if message.get("type") == "http.response.start":
                message = {**message, "headers": [*(message.get("headers") or []), (b"set-cookie", cookie)]}
            await send(message)

        return await self.app(scope, receive, send_with_cookie)


def passed_guard(headers) -> bool:
    """Did the request with these headers (a mapping, e.g. starlette's
    Headers) pass a DownloadGuard of this process?"""
    try:
        mark = headers.get(GUARD_HEADER) if headers is not None else None
    except AttributeError:
        return False
    return isinstance(mark, str) and hmac.compare_digest(mark, _GUARD_MARK)


def with_guard(app_kwargs: dict | None, root: str | os.PathLike) -> dict:
    """`app_kwargs` for gr.Blocks.launch / gr.mount_gradio_app with a
    DownloadGuard over `root` in its middleware list (added last, i.e. inside
    any middleware given; nothing added when one is there already). The
    caller's dict and list are not changed."""
    from starlette.middleware import Middleware

    kwargs = dict(app_kwargs or {})
    middleware = list(kwargs.get("middleware") or ())
    if not any(isinstance(getattr(m, "cls", None), type) and issubclass(m.cls, DownloadGuard) for m in middleware):
        middleware.append(Middleware(DownloadGuard, root=root))
    kwargs["middleware"] = middleware
    return kwargs


def write_atomic(path: Path, data: str | bytes | Callable[[Path], object]) -> Path:
    """Write `data` (text as UTF-8, bytes, or a function that writes a file at
    the path it is given) to `path` via a temp file in the same directory and
    os.replace (fsynced; a replaced file keeps its mode). Readers see the old or
    the new file, never a part; a failed write leaves no temp file behind."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        if callable(data):
            os.close(fd)
            data(Path(tmp))
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, (path.stat().st_mode & 0o777) if path.exists() else 0o644)  # keep a replaced file's mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
