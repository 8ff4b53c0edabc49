"""C2PA content credentials: a signed manifest that says the file was made by a trained model.

Every frame, the contact sheet and the episode MP4 get a C2PA manifest
(`c2pa-python`), signed after their AIGC labels are written, so it binds the
labelled bytes: a byte changed afterwards makes a reader report a hash
mismatch. The manifest holds one `c2pa.actions` assertion, `c2pa.created` with
the IPTC digital source type `trainedAlgorithmicMedia`, and one of the room's
own (NOTE_LABEL) saying the certificate is on no trust list; it names the claim
generator CLAIM_GENERATOR.

The signing key is the project's own, made on first use in `KEY_DIR` under the
project's state folder (`.room/c2pa/`): an ES256 (P-256) key for an
end-entity certificate (digitalSignature, emailProtection; C2PA refuses a
self-signed end-entity certificate) issued by a one-off project CA whose key is
thrown away once it has signed. Only `signer.key` (mode 0600) and the chain
`chain.pem` are kept; neither ever goes into outputs, logs or run state. That
certificate is on no trust list (UNTRUSTED_NOTE): a reader reports the
signature valid and the signer `signingCredential.untrusted`. Signing is
offline: no timestamp authority, no OCSP, no remote manifests.

Without the library (a platform with no wheel), files are left labelled but
unsigned and one warning line says so (`sign` returns False).
"""

from __future__ import annotations

import datetime
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from tools.errors import OutputError
from tools.files import atomic_target, atomic_write_bytes, atomic_write_text
from tools.labels import PRODUCER

CLAIM_GENERATOR = PRODUCER
DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
KEY_DIR = "c2pa"  # under the project's state folder
KEY_FILE, CHAIN_FILE = "signer.key", "chain.pem"
VALID_DAYS = 3650
UNTRUSTED_NOTE = (
    "C2PA credentials are signed with this project's own certificate, which is not on any C2PA trust list: "
    "readers show the signature as valid and the signer as untrusted"
)
NOTE_LABEL = "org.writers-room.signer"  # an assertion of the room's own: what the signer's certificate is
MIME_TYPES = {".png": "image/png", ".mp4": "video/mp4", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
# offline, and no thumbnail in the manifest (it doubled the time to sign a 1080x1920 frame)
SETTINGS = {
    "builder": {"thumbnail": {"enabled": False}},
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
}

log = logging.getLogger("writers_room.credentials")


def _c2pa():
    """The c2pa module, or None where it cannot be loaded (no wheel for the platform, a broken native library)."""
    try:
        import c2pa
    except (ImportError, OSError, RuntimeError):  # RuntimeError: a native library that loads without its symbols
        return None
    return c2pa


def manifest(title: str) -> dict:
    """The manifest every file gets: created by a trained model, by the room."""
    return {
        "claim_generator_info": [{"name": CLAIM_GENERATOR}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": DIGITAL_SOURCE_TYPE}]},
            },
            {"label": NOTE_LABEL, "data": {"trust": UNTRUSTED_NOTE}},
        ],
    }


def _make_keys(folder: Path) -> None:
    """A project CA, the signer's key and its certificate from that CA; the CA's key is not kept."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common: str) -> x509.Name:
        return x509.Name(
            [x509.NameAttribute(NameOID.ORGANIZATION_NAME, PRODUCER), x509.NameAttribute(NameOID.COMMON_NAME, common)]
        )

    def usage(**allowed: bool) -> x509.KeyUsage:
        flags = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement")
        flags += ("key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
        return x509.KeyUsage(**{flag: allowed.get(flag, False) for flag in flags})

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=VALID_DAYS)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = name(f"{PRODUCER} project CA (not on any trust list)")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signer = (
        x509.CertificateBuilder()
        .subject_name(name(f"{PRODUCER} project signer"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    private = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    atomic_write_bytes(folder / KEY_FILE, private)  # a temporary file is made 0600, and the rename keeps it
    os.chmod(folder / KEY_FILE, 0o600)
    atomic_write_text(folder / CHAIN_FILE, (signer.public_bytes(pem) + ca.public_bytes(pem)).decode())


@dataclass
class Credentials:
    """The project's C2PA signer, its key and chain in `folder` (made there on first use)."""

    folder: Path
    _signer: object = field(default=None, init=False, repr=False)
    _warned: bool = field(default=False, init=False, repr=False)

    def _keys(self) -> tuple[bytes, bytes]:
        folder = Path(self.folder)
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            with FileLock(str(folder / ".lock")):  # two processes on first use make one key
                if not (folder / KEY_FILE).is_file() or not (folder / CHAIN_FILE).is_file():
                    _make_keys(folder)
            return (folder / CHAIN_FILE).read_bytes(), (folder / KEY_FILE).read_bytes()
        except OSError as exc:
            raise OutputError(f"cannot keep the C2PA key in {folder}: {exc.strerror or exc}") from None

    def signer(self):
        """The c2pa Signer for the project's key (made once), or None without the library."""
        c2pa = _c2pa()
        if c2pa is None:
            if not self._warned:
                log.warning("warning: c2pa-python is not available: files are labelled but carry no C2PA credentials")
                self._warned = True
            return None
        if self._signer is None:
            chain, key = self._keys()
            try:
                info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None)  # None: no timestamp server
                self._signer = c2pa.Signer.from_info(info)
            except c2pa.C2paError as exc:
                raise OutputError(
                    f"the project's C2PA key in {self.folder} cannot sign ({exc}); remove that folder to make a new one"
                ) from None
        return self._signer

    def sign(self, path: Path, title: str | None = None) -> bool:
        """Sign the (labelled) file at `path` in place, atomically. False when it could not be signed."""
        path = Path(path)
        mime = MIME_TYPES.get(path.suffix.lower())
        if mime is None:
            raise OutputError(f"cannot sign {path.name}: C2PA credentials are made for {', '.join(MIME_TYPES)}")
        signer = self.signer()
        if signer is None:
            return False
        c2pa = _c2pa()
        try:
            with atomic_target(path, suffix=path.suffix) as tmp, path.open("rb") as source, tmp.open("w+b") as signed:
                with c2pa.Builder(manifest(title or path.name), c2pa.Context.from_dict(SETTINGS)) as builder:
                    builder.sign(signer, mime, source, signed)
        except OSError as exc:
            raise OutputError(f"cannot sign {path}: {exc.strerror or exc}") from None
        except c2pa.C2paError as exc:
            raise OutputError(f"cannot sign {path.name} with C2PA credentials: {exc}") from None
        return True


def read_credentials(path: Path) -> dict:
    """What a reader finds in `path`'s C2PA manifest: its validation state, the codes of its failures, the actions
    of its active manifest, its claim generator and signer; {} when it has none (or without the library)."""
    c2pa = _c2pa()
    path = Path(path)
    mime = MIME_TYPES.get(path.suffix.lower())
    if c2pa is None or mime is None:
        return {}
    try:
        with open(path, "rb") as stream, c2pa.Reader(mime, stream, context=c2pa.Context.from_dict(SETTINGS)) as reader:
            active = reader.get_active_manifest() or {}
            results = reader.get_validation_results() or {}
            state = reader.get_validation_state()
    except c2pa.C2paError:
        return {}
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
    failures = [item["code"] for item in (results.get("activeManifest") or {}).get("failure", [])]
    actions = [
        action
        for assertion in active.get("assertions", [])
        if assertion.get("label", "").startswith("c2pa.actions")
        for action in assertion.get("data", {}).get("actions", [])
    ]
    notes = [a.get("data", {}).get("trust") for a in active.get("assertions", []) if a.get("label") == NOTE_LABEL]
    return {
        "state": state,
        "failures": failures,
        "actions": actions,
        "generator": [info.get("name") for info in active.get("claim_generator_info", [])],
        "signer": active.get("signature_info", {}),
        "note": next(iter(notes), None),
    }


def describe(path: Path) -> str:
    """One line on `path`'s credentials, for the CLI."""
    found = read_credentials(path)
    if not found:
        return f"{Path(path).name}: no C2PA credentials"
    return (
        f"{Path(path).name}: C2PA {found['state']} ({', '.join(found['failures']) or 'no failures'}); {UNTRUSTED_NOTE}"
    )
