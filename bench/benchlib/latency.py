"""Turns publisher send logs and reader logs into listing delays and end-to-end delays."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .observe import ObserverLog
from .rtmppub import StreamLog


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(-(-q * len(v) // 100)) - 1))
    return v[k]


@dataclass
class Delays:
    """Milliseconds, one value per part/segment (listing) or per frame (end to end)."""

    last_packet: list[float] = field(default_factory=list)     # last packet sent → listed
    closing_packet: list[float] = field(default_factory=list)  # closing packet sent → listed
    end_to_end: list[float] = field(default_factory=list)      # frame sent → decodable at the reader
    unmatched: int = 0  # frames whose decode time the publisher never logged

    def extend(self, other: "Delays") -> None:
        self.last_packet += other.last_packet
        self.closing_packet += other.closing_packet
        self.end_to_end += other.end_to_end
        self.unmatched += other.unmatched


def _sent_index(pub: StreamLog) -> tuple[list[int], list[float]]:
    pairs = sorted(pub.video)
    return [d for d, _ in pairs], [t for _, t in pairs]


def _lookup(dts: list[int], sent: list[float], ms: int) -> int | None:
    """Index of the publisher's frame with decode time `ms` (±1 ms for timescale rounding)."""
    i = bisect.bisect_left(dts, ms - 1)
    if i < len(dts) and abs(dts[i] - ms) <= 1:
        return i
    return None


def delays(pub: StreamLog, obs: ObserverLog, kind: str, end_to_end: bool) -> Delays:
    """Listing delays of every timed `kind` item; with `end_to_end`, each frame's delay too."""
    dts, sent = _sent_index(pub)
    out = Delays()
    for item in obs.items:
        if item.kind != kind or not item.dts_ms:
            continue
        last = _lookup(dts, sent, max(item.dts_ms))
        if item.listed_at is not None and last is not None and last + 1 < len(dts):
            out.last_packet.append((item.listed_at - sent[last]) * 1000)
            # The packet that closes it: the first video packet after its last one.
            out.closing_packet.append((item.listed_at - sent[last + 1]) * 1000)
        if end_to_end and item.fetched_at is not None:
            for ms in item.dts_ms:
                i = _lookup(dts, sent, ms)
                if i is None:
                    out.unmatched += 1
                else:
                    out.end_to_end.append((item.fetched_at - sent[i]) * 1000)
    return out
