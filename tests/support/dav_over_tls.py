# Calendars and contacts of a deployed server, as a client on the internet reaches them: HTTPS on
# port 443 of the mail host (the web role's /dav/ proxy to the dav role), certificate verified.
# CalDAV with python3-caldav (Debian): discovery from /.well-known/caldav, save, time-range search,
# free-busy.
# CardDAV with requests (python3-caldav's own HTTP library): discovery from /.well-known/carddav,
# PUT / GET of a vCard, If-None-Match, addressbook-query. Prints one JSON line; the test checks it.
# Usage: dav_over_tls.py HOST ADDRESS_OF_HOST USER PASSWORD CA_FILE MARKER
import json
import socket
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import unquote, urljoin

import caldav
import requests

host, ip, user, password, ca_file, marker = sys.argv[1:7]

# The mail host's name resolves to the VPS (what DNS does for a real client); TLS still checks the name.
_getaddrinfo = socket.getaddrinfo
socket.getaddrinfo = lambda h, *a, **k: _getaddrinfo(ip if h == host else h, *a, **k)

base = f"https://{host}"
out = {}

# --- CalDAV ---------------------------------------------------------------------------------
client = caldav.DAVClient(url=f"{base}/.well-known/caldav", username=user, password=password, ssl_verify_cert=ca_file)
principal = client.principal()
out["principal"] = unquote(str(principal.url))
calendars = principal.calendars()
out["calendars"] = sorted(unquote(str(c.url)) for c in calendars)
cal = calendars[0]
uid = f"vps-{marker}"
cal.save_event(
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//facteur test//EN\r\nBEGIN:VEVENT\r\n"
    f"UID:{uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250415T140000Z\r\nDTEND:20250415T150000Z\r\n"
    f"SUMMARY:Dentist {marker}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
d = lambda *a: datetime(*a, tzinfo=timezone.utc)
found = lambda start, end: sorted(
    str(e.vobject_instance.vevent.uid.value) for e in cal.date_search(start=start, end=end, expand=False)
)
out["search_april"] = found(d(2025, 4, 15), d(2025, 4, 16))
out["search_may"] = found(d(2025, 5, 1), d(2025, 6, 1))
out["summary"] = str(cal.event_by_uid(uid).vobject_instance.vevent.summary.value)
fb = cal.freebusy_request(d(2025, 4, 15), d(2025, 4, 16)).data
fb = fb if isinstance(fb, str) else fb.decode()
out["freebusy"] = [l for l in fb.splitlines() if l.startswith("FREEBUSY")]

# --- CardDAV --------------------------------------------------------------------------------
s = requests.Session()
s.auth = (user, password)
s.verify = ca_file
s.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment would replace s.verify
NS = {"d": "DAV:", "card": "urn:ietf:params:xml:ns:carddav"}


def propfind(url, prop, depth="0"):
    body = f'<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:card="{NS["card"]}"><d:prop>{prop}</d:prop></d:propfind>'
    r = s.request("PROPFIND", url, data=body, headers={"Depth": depth, "Content-Type": "application/xml"})
    assert r.status_code == 207, (url, r.status_code, r.text)
    return r.url, ET.fromstring(r.content)


final, tree = propfind(f"{base}/.well-known/carddav", "<d:current-user-principal/>")
out["carddav_redirected_to"] = final
principal_url = urljoin(final, tree.find(".//d:current-user-principal/d:href", NS).text)
_, tree = propfind(principal_url, "<card:addressbook-home-set/>")
home = urljoin(principal_url, tree.find(".//card:addressbook-home-set/d:href", NS).text)
_, tree = propfind(home, "<d:resourcetype/>", depth="1")
books = [
    urljoin(home, r.find("d:href", NS).text)
    for r in tree.findall("d:response", NS)
    if r.find(".//d:resourcetype/card:addressbook", NS) is not None
]
out["books"] = sorted(unquote(b) for b in books)
vcard = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\n"
    f"UID:card-{marker}\r\nFN:Bob {marker}\r\nN:{marker};Bob;;;\r\nEMAIL;TYPE=INTERNET:bob@example.org\r\n"
    "END:VCARD\r\n"
).encode()
card_url = urljoin(books[0], f"card-{marker}.vcf")
put = s.put(card_url, data=vcard, headers={"Content-Type": "text/vcard; charset=utf-8", "If-None-Match": "*"})
out["put"] = put.status_code
got = s.get(card_url)
out["get"] = got.status_code
out["same_bytes"] = got.content == vcard
out["same_etag"] = got.headers.get("ETag") == put.headers.get("ETag") and bool(put.headers.get("ETag"))
out["put_again"] = s.put(
    card_url, data=vcard, headers={"Content-Type": "text/vcard; charset=utf-8", "If-None-Match": "*"}
).status_code
r = s.request(
    "REPORT",
    books[0],
    data=f'<?xml version="1.0"?><card:addressbook-query xmlns:d="DAV:" xmlns:card="{NS["card"]}">'
    "<d:prop><d:getetag/><card:address-data/></d:prop></card:addressbook-query>",
    headers={"Depth": "1", "Content-Type": "application/xml"},
)
out["query"] = r.status_code
out["query_has_card"] = f"FN:Bob {marker}" in "".join(
    e.text or "" for e in ET.fromstring(r.content).findall(".//card:address-data", NS)
)
out["wrong_password"] = s.request(
    "PROPFIND", books[0], auth=(user, "not-the-password"), headers={"Depth": "0"}
).status_code
print(json.dumps(out))
