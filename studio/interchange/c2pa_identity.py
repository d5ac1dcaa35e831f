"""The installation's C2PA signing identity: a small CA and an ES256 signing certificate.

Made once per installation and kept in the user config folder. The C2PA SDK refuses
self-signed signing certificates and checks the certificate profile, so the signing
certificate is issued by a CA of its own and carries what the C2PA trust model asks for:
X.509 v3; Key Usage critical with digitalSignature; Extended Key Usage with
id-kp-emailProtection and id-kp-documentSigning (never anyExtendedKeyUsage); Basic
Constraints CA false; subject and authority key identifiers. The CA's private key is not
kept: it is needed only to issue this one certificate.

Key and chain live together in one file, written at once, so two studios starting at the
same moment cannot leave a key that does not match its certificate.
"""

from __future__ import annotations

import datetime
import getpass
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from studio.core import paths
from studio.core.atomic import fsync_dir, temp_path
from studio.core.errors import StudioError

log = logging.getLogger(__name__)

IDENTITY_FILE = "c2pa-signing.pem"
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
VALID_FOR = datetime.timedelta(days=3650)


@dataclass(frozen=True)
class SigningIdentity:
    key_pem: bytes  # PKCS#8, unencrypted: the file is readable by its owner only
    chain_pem: bytes  # signing certificate, then the CA
    ca_pem: bytes
    signer_name: str

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[0]


def identity_path() -> Path:
    return paths.config_dir() / IDENTITY_FILE


def _names() -> tuple[x509.Name, x509.Name, str]:
    try:
        who = f"{getpass.getuser()}@{socket.gethostname()}"
    except (OSError, KeyError):  # no user name in some containers
        who = socket.gethostname() or "local"
    signer = f"Studio ({who})"
    org = x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Studio")
    ca = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Studio local CA ({who})"), org])
    leaf = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, signer), org])
    return ca, leaf, signer


def _key_usage(*, sign: bool, certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certs,
        crl_sign=certs,
        encipher_only=False,
        decipher_only=False,
    )


def make_identity() -> tuple[bytes, SigningIdentity]:
    """A fresh CA + signing certificate; returns (file content, identity)."""
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_name, leaf_name, signer = _names()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=True, certs=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(leaf_name)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True, certs=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca_pem
    return key_pem + chain, SigningIdentity(key_pem, chain, ca_pem, signer)


def _parse(data: bytes, path: Path) -> SigningIdentity:
    try:
        key = serialization.load_pem_private_key(data, password=None)
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise StudioError(
            f"The signing identity {path} is damaged; delete it and the studio makes a new one."
        ) from None
    if len(certs) < 2 or not isinstance(key, ec.EllipticCurvePrivateKey):
        raise StudioError(
            f"The signing identity {path} is incomplete; delete it and the studio makes a new one."
        )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
    name = certs[0].subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    signer = str(name[0].value) if name else "Studio"
    return SigningIdentity(
        key_pem, chain, certs[-1].public_bytes(serialization.Encoding.PEM), signer
    )


def _expired(identity: SigningIdentity) -> bool:
    now = datetime.datetime.now(datetime.UTC)
    return identity.certificate.not_valid_after_utc <= now + datetime.timedelta(days=1)


def load_or_create_identity() -> SigningIdentity:
    """This installation's identity, made on first use (or when the old one expires)."""
    path = identity_path()
    if path.exists():
        identity = _parse(path.read_bytes(), path)
        if not _expired(identity):
            return identity
        log.warning("the signing certificate in %s has expired; making a new one", path)
    data, identity = make_identity()
    tmp = temp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StudioError(
            f"Could not save the signing identity in {path.parent} ({exc.strerror})."
        ) from None
    fsync_dir(path.parent)
    log.info("made a C2PA signing identity in %s", path)
    return identity
