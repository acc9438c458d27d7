"""The HTTP side of the approved platform's client (edges/platform.py): OAuth2 client-credentials tokens, requests
over the standard library (urllib.request), and every failure turned into one of the errors below.

The errors are one line each, naming the host and what failed, never a secret: the client secret and the access
token are masked in anything a server says back. What each means for the caller:
- `PlatformUnavailable`: the platform was not reached, or answered 5xx, 408 or 429: nothing was done, try again
  later (`retry_after` seconds when the platform said so);
- `PlatformUncertain`: a submission went out but no readable answer came back: it may have been taken, so it must
  not be sent again blindly;
- `PlatformRefused`: a 4xx answer (other than 401 and 429), or a request dunner knows the platform would refuse:
  a permanent refusal, with the platform's `errorCode` and `errorMessage`;
- `PlatformAuthError`: no token could be had with the credentials, or a 401 came back after one fresh token.
Redirects are not followed: a redirected request would carry the token to another address.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

from dunner.core.errors import OperationalError

TOKEN_MARGIN = 30  # seconds before its announced expiry that a token is renewed
MAX_TEXT = 200  # characters of a server's message kept in an error line
TRANSIENT = frozenset({408, 429})  # with every 5xx: the platform cannot take it now


class PlatformError(OperationalError):
    """A call to the approved platform failed (exit code 1). `status` is the HTTP status when there was one,
    `request_id` the X-Request-Id dunner sent (what the platform's support asks for)."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        status: int | None = None,
        request_id: str | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.request_id = request_id
        self.detail = detail  # what the platform said ("CODE: message"), made safe for one line


class PlatformUnavailable(PlatformError):
    """Not reached, 5xx, 408 or 429: nothing is known to be done; try again later (after `retry_after` s)."""

    def __init__(self, message: str, hint: str | None = None, *, retry_after: int | None = None, **kw: Any) -> None:
        super().__init__(message, hint, **kw)
        self.retry_after = retry_after


class PlatformUncertain(PlatformError):
    """A submission was sent but its answer was lost or unreadable: the platform may have taken it."""


class PlatformRefused(PlatformError):
    """A permanent refusal (4xx other than 401/429): the platform's `error_code` and `error_message` if any."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        error_code: str | None = None,
        error_message: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, hint, **kw)
        self.error_code = error_code
        self.error_message = error_message


class PlatformAuthError(PlatformError):
    """The token request failed, or the platform answered 401 again with a fresh token."""


@dataclass(frozen=True)
class Reply:
    """A 2xx answer: its status, headers and body, and the X-Request-Id the request carried."""

    status: int
    headers: Message
    body: bytes
    request_id: str

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    def json(self, what: str, host: str, *, failure: type[PlatformError] = PlatformUnavailable) -> Any:
        """The body as JSON; anything else is the platform's fault (`failure` says what it means here)."""
        try:
            return json.loads(self.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise failure(
                f"the platform at {host} answered {what} with something that is not JSON (HTTP {self.status})",
                request_id=self.request_id,
            ) from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


def host_of(url: str) -> str:
    """`host` or `host:port` of a URL, without any user or password it may carry."""
    parts = urllib.parse.urlsplit(url)
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else url


def build_opener(ca_file: str | None = None) -> urllib.request.OpenerDirector:
    """An opener that verifies certificates (against `ca_file` as well, if given) and follows no redirect."""
    context = ssl.create_default_context(cafile=ca_file)
    return urllib.request.build_opener(_NoRedirect(), urllib.request.HTTPSHandler(context=context))


def retry_after(headers: Message | None) -> int | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), None if absent or unreadable."""
    value = (headers.get("Retry-After") if headers is not None else None) or ""
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - datetime.now(UTC)).total_seconds() + 0.999))


def one_line(text: str, secrets: tuple[str, ...] = ()) -> str:
    """A server's text made safe for one error line: secrets masked, whitespace folded, length capped."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def error_fields(body: bytes) -> tuple[str | None, str | None]:
    """(code, message) from an error body: the Flow Service's `Error` (errorCode, errorMessage), the Directory's
    problem+json (status/type, message, details) or OAuth2's (error, error_description); (None, None) otherwise."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    code = data.get("errorCode") or data.get("error") or data.get("type")
    text = data.get("errorMessage") or data.get("error_description") or data.get("message") or data.get("details")
    return (str(code) if code else None), (str(text) if text else None)


class Session:
    """Requests to the platform with a bearer token got by OAuth2 client credentials (RFC 6749 §4.4).

    The token is kept until `TOKEN_MARGIN` seconds before the expiry the token endpoint announced, and renewed
    once when the platform answers 401. `clock` (monotonic seconds) is there for tests.
    """

    def __init__(
        self,
        settings: Any,
        opener: urllib.request.OpenerDirector | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.opener = opener or build_opener(str(settings.ca_file) if settings.ca_file else None)
        self.clock = clock
        self._token: str | None = None
        self._expires: float | None = None

    @property
    def _secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.settings.client_secret, self._token) if s)

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str = "application/json",
        unsafe: bool = False,
    ) -> Reply:
        """One call with the token; a 401 gets one new token and one more try. `unsafe`: a lost answer is
        `PlatformUncertain` (the request may have been taken), else `PlatformUnavailable`."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token()}", "Accept": accept}
            if content_type:
                headers["Content-Type"] = content_type
            try:
                return self._send(method, url, headers, body, what=what, unsafe=unsafe)
            except _Unauthorized as exc:
                self._token = None
                if attempt == 2:
                    raise PlatformAuthError(
                        f"the platform at {host_of(url)} refused dunner's access token ({what}): HTTP 401"
                        + (f" {exc.detail}" if exc.detail else ""),
                        hint="check [einvoicing] client_id and the client secret, and the rights given to them",
                        status=401,
                        request_id=exc.request_id,
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def token(self) -> str:
        """A valid access token, from the cache or a new one from the token endpoint."""
        if self._token and (self._expires is None or self.clock() < self._expires):
            return self._token
        s = self.settings
        form = {"grant_type": "client_credentials"}
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        if s.token_auth == "form":
            form |= {"client_id": s.client_id, "client_secret": s.client_secret}
        else:  # HTTP Basic, which every OAuth2 server must accept (RFC 6749 §2.3.1), id and secret form-encoded
            pair = f"{urllib.parse.quote_plus(s.client_id)}:{urllib.parse.quote_plus(s.client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        if s.scope:
            form["scope"] = s.scope
        started = self.clock()
        try:
            reply = self._send("POST", s.token_url, headers, urllib.parse.urlencode(form).encode(), what="token")
        except (_Unauthorized, PlatformRefused) as exc:
            raise PlatformAuthError(
                f"the token endpoint at {host_of(s.token_url)} gave client {s.client_id} no token: HTTP {exc.status}"
                + (f" {exc.detail}" if exc.detail else ""),
                hint="check [einvoicing] token_url, client_id and the client secret",
                status=exc.status,
                request_id=exc.request_id,
            ) from None
        self._token, self._expires = _read_token(reply, host_of(s.token_url), s.client_id, started)
        return self._token

    def _send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, *, what: str, unsafe: bool = False
    ) -> Reply:
        request_id = str(uuid.uuid4())
        request = urllib.request.Request(url, data=body, method=method, headers={**headers, "X-Request-Id": request_id})
        host, timeout = host_of(url), self.settings.timeout
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                return Reply(answer.status, answer.headers, answer.read(), request_id)
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc, host, what, request_id) from None
        except urllib.error.URLError as exc:  # raised before or while sending: nothing reached the platform
            reason = exc.reason if isinstance(exc.reason, str) else _why(exc.reason)
            raise PlatformUnavailable(
                f"cannot reach the platform at {host} ({what}): {reason}", request_id=request_id
            ) from None
        except (OSError, http.client.HTTPException) as exc:  # sent, then the answer was lost
            if unsafe:
                raise PlatformUncertain(
                    f"the platform at {host} took the request ({what}) but its answer was lost ({_why(exc)}):"
                    " it may have been received",
                    hint="check on the platform before submitting it again",
                    request_id=request_id,
                ) from None
            raise PlatformUnavailable(
                f"the platform at {host} did not answer ({what}): {_why(exc)}", request_id=request_id
            ) from None

    def _http_error(self, exc: urllib.error.HTTPError, host: str, what: str, request_id: str) -> Exception:
        status = exc.code
        try:
            body = exc.read()
        except (OSError, http.client.HTTPException):
            body = b""
        code, text = error_fields(body)
        text = one_line(text, self._secrets) if text else None
        detail = ": ".join(one_line(p, self._secrets) for p in (code, text) if p)
        if 300 <= status < 400:
            detail = f"to {one_line(exc.headers.get('Location', '?'))}" + (f" {detail}" if detail else "")
        said = f"HTTP {status}" + (f" {detail}" if detail else "")
        if status == 401:
            return _Unauthorized(detail, request_id)
        if status >= 500 or status in TRANSIENT:
            wait = retry_after(exc.headers)
            later = f", retry after {wait} s" if wait is not None else ", try again later"
            return PlatformUnavailable(
                f"the platform at {host} cannot take the request now ({what}): {said}{later}",
                retry_after=wait,
                status=status,
                request_id=request_id,
                detail=detail,
            )
        return PlatformRefused(
            f"the platform at {host} refused the request ({what}): {said}",
            error_code=code,
            error_message=text,
            status=status,
            request_id=request_id,
            detail=detail,
        )


class _Unauthorized(Exception):
    def __init__(self, detail: str, request_id: str) -> None:
        super().__init__(detail)
        self.detail, self.request_id, self.status = detail, request_id, 401


def _why(reason: BaseException) -> str:
    """A network failure in a few words: "connection refused", "timed out", the certificate problem."""
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"certificate not trusted ({reason.verify_message})"
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return re.sub(r"^\[Errno -?\d+\]\s*", "", text)


def _read_token(reply: Reply, host: str, client_id: str, started: float) -> tuple[str, float | None]:
    """(access token, monotonic expiry or None) from a token endpoint's JSON answer (RFC 6749 §5.1)."""
    data = reply.json("the token request", host, failure=PlatformAuthError)
    token = data.get("access_token") if isinstance(data, dict) else None
    kind = str(data.get("token_type") or "bearer") if isinstance(data, dict) else ""
    if not isinstance(token, str) or not token or kind.lower() != "bearer":
        raise PlatformAuthError(
            f"the token endpoint at {host} gave client {client_id} no bearer access token", request_id=reply.request_id
        )
    try:
        lifetime = float(data["expires_in"])
    except (KeyError, TypeError, ValueError):
        return token, None  # no announced expiry: kept until the platform answers 401
    return token, started + max(lifetime - TOKEN_MARGIN, lifetime / 2)
