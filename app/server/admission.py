"""Who may ask for costly work: rate limits per client address (new sessions; the stateless
tools: the graph lab, link codes, imports), and which address that is."""
import ipaddress
import math
import threading
import time
from collections import OrderedDict

WINDOW = 60                 # seconds the limit counts over
MAX_CLIENTS = 10_000        # addresses remembered at once (about 0.6 KB each)


class RateLimited(RuntimeError):
    """Too many requests of a kind from one address; `retry_after` seconds until the next is
    allowed."""

    def __init__(self, limit, retry_after):
        super().__init__(f"too many {limit.what} from your address: at most {limit.per_minute} a minute "
                         f"({limit.setting}); try again in {retry_after} s")
        self.retry_after = retry_after


class Limit:
    """What a limiter counts: its name in messages, its setting, how many a minute (0: no limit)."""

    def __init__(self, what, setting, per_minute):
        self.what, self.setting, self.per_minute = what, setting, per_minute


def creates(per_minute):
    return Limit("new sessions", "MANUALGRAD_CREATES_PER_MINUTE", per_minute)


def tools(per_minute):
    return Limit("graph-lab runs, link codes and imports", "MANUALGRAD_TOOLS_PER_MINUTE", per_minute)


class Limiter:
    """At most `limit.per_minute` requests per address in any 60 s, counted in one-second
    buckets (so a burst is counted exactly); 0 turns the limit off."""

    def __init__(self, limit, clock=time.monotonic):
        self.limit, self.per_minute = limit, limit.per_minute
        self.clock = clock
        self._clients = OrderedDict()    # address -> [counts per second of the window, last second]
        self._lock = threading.Lock()

    def take(self, address):
        """Count one create from `address`, or RateLimited if it has had its share."""
        self.check(address, count=True)

    async def admit(self, address):
        """take(), as the routes call it (the Redis limiter's is a round trip)."""
        self.take(address)

    def check(self, address, count=False):
        """RateLimited if `address` has had its share this minute; with count, count one more."""
        if self.per_minute <= 0:
            return
        now = math.floor(self.clock())
        with self._lock:
            entry = self._clients.get(address)
            if entry is None:
                entry = self._clients[address] = [[0] * WINDOW, now]
                if len(self._clients) > MAX_CLIENTS:
                    self._clients.popitem(last=False)
            counts, last = entry
            for second in range(max(last + 1, now - WINDOW + 1), now + 1):
                counts[second % WINDOW] = 0      # seconds that left the window
            entry[1] = now
            self._clients.move_to_end(address)
            if sum(counts) >= self.per_minute:
                oldest = next(s for s in range(now - WINDOW + 1, now + 1) if counts[s % WINDOW])
                raise RateLimited(self.limit, oldest + WINDOW - now)
            if count:
                counts[now % WINDOW] += 1


def parse_networks(text):
    """"10.0.0.1, 192.168.0.0/16" -> the networks; ValueError naming a bad entry."""
    networks = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"MANUALGRAD_TRUSTED_PROXIES: {part!r} is not an address or a network") from None
    return networks


def is_in(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request, trusted):
    """The address a request comes from: its peer, or, when the peer is one of the trusted
    proxies, the right-most address in X-Forwarded-For that is not (the client of the first
    proxy that is ours; the addresses left of it are the client's to write, so not believed)."""
    return scope_address(request.client, request.headers.get("x-forwarded-for"), trusted)


def scope_address(client, forwarded, trusted):
    """client_address from an ASGI scope's client and X-Forwarded-For header."""
    peer = client[0] if client else "unknown"
    if not trusted or not forwarded or not is_in(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_in(hop, trusted):
            return hop
    return hops[0] if hops else peer


LARGE_BODY = 64 * 1024          # a body this big costs tens of milliseconds to parse and refuse
LARGE_REFUSALS = 10             # refusals of large bodies one address may have in a minute


class RefusalBudget:
    """Counts the large bodies refused (4xx) per address; past LARGE_REFUSALS in a minute, that
    address's large bodies are answered 429 before they are read: one client sending 2 MB of
    garbage back to back would otherwise keep the event loop busy parsing it."""

    def __init__(self, clock=time.monotonic):
        self.counter = Limiter(Limit("refused large requests", "a fixed limit", LARGE_REFUSALS), clock)

    def exhausted(self, address):
        try:
            self.counter.check(address)
        except RateLimited as e:
            return e.retry_after
        return None

    def refused(self, address):
        try:
            self.counter.take(address)
        except RateLimited:
            pass


class RedisLimiter:
    """Limiter's rule counted in Redis (the RATE script of sessions/redis/scripts.py), so
    that every process of the class counts together; `connection` runs the script."""

    def __init__(self, connection, limit, key):
        self.connection, self.limit, self.key = connection, limit, key

    async def admit(self, address):
        if self.limit.per_minute <= 0:
            return
        wait = await self.connection.run("rate", f"{self.key}:{address}", self.limit.per_minute)
        if wait:
            raise RateLimited(self.limit, int(wait))
