"""A self-signed certificate for serving the lab's Kubernetes API over TLS.

kubectl (client-go) sends a bearer token only to an https server, so a lab
server that real clients use must speak TLS: daphne does, given a key and a
certificate (`daphne -e ssl:8443:privateKey=KEY:certKey=CERT lab.asgi:application`).
The certificate is its own CA; labkubeconfig puts it in the kubeconfig as
`certificate-authority-data`, so clients verify the server without flags.
"""
from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERT_NAME = "lab-server.crt"
KEY_NAME = "lab-server.key"


def tls_dir(var_dir: Path) -> Path:
    return Path(var_dir) / "tls"


def _san(hosts: list[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def create_certificate(directory: Path, hosts: list[str], days: int = 825) -> tuple[Path, Path]:
    """Write a new key and self-signed certificate valid for `hosts`; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "service-lab")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_san(hosts), critical=False)
            .sign(key, hashes.SHA256()))
    key_path, cert_path = directory / KEY_NAME, directory / CERT_NAME
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def certificate(directory: Path) -> bytes | None:
    """The PEM certificate in `directory`, if one was made."""
    path = directory / CERT_NAME
    return path.read_bytes() if path.is_file() else None
