"""A Streamlit 1.67 client that speaks the app's websocket (/_stcore/stream) with Streamlit's own protobufs, no browser.

What a browser tab does, minus rendering: GET the page (the balancer's affinity cookie and Streamlit's XSRF cookie
arrive with it), open the websocket with those cookies, the page's Origin and the subprotocols the frontend sends
("streamlit", the XSRF token, the previous session id on a reconnect), then send BackMsg.rerun_script with the page
name, the address bar's query string, the value every widget shows (and the one it changes) and the hashes of the elements it keeps (as the
frontend's message cache does, so unchanged elements come back as references); the server answers with ForwardMsgs
(new_session, deltas, page_info_changed with the rewritten query string, script_finished). One process holds
hundreds of these sessions; see benchmarks/loadtest_protocol.py.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

# The balancer's cookie (deploy/haproxy.cfg.in) and Streamlit's double-submit XSRF cookie.
AFFINITY_COOKIE = "LUBAN_REPLICA"
XSRF_COOKIE = "_streamlit_xsrf"
SIDEBAR = 1   # delta_path[0]: 0 is the main block, 1 the sidebar
FINISHED = ForwardMsg.ScriptFinishedStatus
# The frontend keeps a cacheable element for this many runs after it was last sent or referred to (Streamlit's
# global.maxCachedMessageAge default) and lists the hashes it holds with each rerun; the server then sends a
# reference instead of an element the client already has.
MAX_CACHED_MESSAGE_AGE = 2


class ProtocolError(Exception):
    """The server closed the stream, refused it, or a run did not finish in time."""


@dataclass
class Run:
    """One script run as the client saw it: how long it took and what it drew."""
    seconds: float
    elements: dict[tuple[int, ...], object]   # delta path -> Element (the last one sent for that path)
    query_string: str
    replica: str
    protocol_errors: list[str] = field(default_factory=list)

    def of_type(self, kind: str) -> list[object]:
        return [e for e in self.elements.values() if e.WhichOneof("type") == kind]

    def errors(self) -> list[str]:
        """Exceptions and st.error boxes the run drew (what a visitor would see as something gone wrong)."""
        found = [f"exception: {e.exception.type}: {e.exception.message[:200]}" for e in self.of_type("exception")]
        found += [f"error box: {e.alert.body[:200]}" for e in self.of_type("alert") if e.alert.format == Alert.ERROR]
        return found + self.protocol_errors

    def sidebar_texts(self) -> list[str]:
        """Markdown and captions in the sidebar, as plain text (Markdown emphasis and escapes removed)."""
        return [plain_text(e.markdown.body) for path, e in sorted(self.elements.items())
                if path[:1] == (SIDEBAR,) and e.WhichOneof("type") == "markdown"]

    def widget_id(self, key: str) -> str | None:
        """The id the server gave the widget with this user key (ids end in '-<key>')."""
        for element in self.elements.values():
            kind = element.WhichOneof("type")
            widget = getattr(element, kind, None) if kind else None
            if getattr(widget, "id", "") and str(widget.id).endswith(f"-{key}"):
                return widget.id
        return None


def plain_text(markdown: str) -> str:
    text = markdown.replace("**", "")
    text = re.sub(r"\\(.)", r"\1", text)
    return " ".join(text.split())


def _cookies_from(headers) -> dict[str, str]:
    found = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0].strip()
    return found


@dataclass
class ProtocolSession:
    """One visitor: a page (URL path, '' for the home page) opened with a query string, kept over reconnects."""
    base_url: str
    page: str = ""
    query_string: str = ""
    locale: str = "en-US"
    run_timeout_s: float = 180.0
    cookies: dict[str, str] = field(default_factory=dict)
    widgets: dict[str, WidgetState] = field(default_factory=dict)   # the values sent with the next rerun
    session_id: str = ""
    page_hash: str = ""
    replica: str = ""          # from the balancer's X-Served-By header on the websocket upgrade
    reconnects: int = 0
    references: int = 0        # elements the server sent as a reference to one this client holds

    def __post_init__(self) -> None:
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._finished: asyncio.Queue = asyncio.Queue()
        self._elements: dict[tuple[int, ...], object] = {}
        self._closed = asyncio.Event()
        self._cache: dict[str, tuple[object, int]] = {}   # hash -> (Element, run count when last used)
        self._runs = 0
        self._missing: list[str] = []

    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.page}" + (f"?{self.query_string}" if self.query_string else "")

    def _load_page(self) -> None:
        """The first GET, as the browser's address bar does: keeps the cookies it sets (affinity, XSRF)."""
        request = urllib.request.Request(self.url, headers={"Cookie": self._cookie_header(),
                                                            "Accept-Language": self.locale})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            self.cookies.update(_cookies_from(response.headers))
        # The frontend's first call, which also sets the XSRF cookie it then offers with the websocket.
        request = urllib.request.Request(f"{self.base_url}/_stcore/health", headers={"Cookie": self._cookie_header()})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            self.cookies.update(_cookies_from(response.headers))

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def open(self) -> None:
        await asyncio.to_thread(self._load_page)
        await self._connect()

    async def _connect(self) -> None:
        stream = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        protocols = ["streamlit", self.cookies.get(XSRF_COOKIE, "")]
        if self.session_id:
            protocols.append(self.session_id)   # the frontend offers its old session id on a reconnect
        self._socket = await connect(stream, additional_headers={"Cookie": self._cookie_header()},
                                     origin=self.base_url, subprotocols=[p for p in protocols if p],
                                     max_size=None, compression=None, open_timeout=30, ping_interval=None)
        headers = self._socket.response.headers
        self.cookies.update(_cookies_from(headers))
        self.replica = headers.get("X-Served-By", self.cookies.get(AFFINITY_COOKIE, ""))
        self._closed.clear()
        self._finished = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self._socket:
                message = ForwardMsg()
                message.ParseFromString(frame)
                kind = message.WhichOneof("type")
                if kind == "new_session":
                    # Every run starts with new_session; the browser clears what it has not been sent again.
                    self._elements = {}
                    if message.new_session.initialize.session_id:
                        self.session_id = message.new_session.initialize.session_id
                elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                    self._elements[tuple(message.metadata.delta_path)] = message.delta.new_element
                    if message.metadata.cacheable and message.hash:
                        self._cache[message.hash] = (message.delta.new_element, self._runs)
                elif kind == "ref_hash":
                    cached = self._cache.get(message.ref_hash)
                    if cached is None:
                        self._missing.append(f"reference to an element the client does not hold ({message.ref_hash})")
                    else:
                        self._elements[tuple(message.metadata.delta_path)] = cached[0]
                        self.references += 1
                        self._cache[message.ref_hash] = (cached[0], self._runs)
                elif kind == "navigation":
                    # The page that ran (pages/ is served through st.navigation): the frontend's current page,
                    # sent with every later rerun. new_session.page_script_hash names the main script instead.
                    self.page_hash = message.navigation.page_script_hash
                elif kind == "page_info_changed":
                    # st.query_params writes the address bar: keep it as the browser does.
                    self.query_string = message.page_info_changed.query_string
                elif kind == "script_finished":
                    if message.script_finished == FINISHED.FINISHED_SUCCESSFULLY:
                        # What the page now shows is what the browser sends with the next rerun, for every widget.
                        self.widgets = shown_widget_states(self._elements.values(), self.widgets)
                    self._runs += 1
                    self._cache = {h: entry for h, entry in self._cache.items()
                                   if self._runs - entry[1] <= MAX_CACHED_MESSAGE_AGE}
                    self._finished.put_nowait(message.script_finished)
                elif kind == "page_not_found":
                    self._finished.put_nowait(f"page not found: {message.page_not_found.page_name}")
        except ConnectionClosed:
            pass
        finally:
            self._closed.set()
            self._finished.put_nowait(None)

    async def rerun(self, changes: dict[str, WidgetState] | None = None) -> Run:
        """Send a rerun (the page's state plus `changes`) and wait for its script_finished."""
        for widget_id, state in (changes or {}).items():
            state.id = widget_id
            self.widgets[widget_id] = state
        message = BackMsg()
        client = message.rerun_script
        client.query_string = self.query_string
        client.page_script_hash = self.page_hash
        client.page_name = "" if self.page_hash else self.page
        client.widget_states.widgets.extend(self.widgets.values())
        client.cached_message_hashes.extend(self._cache)
        client.context_info.locale = self.locale
        client.context_info.timezone = "UTC"
        client.context_info.url = f"{self.base_url}/{self.page}"
        started = time.perf_counter()
        try:
            await self._socket.send(message.SerializeToString())
        except ConnectionClosed as error:
            raise ProtocolError(f"stream closed before the rerun was sent ({error})") from None
        deadline = started + self.run_timeout_s
        while True:
            remaining = deadline - time.perf_counter()
            try:
                status = await asyncio.wait_for(self._finished.get(), max(remaining, 0.01))
            except asyncio.TimeoutError:
                raise ProtocolError(f"no script_finished within {self.run_timeout_s:.0f} s") from None
            if status is None:
                raise ProtocolError("stream closed during the run")
            if isinstance(status, str):
                raise ProtocolError(status)
            if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
                continue   # the script asked for another run: the view is the next one
            if status != FINISHED.FINISHED_SUCCESSFULLY:
                raise ProtocolError(f"run ended with {FINISHED.Name(status)}")
            missing, self._missing = self._missing, []
            return Run(time.perf_counter() - started, dict(self._elements), self.query_string, self.replica, missing)

    @property
    def connected(self) -> bool:
        return self._socket is not None and not self._closed.is_set()

    async def wait_closed(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self._closed.wait(), timeout_s)
            return True
        except asyncio.TimeoutError:
            return False

    async def reconnect(self, limit_s: float, pause_s: float = 1.0) -> float:
        """What the frontend does when the stream drops: open it again (same cookies, old session id) until it
        opens, within `limit_s`; returns the seconds it took. The balancer picks a live replica."""
        started = time.perf_counter()
        last = ""
        while time.perf_counter() - started < limit_s:
            try:
                await self._connect()
                self.reconnects += 1
                return time.perf_counter() - started
            except (OSError, ConnectionClosed, Exception) as error:  # noqa: BLE001 - any failure is retried
                last = f"{type(error).__name__}: {error}"
                await asyncio.sleep(pause_s)
        raise ProtocolError(f"could not reconnect within {limit_s:.0f} s ({last})")

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


def shown_widget_states(elements, previous: dict[str, WidgetState]) -> dict[str, WidgetState]:
    """The value each widget of a run now holds, as the frontend sends them all with every rerun: the server's
    value when the run set one (set_value), else what the client held for that widget, else the default. Covers
    the widget kinds the atlas's sidebar uses."""
    states: dict[str, WidgetState] = {}
    for element in elements:
        kind = element.WhichOneof("type")
        widget = getattr(element, kind) if kind else None
        if kind not in ("checkbox", "multiselect", "button_group", "slider", "text_input"):
            continue
        if not widget.set_value and widget.id in previous:
            states[widget.id] = previous[widget.id]
            continue
        state = WidgetState()
        if kind == "checkbox":
            state.bool_value = widget.value if widget.set_value else widget.default
        elif kind == "multiselect":
            values = list(widget.raw_values) if widget.set_value else [widget.options[i] for i in widget.default]
            state.string_array_value.data.extend(values)
        elif kind == "button_group":
            if not widget.set_value:
                continue   # a default button group sends nothing until clicked
            state.string_array_value.data.extend(widget.raw_values)
        elif kind == "slider":
            state.double_array_value.data.extend(widget.value if widget.set_value else widget.default)
        elif kind == "text_input":
            state.string_value = widget.value if widget.set_value and widget.HasField("value") else widget.default
        state.id = widget.id
        states[widget.id] = state
    return states


def bool_state(value: bool) -> WidgetState:
    state = WidgetState()
    state.bool_value = value
    return state


def strings_state(values: list[str]) -> WidgetState:
    state = WidgetState()
    state.string_array_value.data.extend(values)
    return state


def double_pair_state(low: float, high: float) -> WidgetState:
    state = WidgetState()
    state.double_array_value.data.extend([low, high])
    return state
