"""Internal: how a channel message travels through Redis: its channel key and its payload.

```
channel   approutes:channel:<name, UTF-8>
payload   b"s" + UTF-8 text   a str message
          b"b" + bytes        a bytes message
```

Redis pub/sub channels are shared by every database of a server, hence the prefix.
"""

from __future__ import annotations

__all__ = ["CHANNEL_PREFIX", "channel_key", "channel_name", "decode_message", "encode_message"]

CHANNEL_PREFIX = b"approutes:channel:"
_TEXT = b"s"
_BYTES = b"b"


def channel_key(name: str) -> bytes:
    """The Redis channel of `name`.

    >>> channel_key("room:1")
    b'approutes:channel:room:1'
    """
    return CHANNEL_PREFIX + name.encode("utf-8", "surrogatepass")


def channel_name(key: bytes) -> str | None:
    """The name of a Redis channel `channel_key` made, or None for another channel.

    >>> channel_name(b"approutes:channel:room:1")
    'room:1'
    >>> channel_name(b"news") is None
    True
    """
    if not key.startswith(CHANNEL_PREFIX):
        return None
    return key[len(CHANNEL_PREFIX) :].decode("utf-8", "surrogatepass")


def encode_message(message: str | bytes) -> bytes:
    r"""The payload of `message`: its type in one byte, then its bytes.

    >>> encode_message("héllo"), encode_message(b"\x00")
    (b'sh\xc3\xa9llo', b'b\x00')
    """
    if isinstance(message, str):
        return _TEXT + message.encode("utf-8")
    return _BYTES + message


def decode_message(payload: bytes) -> str | bytes | None:
    """The message `encode_message` made, or None for a payload it did not make.

    >>> decode_message(b"shi"), decode_message(b"bhi"), decode_message(b"xhi")
    ('hi', b'hi', None)
    """
    kind, body = payload[:1], payload[1:]
    if kind == _BYTES:
        return body
    if kind == _TEXT:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None
