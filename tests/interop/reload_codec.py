"""RELOAD (RFC 6940) and SIP usage (RFC 7904) wire encoding, written from the RFC text alone
(structure definitions in /work/shared/rfc/, prose of the sections cited). It does not use or
read the project's C++ codec. Every integer is big-endian (§6.3). Where the RFC can be read two
ways the decoder accepts both and says so in a comment."""

import hashlib
import struct

RELO_TOKEN = 0xD2454C4F  # §6.3.2: "RELO" with the high bit of the first byte set
VERSION = 0x0A           # §6.3.2: version 1.0 times 10
UNFRAGMENTED = 0xC0000000  # §6.7: high bit (historical) + last-fragment bit, offset 0
INITIAL_TTL = 100        # §6.3.2: SHOULD be 100
NODE_ID_LEN = 16         # §10.2: CHORD-RELOAD uses 128-bit identifiers

# §14.8 message codes (requests odd, answers even; error 0xffff)
CODES = {
    "probe_req": 0x1, "probe_ans": 0x2, "attach_req": 0x3, "attach_ans": 0x4,
    "store_req": 0x7, "store_ans": 0x8, "fetch_req": 0x9, "fetch_ans": 0xA,
    "find_req": 0xD, "find_ans": 0xE, "join_req": 0xF, "join_ans": 0x10,
    "leave_req": 0x11, "leave_ans": 0x12, "update_req": 0x13, "update_ans": 0x14,
    "route_query_req": 0x15, "route_query_ans": 0x16, "ping_req": 0x17, "ping_ans": 0x18,
    "stat_req": 0x19, "stat_ans": 0x1A, "app_attach_req": 0x1D, "app_attach_ans": 0x1E,
    "config_update_req": 0x21, "config_update_ans": 0x22, "error": 0xFFFF,
}
NAMES = {v: k for k, v in CODES.items()}

# §14.9 error codes
ERRORS = {
    2: "Error_Forbidden", 3: "Error_Not_Found", 4: "Error_Request_Timeout",
    5: "Error_Generation_Counter_Too_Low", 6: "Error_Incompatible_with_Overlay",
    7: "Error_Unsupported_Forwarding_Option", 8: "Error_Data_Too_Large", 9: "Error_Data_Too_Old",
    10: "Error_TTL_Exceeded", 11: "Error_Message_Too_Large", 12: "Error_Unknown_Kind",
    13: "Error_Unknown_Extension", 14: "Error_Response_Too_Large", 15: "Error_Config_Too_Old",
    16: "Error_Config_Too_New", 17: "Error_In_Progress", 20: "Error_Invalid_Message",
}
ERROR_CODE = {v: k for k, v in ERRORS.items()}

# TLS registries used by §6.3.4 SignatureAndHashAlgorithm / HashAlgorithm
HASH_SHA256 = 4
SIG_RSA, SIG_ECDSA = 1, 3
# §6.3.4 SignerIdentityType
ID_CERT_HASH, ID_CERT_HASH_NODE_ID, ID_NONE = 1, 2, 3
CERT_X509 = 0  # RFC 6091 CertificateType

# §6.6.2 framing
FRAME_DATA, FRAME_ACK = 128, 129

KIND_SIP_REGISTRATION = 1  # RFC 7904 §9.1
# §8 Certificate Store Usage, Kind-IDs from the §14.6 table (CERTIFICATE_BY_USER is 0x10); both
# use the array data model (§7.2.2).
KIND_CERTIFICATE_BY_NODE = 3
KIND_CERTIFICATE_BY_USER = 0x10
MODEL_ARRAY, MODEL_DICTIONARY = 2, 3
KIND_MODELS = {KIND_SIP_REGISTRATION: MODEL_DICTIONARY, KIND_CERTIFICATE_BY_NODE: MODEL_ARRAY,
               KIND_CERTIFICATE_BY_USER: MODEL_ARRAY}
ARRAY_APPEND = 0xFFFFFFFF  # §7.4.1.1: "the index of 0xffffffff ... appended to the end"
SIP_REG_URI, SIP_REG_ROUTE = 1, 2  # RFC 7904 §3.2

LINK_TLS_TCP_FH_NO_ICE = 4  # §6.5.1.1 OverlayLinkType
CAND_HOST = 1


class DecodeError(Exception):
    pass


class Reader:
    """Bounds-checked cursor over a byte string: every read that would run past the end raises
    DecodeError (our peers' bytes are untrusted input here too)."""

    def __init__(self, data):
        self.data, self.pos = bytes(data), 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise DecodeError(f"need {n} bytes at {self.pos}, have {len(self.data) - self.pos}")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack("!H", self.take(2))[0]

    def u32(self):
        return struct.unpack("!I", self.take(4))[0]

    def u64(self):
        return struct.unpack("!Q", self.take(8))[0]

    def opaque(self, len_bytes):
        n = int.from_bytes(self.take(len_bytes), "big")
        return self.take(n)

    def left(self):
        return len(self.data) - self.pos

    def done(self):
        return self.pos == len(self.data)

    def expect_done(self, what):
        if not self.done():
            raise DecodeError(f"{what}: {self.left()} trailing bytes")


def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def u64(v):
    return struct.pack("!Q", v)


def opaque(data, len_bytes):
    data = bytes(data)
    if len(data) >= 1 << (8 * len_bytes):
        raise ValueError(f"{len(data)} bytes do not fit a {len_bytes}-byte length")
    return len(data).to_bytes(len_bytes, "big") + data


def sha1_128(data):
    """§10.2: SHA-1 truncated to the most significant 128 bits."""
    return hashlib.sha1(data).digest()[:16]


def overlay_hash(name):
    """§6.3.2: "the lower 32 bits of the SHA-1 hash of the overlay name". Read as the last four
    bytes of the digest (the digest as a big-endian number); overlay_hash_alt is the other
    reading (the first four bytes), which a receiver here also accepts."""
    return struct.unpack("!I", hashlib.sha1(name.encode()).digest()[-4:])[0]


def overlay_hash_alt(name):
    return struct.unpack("!I", hashlib.sha1(name.encode()).digest()[:4])[0]


def id_add(node_id, n):
    """(id + n) mod 2^128 as 16 bytes (§10.1: all math is modulo 2^128)."""
    return ((int.from_bytes(node_id, "big") + n) % (1 << 128)).to_bytes(16, "big")


# ---- §6.3.2.2 Destination ----------------------------------------------------------------

class Dest:
    """A Destination: kind "node", "resource" or "opaque" with its value bytes."""

    def __init__(self, kind, value):
        self.kind, self.value = kind, bytes(value)

    def __eq__(self, other):
        return isinstance(other, Dest) and (self.kind, self.value) == (other.kind, other.value)

    def __repr__(self):
        return f"{self.kind}:{self.value.hex()}"

    def encode(self):
        if self.kind == "node":
            return u8(1) + u8(len(self.value)) + self.value
        if self.kind == "resource":  # DestinationData is a ResourceId<0..2^8-1>: own length
            data = opaque(self.value, 1)
            return u8(2) + u8(len(data)) + data
        if self.kind == "opaque":
            if len(self.value) == 2 and self.value[0] & 0x80:
                return self.value  # the compressed 16-bit form
            data = opaque(self.value, 1)
            return u8(3) + u8(len(data)) + data
        raise ValueError(self.kind)


def node(node_id):
    return Dest("node", node_id)


def resource(rid):
    return Dest("resource", rid)


def decode_dest(r):
    first = r.data[r.pos] if r.left() else None
    if first is None:
        raise DecodeError("empty destination")
    if first & 0x80:  # "If the destination structure is a 16-bit integer, the first bit MUST be 1"
        return Dest("opaque", r.take(2))
    dtype, length = r.u8(), r.u8()
    inner = Reader(r.take(length))
    if dtype == 1:
        return Dest("node", inner.take(inner.left()))
    if dtype == 2:
        val = inner.opaque(1)
        inner.expect_done("resource destination")
        return Dest("resource", val)
    if dtype == 3:
        return Dest("opaque", inner.opaque(1))
    raise DecodeError(f"destination type {dtype}")


def decode_dest_list(data):
    r = Reader(data)
    out = []
    while not r.done():
        out.append(decode_dest(r))
    return out


# ---- §6.3.2 forwarding header, §6.3.3 contents, §6.3.4 security block -----------------------

class Signature:
    """§6.3.4 Signature. identity: (type, value bytes); for cert_hash, value is
    hash_alg || certificate_hash<0..2^8-1>."""

    def __init__(self, hash_alg, sig_alg, id_type, id_value, value):
        self.hash_alg, self.sig_alg = hash_alg, sig_alg
        self.id_type, self.id_value, self.value = id_type, bytes(id_value), bytes(value)

    def identity_bytes(self):
        """The encoded SignerIdentity (an input of every signature, §6.3.4 and §7.1)."""
        return u8(self.id_type) + u16(len(self.id_value)) + self.id_value

    def encode(self):
        return u8(self.hash_alg) + u8(self.sig_alg) + self.identity_bytes() + opaque(self.value, 2)

    def cert_hash(self):
        """(hash_alg, hash) of a cert_hash identity, else None."""
        if self.id_type not in (ID_CERT_HASH, ID_CERT_HASH_NODE_ID):
            return None
        r = Reader(self.id_value)
        alg = r.u8()
        return alg, r.opaque(1)


def decode_signature(r):
    hash_alg, sig_alg = r.u8(), r.u8()
    id_type, id_len = r.u8(), r.u16()
    id_value = r.take(id_len)
    return Signature(hash_alg, sig_alg, id_type, id_value, r.opaque(2))


class Message:
    """A whole RELOAD message: forwarding header fields, contents and security block."""

    def __init__(self, code, body, overlay, txid, dest, via=(), ttl=INITIAL_TTL, config_seq=0,
                 fragment=UNFRAGMENTED, max_response_length=0, options=b"", extensions=b"",
                 certificates=(), signature=None):
        self.code, self.body = code, bytes(body)
        self.overlay, self.txid = overlay, txid
        self.dest, self.via = list(dest), list(via)
        self.ttl, self.config_seq, self.fragment = ttl, config_seq, fragment
        self.max_response_length, self.options = max_response_length, bytes(options)
        self.extensions = bytes(extensions)  # the encoded MessageExtension list, raw
        self.certificates = list(certificates)  # [(type, DER)]
        self.signature = signature
        self.version = VERSION
        self.relo_token = RELO_TOKEN
        self.raw = None  # the bytes it was decoded from

    @property
    def name(self):
        return NAMES.get(self.code, hex(self.code))

    def is_request(self):
        return self.code != 0xFFFF and self.code % 2 == 1

    def contents(self):
        """§6.3.3 MessageContents (also an input of the message signature)."""
        return u16(self.code) + opaque(self.body, 4) + opaque(self.extensions, 4)

    def security_block(self):
        certs = b"".join(u8(t) + opaque(der, 2) for t, der in self.certificates)
        return opaque(certs, 2) + self.signature.encode()

    def header(self, total_len):
        via = b"".join(d.encode() for d in self.via)
        dest = b"".join(d.encode() for d in self.dest)
        return (u32(self.relo_token) + u32(self.overlay) + u16(self.config_seq) + u8(self.version)
                + u8(self.ttl) + u32(self.fragment) + u32(total_len) + u64(self.txid)
                + u32(self.max_response_length) + u16(len(via)) + u16(len(dest))
                + u16(len(self.options)) + via + dest + self.options)

    def encode(self):
        rest = self.contents() + self.security_block()
        hlen = len(self.header(0))
        return self.header(hlen + len(rest)) + rest


HEADER_FIXED = 38  # bytes of the forwarding header before the via list


def decode_header(data):
    """(fields dict, offset of the message contents)."""
    r = Reader(data)
    f = {"relo_token": r.u32(), "overlay": r.u32(), "config_seq": r.u16(), "version": r.u8(),
         "ttl": r.u8(), "fragment": r.u32(), "length": r.u32(), "txid": r.u64(),
         "max_response_length": r.u32()}
    via_len, dest_len, opt_len = r.u16(), r.u16(), r.u16()
    f["via"] = decode_dest_list(r.take(via_len))
    f["dest"] = decode_dest_list(r.take(dest_len))
    f["options"] = r.take(opt_len)
    return f, r.pos


def decode_message(data):
    data = bytes(data)
    f, pos = decode_header(data)
    if f["relo_token"] != RELO_TOKEN:
        raise DecodeError(f"relo_token {f['relo_token']:#x}")
    if f["length"] != len(data):
        raise DecodeError(f"length field {f['length']} but {len(data)} bytes")
    r = Reader(data[pos:])
    code = r.u16()
    body = r.opaque(4)
    ext = r.opaque(4)
    certs_r = Reader(r.opaque(2))
    certs = []
    while not certs_r.done():
        certs.append((certs_r.u8(), certs_r.opaque(2)))
    sig = decode_signature(r)
    r.expect_done("message")
    m = Message(code, body, f["overlay"], f["txid"], f["dest"], f["via"], f["ttl"],
                f["config_seq"], f["fragment"], f["max_response_length"], f["options"], ext,
                certs, sig)
    m.version, m.relo_token, m.raw = f["version"], f["relo_token"], data
    return m


def message_signature_input(overlay, txid, contents, identity_bytes):
    """§6.3.4: overlay || transaction_id || MessageContents || SignerIdentity."""
    return u32(overlay) + u64(txid) + contents + identity_bytes


# ---- §6.6.2 framing --------------------------------------------------------------------------

def frame_data(seq, message):
    return u8(FRAME_DATA) + u32(seq) + opaque(message, 3)


def frame_ack(ack_seq, received):
    return u8(FRAME_ACK) + u32(ack_seq) + u32(received)


def split_frames(buf):
    """([(type, fields)], rest): complete frames at the front of buf. data: (seq, message);
    ack: (ack_sequence, received)."""
    out = []
    while buf:
        t = buf[0]
        if t == FRAME_DATA:
            if len(buf) < 8:
                break
            n = int.from_bytes(buf[5:8], "big")
            if len(buf) < 8 + n:
                break
            out.append((t, (struct.unpack("!I", buf[1:5])[0], bytes(buf[8:8 + n]))))
            buf = buf[8 + n:]
        elif t == FRAME_ACK:
            if len(buf) < 9:
                break
            out.append((t, struct.unpack("!II", buf[1:9])))
            buf = buf[9:]
        else:
            raise DecodeError(f"framed message type {t}")
    return out, buf
