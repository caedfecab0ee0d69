"""Credentials and signatures of RFC 6940 §6.3.4, §7.1 and §11.3, with python3-cryptography:
a node's certificate (Node-IDs in reload:// URIs, the user name as rfc822Name), signing with
its key, verifying other nodes' signatures against the certificates they carry."""

import hashlib
import re

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from reload_codec import (HASH_SHA256, ID_CERT_HASH, ID_NONE, SIG_ECDSA, SIG_RSA, Reader,
                          Signature, decode_dest, message_signature_input, opaque, u8)


def cert_identities(cert):
    """(node ids, user names) of a certificate: §11.3 puts each Node-ID in a uniformResourceIdentifier
    "reload://" + hex(Destination List with one node entry) + "@" overlay "/" (§14.15) and the
    user name in an rfc822Name."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    nodes = []
    for uri in san.get_values_for_type(x509.UniformResourceIdentifier):
        m = re.fullmatch(r"reload://([0-9A-Fa-f]+)@([^/]+)/?.*", uri)
        if not m:
            continue
        dest = decode_dest(Reader(bytes.fromhex(m.group(1))))
        if dest.kind == "node":
            nodes.append(dest.value)
    return nodes, list(san.get_values_for_type(x509.RFC822Name))


class Identity:
    """This node's certificate and key."""

    def __init__(self, cert_path, key_path):
        with open(cert_path, "rb") as f:
            self.cert = x509.load_pem_x509_certificate(f.read())
        with open(key_path, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        self.der = self.cert.public_bytes(serialization.Encoding.DER)
        nodes, users = cert_identities(self.cert)
        if len(nodes) != 1 or len(users) != 1:
            raise ValueError(f"expected one Node-ID and one user name, got {nodes} {users}")
        self.node_id, self.user = nodes[0], users[0]
        self.sig_alg = SIG_ECDSA if isinstance(self.key, ec.EllipticCurvePrivateKey) else SIG_RSA

    def identity(self):
        """(type, value) of our SignerIdentity: cert_hash, one Node-ID (§6.3.4)."""
        return ID_CERT_HASH, u8(HASH_SHA256) + opaque(hashlib.sha256(self.der).digest(), 1)

    def sign_raw(self, data):
        if self.sig_alg == SIG_ECDSA:
            return self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def signature_over(self, make_input):
        """A Signature whose value signs make_input(SignerIdentity bytes)."""
        id_type, id_value = self.identity()
        sig = Signature(HASH_SHA256, self.sig_alg, id_type, id_value, b"")
        sig.value = self.sign_raw(make_input(sig.identity_bytes()))
        return sig

    def sign_message(self, msg):
        msg.certificates = [(0, self.der)]
        msg.signature = self.signature_over(
            lambda ident: message_signature_input(msg.overlay, msg.txid, msg.contents(), ident))
        return msg


def empty_signature():
    """§7.4.2.2: identity none, algorithms {0, 0}, zero-length value."""
    return Signature(0, 0, ID_NONE, b"", b"")


def verify_raw(cert, sig_alg, data, value):
    pub = cert.public_key()
    try:
        if sig_alg == SIG_ECDSA and isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(value, data, ec.ECDSA(hashes.SHA256()))
        elif sig_alg == SIG_RSA and isinstance(pub, rsa.RSAPublicKey):
            pub.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
        return True
    except InvalidSignature:
        return False


class Verifier:
    """Checks signatures with the certificates messages carry, each chained to the overlay CA."""

    def __init__(self, ca_path):
        with open(ca_path, "rb") as f:
            self.ca = x509.load_pem_x509_certificate(f.read())
        self.by_hash = {}  # sha256(DER) -> certificate

    def learn(self, certificates):
        for ctype, der in certificates:
            if ctype != 0:
                continue
            cert = x509.load_der_x509_certificate(der)
            if self._issued_by_ca(cert):
                self.by_hash[hashlib.sha256(der).digest()] = cert

    def _issued_by_ca(self, cert):
        if cert.issuer != self.ca.subject:
            return False
        pub = self.ca.public_key()
        try:
            if isinstance(pub, rsa.RSAPublicKey):
                pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                           cert.signature_hash_algorithm)
            else:
                pub.verify(cert.signature, cert.tbs_certificate_bytes,
                           ec.ECDSA(cert.signature_hash_algorithm))
            return True
        except InvalidSignature:
            return False

    def signer(self, sig):
        """The CA-issued certificate a cert_hash identity names, or None."""
        ch = sig.cert_hash()
        if not ch or ch[0] != HASH_SHA256:
            return None
        return self.by_hash.get(ch[1])

    def verify(self, sig, data):
        """(ok, signer node ids, signer users)."""
        cert = self.signer(sig)
        if cert is None:
            return False, [], []
        nodes, users = cert_identities(cert)
        return verify_raw(cert, sig.sig_alg, data, sig.value), nodes, users

    def verify_message(self, msg):
        self.learn(msg.certificates)
        return self.verify(msg.signature, message_signature_input(
            msg.overlay, msg.txid, msg.contents(), msg.signature.identity_bytes()))
