"""A real DNS server on localhost (dnslib) answering TXT queries from a dict."""
from __future__ import annotations

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class TxtRecords(BaseResolver):
    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        if request.q.qtype == QTYPE.TXT and name in self.records:
            for value in self.records[name]:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        else:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class LocalDns:
    def __init__(self) -> None:
        self.resolver = TxtRecords()
        self.server = DNSServer(self.resolver, port=0, address="127.0.0.1",
                                logger=DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data"))
        self.server.start_thread()
        self.port = self.server.server.server_address[1]

    def app_config(self) -> dict:
        return {"DNS_NAMESERVERS": ["127.0.0.1"], "DNS_PORT": self.port}

    def stop(self) -> None:
        self.server.stop()
