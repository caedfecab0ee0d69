"""SIP-REGISTRATION (RFC 7904) values as the interop node stores and fetches them: the StoredData
signature of RFC 6940 §7.1 and the Store/Fetch requests of §7.4."""

import secrets

import reload_bodies as B
from reload_codec import KIND_SIP_REGISTRATION, opaque, resource, sha1_128, u32, u64
from reload_node import now_ms


def data_signature_input(resource_id, kind, storage_time, value, identity, prefixed):
    """§7.1: resource_id || kind || storage_time || StoredDataValue || SignerIdentity. The RFC
    does not say whether resource_id is the ResourceId structure (with its one-byte length,
    prefixed=True) or its bare bytes (prefixed=False); both readings are tried."""
    rid = opaque(resource_id, 1) if prefixed else resource_id
    return rid + u32(kind) + u64(storage_time) + value + identity


def registration_value(node, contact, key=None, exists=True):
    """The encoded StoredDataValue (a DictionaryEntry keyed by our Node-ID, RFC 7904 §3.2)."""
    return B.dictionary_entry(key or node.node_id, exists,
                              B.sip_registration_uri(contact) if exists else b"")


def signed_stored_data(node, resource_id, value, lifetime, prefixed, storage_time=None):
    storage_time = storage_time or now_ms()
    sig = node.me.signature_over(lambda ident: data_signature_input(
        resource_id, KIND_SIP_REGISTRATION, storage_time, value, ident, prefixed))
    return B.stored_data(storage_time, lifetime, value, sig)


def store(node, user, contact, prefixed, lifetime=600, timeout=10, **kw):
    """StoreReq for user's AoR (replica_number 0, generation 0: "ignore", §7.4.1.1)."""
    rid = sha1_128(user.encode())
    sd = signed_stored_data(node, rid, registration_value(node, contact), lifetime, prefixed)
    body = B.store_req(rid, 0, [(KIND_SIP_REGISTRATION, 0, [sd])])
    return node.request("store_req", body, [resource(rid)], timeout=timeout, **kw)


def fetch(node, user, keys, timeout=10, generation=0, **kw):
    rid = sha1_128(user.encode())
    body = B.fetch_req_dict(rid, KIND_SIP_REGISTRATION, keys, generation)
    return node.request("fetch_req", body, [resource(rid)], timeout=timeout, **kw)


def verify_stored(node, user, sd):
    """(readings under which the value's signature verifies, signer node ids, users)."""
    rid = sha1_128(user.encode())
    cert = node.verifier.signer(sd["signature"])
    ok = []
    for prefixed in (False, True):
        data = data_signature_input(rid, KIND_SIP_REGISTRATION, sd["storage_time"],
                                    sd["value_bytes"], sd["signature"].identity_bytes(), prefixed)
        good, nodes, users = node.verifier.verify(sd["signature"], data)
        if good:
            ok.append("length-prefixed" if prefixed else "bare")
    return ok, cert


def random_key():
    return secrets.token_bytes(16)


def parse_values(ans):
    """The dictionary values of a FetchAns for SIP-REGISTRATION."""
    kinds = B.decode_fetch_ans_dict(ans.body)
    return [v for k in kinds if k["kind"] == KIND_SIP_REGISTRATION for v in k["values"]], kinds

