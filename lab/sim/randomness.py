"""Named random streams: one seeded generator per purpose.

Each purpose (cluster IPs, node ports, object names, the kubelet's pull
times, load balancing ...) draws from its own stream derived from the
world's seed, so a new consumer of randomness in one component does not
shift the values every other component produces. Reproducible: the same
seed gives the same streams, and their states travel with the saved world.
"""
from __future__ import annotations

import random
from typing import Any


class RandomStreams:
    """`streams.get("clusterip")` is the generator for cluster IPs, and so on."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def get(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            # Seeding from a string hashes it with SHA-512: stable across runs and
            # unaffected by PYTHONHASHSEED.
            stream = self._streams[name] = random.Random(f"{self.seed}:{name}")
        return stream

    def snapshot(self) -> dict[str, tuple]:
        """Every stream's position, for `restore` (cheap: getstate copies)."""
        return {name: stream.getstate() for name, stream in self._streams.items()}

    def restore(self, snapshot: dict[str, tuple]) -> None:
        """Put every stream back where `snapshot` found it; streams born since are dropped."""
        for name in list(self._streams):
            if name not in snapshot:
                del self._streams[name]
        for name, state in snapshot.items():
            self._streams[name].setstate(state)

    def to_state(self) -> dict[str, Any]:
        out = {}
        for name in sorted(self._streams):
            version, internal, gauss = self._streams[name].getstate()
            out[name] = [version, list(internal), gauss]
        return out

    @classmethod
    def from_state(cls, seed: int, state: dict[str, Any]) -> "RandomStreams":
        streams = cls(seed)
        for name, (version, internal, gauss) in state.items():
            stream = random.Random()
            stream.setstate((version, tuple(internal), gauss))
            streams._streams[name] = stream
        return streams
