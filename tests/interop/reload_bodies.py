"""Message bodies of RFC 6940 §6.4.2, §6.5, §7.4 and §10, and RFC 7904's SipRegistration,
encoded and decoded from the RFC's structure definitions (see reload_codec.py)."""

import ipaddress

from reload_codec import (CAND_HOST, ERRORS, KIND_MODELS, MODEL_ARRAY, NODE_ID_LEN, DecodeError, Reader,
                          decode_dest, decode_signature, opaque, u8, u16, u32, u64)

# ---- §6.3.3.1 ErrorResponse ------------------------------------------------------------------


def error_body(code, info=b""):
    return u16(code) + opaque(info, 2)


def decode_error(body):
    r = Reader(body)
    code, info = r.u16(), r.opaque(2)
    r.expect_done("ErrorResponse")
    return code, info


def answer_name(ans):
    """An answer for a report line: its message name, or the error's name and info text."""
    if ans is None:
        return "no answer"
    if ans.name != "error":
        return ans.name
    code, info = decode_error(ans.body)
    return f"{ERRORS.get(code, code)} ({info.decode(errors='replace')})"


# ---- §6.5.3 Ping -----------------------------------------------------------------------------

def ping_req(padding=b""):
    return opaque(padding, 2)


def ping_ans(response_id, time_ms):
    return u64(response_id) + u64(time_ms)


def decode_ping_ans(body):
    r = Reader(body)
    out = {"response_id": r.u64(), "time": r.u64()}
    r.expect_done("PingAns")
    return out


# ---- §6.4.2.5 Probe --------------------------------------------------------------------------

PROBE_RESPONSIBLE_SET, PROBE_NUM_RESOURCES, PROBE_UPTIME = 1, 2, 3


def probe_req(types):
    return opaque(bytes(types), 1)


def probe_ans(values):
    """values: {type: uint32}."""
    items = b"".join(u8(t) + u8(4) + u32(v) for t, v in values.items())
    return opaque(items, 2)


def decode_probe_ans(body):
    r = Reader(body)
    inner = Reader(r.opaque(2))
    r.expect_done("ProbeAns")
    out = {}
    while not inner.done():
        t, n = inner.u8(), inner.u8()
        v = Reader(inner.take(n))
        out[t] = v.u32() if n == 4 else v.data
    return out


def decode_probe_req(body):
    r = Reader(body)
    return list(r.opaque(1))


# ---- §6.5.1 Attach ---------------------------------------------------------------------------

def ip_addr_port(ip, port):
    """§6.3.1.1 IpAddressPort."""
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        return u8(1) + u8(6) + a.packed + u16(port)
    return u8(2) + u8(18) + a.packed + u16(port)


def decode_ip_addr_port(r):
    t, n = r.u8(), r.u8()
    inner = Reader(r.take(n))
    if t == 1:
        return str(ipaddress.IPv4Address(inner.take(4))), inner.u16()
    if t == 2:
        return str(ipaddress.IPv6Address(inner.take(16))), inner.u16()
    return None, None  # "can still parse ... and then discard it" (§6.3.1.1)


def ice_candidate(ip, port, link_type, foundation=b"1", priority=1, extensions=()):
    ext = b"".join(opaque(k, 2) + opaque(v, 2) for k, v in extensions)
    return (ip_addr_port(ip, port) + u8(link_type) + opaque(foundation, 1) + u32(priority)
            + u8(CAND_HOST) + opaque(ext, 2))


def decode_candidate(r):
    ip, port = decode_ip_addr_port(r)
    c = {"ip": ip, "port": port, "overlay_link": r.u8(), "foundation": r.opaque(1),
         "priority": r.u32(), "type": r.u8()}
    if c["type"] in (2, 4):  # srflx, relay carry rel_addr_port
        c["rel"] = decode_ip_addr_port(r)
    c["extensions"] = r.opaque(2)
    return c


def attach_req_ans(ufrag, password, role, candidates, send_update):
    return (opaque(ufrag, 1) + opaque(password, 1) + opaque(role, 1)
            + opaque(b"".join(candidates), 2) + u8(1 if send_update else 0))


def decode_attach(body):
    r = Reader(body)
    out = {"ufrag": r.opaque(1), "password": r.opaque(1), "role": r.opaque(1).decode(errors="replace")}
    cr = Reader(r.opaque(2))
    out["candidates"] = []
    while not cr.done():
        out["candidates"].append(decode_candidate(cr))
    out["send_update"] = r.u8()
    r.expect_done("AttachReqAns")
    return out


# ---- §6.4.2.1-2 Join/Leave, §10.7 ChordUpdate, §10.9 ChordLeaveData --------------------------

def join_req(node_id, data=b""):
    return node_id + opaque(data, 2)


def decode_join_req(body):
    r = Reader(body)
    out = {"node_id": r.take(NODE_ID_LEN), "data": r.opaque(2)}
    r.expect_done("JoinReq")
    return out


def join_ans(data=b""):
    return opaque(data, 2)


def ids(lst):
    return opaque(b"".join(lst), 2)


def decode_ids(r):
    raw = Reader(r.opaque(2))
    out = []
    while not raw.done():
        out.append(raw.take(NODE_ID_LEN))
    return out


CHORD_PEER_READY, CHORD_NEIGHBORS, CHORD_FULL = 1, 2, 3


def chord_update(uptime, utype, preds=(), succs=(), fingers=()):
    out = u32(uptime) + u8(utype)
    if utype in (CHORD_NEIGHBORS, CHORD_FULL):
        out += ids(preds) + ids(succs)
    if utype == CHORD_FULL:
        out += ids(fingers)
    return out


def _decode_chord_update(data):
    r = Reader(data)
    out = {"uptime": r.u32(), "type": r.u8(), "predecessors": [], "successors": [], "fingers": []}
    if out["type"] in (CHORD_NEIGHBORS, CHORD_FULL):
        out["predecessors"] = decode_ids(r)
        out["successors"] = decode_ids(r)
    if out["type"] == CHORD_FULL:
        out["fingers"] = decode_ids(r)
    r.expect_done("ChordUpdate")
    return out


def decode_update(body):
    """§6.4.2.3 says only that UpdateReq's contents are overlay specific; §10.7 gives ChordUpdate.
    Read as the body itself being the ChordUpdate; the other reading (a ChordUpdate inside an
    opaque<0..2^16-1>, like Join's overlay_specific_data) is accepted too."""
    try:
        return _decode_chord_update(body)
    except DecodeError:
        r = Reader(body)
        inner = r.opaque(2)
        r.expect_done("UpdateReq")
        out = _decode_chord_update(inner)
        out["wrapped"] = True
        return out


FROM_SUCC, FROM_PRED = 1, 2


def leave_req(node_id, ltype, lst):
    return node_id + opaque(u8(ltype) + ids(lst), 2)


def decode_leave_req(body):
    r = Reader(body)
    out = {"node_id": r.take(NODE_ID_LEN)}
    data = Reader(r.opaque(2))
    r.expect_done("LeaveReq")
    if not data.done():
        out["type"] = data.u8()
        out["ids"] = decode_ids(data)
    return out


# ---- §7 storage ------------------------------------------------------------------------------

def data_value(exists, value):
    return u8(1 if exists else 0) + opaque(value, 4)


def dictionary_entry(key, exists, value):
    """§7.2.3 DictionaryEntry (the StoredDataValue of a dictionary kind)."""
    return opaque(key, 2) + data_value(exists, value)


def array_entry(index, exists, value):
    """§7.2.2 ArrayEntry (the StoredDataValue of an array kind)."""
    return u32(index) + data_value(exists, value)


def decode_stored_data_array(r):
    """One StoredData of an array kind; value_bytes is the encoded StoredDataValue."""
    inner = Reader(r.opaque(4))
    sd = {"storage_time": inner.u64(), "lifetime": inner.u32()}
    start = inner.pos
    sd["index"] = inner.u32()
    sd["exists"] = inner.u8()
    sd["value"] = inner.opaque(4)
    sd["value_bytes"] = inner.data[start:inner.pos]
    sd["signature"] = decode_signature(inner)
    inner.expect_done("StoredData")
    return sd


def decode_stored_data(r, kind):
    """One StoredData of `kind`, by the data model the kind has (§7.2)."""
    if KIND_MODELS.get(kind) == MODEL_ARRAY:
        return decode_stored_data_array(r)
    return decode_stored_data_dict(r)


def fetch_req_array(resource_id, kind, ranges, generation=0):
    """§7.4.2.1 FetchReq with one array StoredDataSpecifier: ArrayRange (first, last) pairs."""
    spec = opaque(b"".join(u32(a) + u32(b) for a, b in ranges), 2)
    sds = u32(kind) + u64(generation) + u16(len(spec)) + spec
    return opaque(resource_id, 1) + opaque(sds, 2)


def decode_array_ranges(model):
    r = Reader(model)
    ranges = Reader(r.opaque(2))
    r.expect_done("ArrayRange list")
    out = []
    while not ranges.done():
        out.append((ranges.u32(), ranges.u32()))
    return out


def decode_fetch_ans(body):
    """A FetchAns whose values are decoded by each kind's data model."""
    r = Reader(body)
    kr = Reader(r.opaque(4))
    r.expect_done("FetchAns")
    out = []
    while not kr.done():
        kind, gen = kr.u32(), kr.u64()
        vals = Reader(kr.opaque(4))
        values = []
        while not vals.done():
            values.append(decode_stored_data(vals, kind))
        out.append({"kind": kind, "generation": gen, "values": values})
    return out


def stored_data(storage_time, lifetime, value, signature):
    inner = u64(storage_time) + u32(lifetime) + value + signature.encode()
    return u32(len(inner)) + inner


def store_req(resource_id, replica_number, kinds):
    """kinds: [(kind, generation_counter, [StoredData bytes])]."""
    kd = b"".join(u32(k) + u64(g) + opaque(b"".join(vals), 4) for k, g, vals in kinds)
    return opaque(resource_id, 1) + u8(replica_number) + opaque(kd, 4)


def decode_store_ans(body):
    r = Reader(body)
    inner = Reader(r.opaque(2))
    r.expect_done("StoreAns")
    out = []
    while not inner.done():
        kind, gen = inner.u32(), inner.u64()
        out.append({"kind": kind, "generation": gen, "replicas": decode_ids(inner)})
    return out


def decode_dictionary_value(r):
    key = r.opaque(2)
    exists = r.u8()
    return {"key": key, "exists": exists, "value": r.opaque(4)}


def decode_stored_data_dict(r):
    """One StoredData of a dictionary kind; value_bytes is the encoded StoredDataValue."""
    inner = Reader(r.opaque(4))
    sd = {"storage_time": inner.u64(), "lifetime": inner.u32()}
    start = inner.pos
    sd.update(decode_dictionary_value(inner))
    sd["value_bytes"] = inner.data[start:inner.pos]
    sd["signature"] = decode_signature(inner)
    inner.expect_done("StoredData")
    return sd


def decode_store_req(body):
    r = Reader(body)
    out = {"resource": r.opaque(1), "replica_number": r.u8(), "kinds": []}
    kd = Reader(r.opaque(4))
    r.expect_done("StoreReq")
    while not kd.done():
        kind, gen = kd.u32(), kd.u64()
        vals = Reader(kd.opaque(4))
        raw = []
        while not vals.done():
            n = vals.u32()
            raw.append(u32(n) + vals.take(n))
        out["kinds"].append({"kind": kind, "generation": gen, "values": raw})
    return out


def store_ans(kinds):
    """kinds: [(kind, generation, [replica node ids])]."""
    return opaque(b"".join(u32(k) + u64(g) + ids(reps) for k, g, reps in kinds), 2)


def fetch_req_dict(resource_id, kind, keys, generation=0):
    """§7.4.2.1 FetchReq with one dictionary StoredDataSpecifier."""
    spec = opaque(b"".join(opaque(k, 2) for k in keys), 2)
    sds = u32(kind) + u64(generation) + u16(len(spec)) + spec
    return opaque(resource_id, 1) + opaque(sds, 2)


def decode_fetch_req(body):
    r = Reader(body)
    out = {"resource": r.opaque(1), "specifiers": []}
    sr = Reader(r.opaque(2))
    r.expect_done("FetchReq")
    while not sr.done():
        kind, gen = sr.u32(), sr.u64()
        out["specifiers"].append({"kind": kind, "generation": gen, "model": sr.opaque(2)})
    return out


def decode_fetch_ans_dict(body):
    """A FetchAns of dictionary kinds (SIP-REGISTRATION)."""
    return decode_fetch_ans(body)


def fetch_ans(kinds):
    """kinds: [(kind, generation, [StoredData bytes])]."""
    return opaque(b"".join(u32(k) + u64(g) + opaque(b"".join(v), 4) for k, g, v in kinds), 4)


# ---- RFC 7904 §3.2 SipRegistration -----------------------------------------------------------

def sip_registration_uri(uri):
    data = opaque(uri.encode(), 2)  # uri<0..2^16-1> carries its own length
    return u8(1) + u16(len(data)) + data


def decode_sip_registration(value):
    """RFC 7904 §3.2: type, length ("of the rest of the PDU"), data. For the uri case the data
    is uri<0..2^16-1>, i.e. it carries its own 2-byte length; a reading in which the data is the
    bare URI (length = URI length) is accepted too."""
    r = Reader(value)
    t, n = r.u8(), r.u16()
    data = r.take(n)
    r.expect_done("SipRegistration")
    if t == 1:
        inner = Reader(data)
        if n >= 2 and int.from_bytes(data[:2], "big") == n - 2:
            return {"type": t, "uri": inner.opaque(2).decode(errors="replace")}
        return {"type": t, "uri": data.decode(errors="replace"), "bare": True}
    if t == 2:
        inner = Reader(data)
        prefs = inner.opaque(2)
        dl = Reader(inner.opaque(2))
        dests = []
        while not dl.done():
            dests.append(decode_dest(dl))
        return {"type": t, "contact_prefs": prefs, "destinations": dests}
    return {"type": t, "data": data}

