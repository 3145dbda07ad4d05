"""Login: with settings.app.username/password set, the app served exactly as
assistant.app.launch serves it (same queue and launch_kwargs, only the port
and prevent_thread_lock differ) lets nobody in without the credentials: not
the page, not the API, not the file routes. The defaults bind to 127.0.0.1
without a login."""

from __future__ import annotations

from http.cookiejar import CookieJar
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from assistant.app import QUEUE_CONCURRENCY, build_app, launch_kwargs
from index.pipeline import ingest
from index.settings import Settings

USER, PASSWORD = "handlaggare", "hemligt"
ALL = "Alla"
QUESTION = "Vad tycker nämnden om ordningsvakter?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, data: bytes | None = None, headers: dict | None = None, opener=None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener.open if opener else urllib.request.urlopen)(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def post_json(url: str, payload: dict, opener=None) -> tuple[int, str]:
    return http(url, json.dumps(payload).encode(), {"Content-Type": "application/json"}, opener)


def login(base: str, user: str, password: str):
    """An opener holding gradio's session cookie after POST /login."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, body = http(base + "login", urllib.parse.urlencode({"username": user, "password": password}).encode(),
                        {"Content-Type": "application/x-www-form-urlencoded"}, opener)
    return status, opener


@pytest.fixture
def protected(tiny_settings):
    ingest(tiny_settings, progress=False)
    settings = tiny_settings.with_overrides(app__username=USER, app__password=PASSWORD)
    demo = build_app(settings)
    kw = launch_kwargs(settings)
    assert kw["auth"] == (USER, PASSWORD) and kw["server_name"] == "127.0.0.1"
    kw.update(server_port=free_port(), prevent_thread_lock=True, quiet=True)
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY).launch(**kw)
    yield f"http://127.0.0.1:{kw['server_port']}/", settings
    demo.close()


def test_defaults_are_local_and_without_login(monkeypatch):
    for var in ("YTTRA_APP__HOST", "YTTRA_APP__USERNAME", "YTTRA_APP__PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    s = Settings()
    assert s.app.host == "127.0.0.1"
    assert s.app.username == "" and s.app.password.get_secret_value() == ""
    kw = launch_kwargs(s)
    assert kw["auth"] is None and kw["server_name"] == "127.0.0.1"
    # a username alone (or a password alone) does not half-enable login
    assert launch_kwargs(s.with_overrides(app__username=USER))["auth"] is None
    assert launch_kwargs(s.with_overrides(app__password=PASSWORD))["auth"] is None


def test_page_without_credentials_is_the_login_page(protected):
    base, _ = protected
    status, page = http(base)
    assert status == 200
    assert '"auth_required":true' in page.replace(" ", "")
    assert "Logga in för att använda yttra." in page
    assert "yttra-question" not in page and "Varje påstående har en källa" not in page  # none of the app
    ok, opener = login(base, USER, PASSWORD)
    assert ok == 200
    status, page = http(base, opener=opener)
    assert status == 200 and "yttra-question" in page and "auth_required" not in page


def test_api_refused_without_credentials(protected):
    from gradio_client import Client

    base, _ = protected
    payload = {"data": [QUESTION, [], ALL, ALL, ALL, ALL]}
    for path in ("gradio_api/call/ask", "gradio_api/call/compare"):
        status, body = post_json(base + path, payload)
        assert status in (401, 403), (path, status, body[:200])
    status, _ = post_json(base + "gradio_api/queue/join", {"data": [QUESTION, [], [], ALL, ALL, ALL, ALL],
                                                           "fn_index": 0, "session_hash": "x1"})
    assert status in (401, 403)
    for path in ("config", "gradio_api/info", "gradio_api/queue/status"):
        assert http(base + path)[0] in (401, 403), path
    # uploads are refused too
    boundary = "yttraboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\nhej\r\n--{boundary}--\r\n").encode()
    status, _ = http(base + "gradio_api/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status in (401, 403)
    # gradio_client: no credentials, wrong password
    with pytest.raises(Exception) as e:
        Client(base, verbose=False)
    assert "credentials" in str(e.value).lower() or "login" in str(e.value).lower()
    with pytest.raises(Exception):
        Client(base, auth=(USER, "fel"), verbose=False)
    assert login(base, USER, "fel")[0] in (400, 401, 403)


def _file_url(base: str, opener) -> str:
    """Run /compare as a logged-in user over the raw API; the CSV's file URL."""
    status, body = post_json(base + "gradio_api/call/compare", {"data": ["ordningsvakter"]}, opener)
    assert status == 200, body[:200]
    event = json.loads(body)["event_id"]
    status, stream = http(base + f"gradio_api/call/compare/{event}", opener=opener)
    assert status == 200
    data = [ln[len("data:"):].strip() for ln in stream.splitlines() if ln.startswith("data:")]
    out = json.loads(data[-1])
    url = out[1]["url"]
    assert "/gradio_api/file=" in url
    return url


def test_file_routes_refused_without_credentials(protected):
    base, settings = protected
    assert http(base + "gradio_api/file=/etc/passwd")[0] in (401, 403)
    corpus_file = settings.corpus_dir / "a_sdn.txt"
    assert http(base + f"gradio_api/file={corpus_file}")[0] in (401, 403)
    ok, opener = login(base, USER, PASSWORD)
    assert ok == 200
    url = _file_url(base, opener)  # a file the app really serves, to a logged-in user
    status, csv = http(url, opener=opener)
    assert status == 200 and "Spånga-Tensta" in csv
    status, body = http(url)  # the same URL without the session cookie
    assert status in (401, 403) and "Spånga-Tensta" not in body


def test_ask_works_with_credentials(protected):
    from gradio_client import Client

    base, _ = protected
    client = Client(base, auth=(USER, PASSWORD), verbose=False)
    _, chat, sources = client.predict(QUESTION, [], ALL, ALL, ALL, ALL, api_name="/ask")
    reply = chat[-1]["content"]
    reply = reply if isinstance(reply, str) else str(reply)
    assert "Spånga" in reply and "[1]" in reply
    assert "Källor" in sources and "a_sdn" in sources
    client.close()
