"""Writes jws_fixtures.json: a JWK Set and JWS tokens signed by a real peer (the `cryptography` package), including
the attacks JWSTests.swift must refuse. Fresh keys each run, so the committed output is what the tests read.

    pip install cryptography && python3 Tests/NeuvoCryptoTests/Fixtures/generate_jws_fixtures.py
"""

import base64
import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def integer(value: int, length: int | None = None) -> str:
    length = length or (value.bit_length() + 7) // 8
    return b64(value.to_bytes(length, "big"))


def rsa_jwk(key, kid):
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": integer(numbers.n), "e": integer(numbers.e)}


def ec_jwk(key, kid):
    numbers = key.public_key().public_numbers()
    return {"kty": "EC", "kid": kid, "use": "sig", "crv": "P-256", "x": integer(numbers.x, 32),
            "y": integer(numbers.y, 32)}


def token(header: dict, payload: dict, sign) -> str:
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return signing_input + "." + b64(sign(signing_input.encode()))


def rs256(key):
    return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def es256_raw(key):
    def sign(data):
        r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return sign


def es256_der(key):
    return lambda data: key.sign(data, ec.ECDSA(hashes.SHA256()))


rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ec_key = ec.generate_private_key(ec.SECP256R1())
weak_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

jwks = {"keys": [
    rsa_jwk(rsa_key, "rsa-1"),
    ec_jwk(ec_key, "ec-1"),
    rsa_jwk(weak_key, "rsa-weak"),
    {"kty": "oct", "kid": "hmac-1", "k": b64(os.urandom(32))},
    {"kty": "EC", "kid": "p384", "crv": "P-384", "x": b64(os.urandom(48)), "y": b64(os.urandom(48))},
]}
claims = {"iss": "https://id.example.test", "sub": "resident-1", "aud": "neuvo", "exp": 1999999999, "iat": 1700000000,
          "nonce": "n-0S6_WzA2Mj"}
rsa_public_pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)

tokens = {
    "rs256": token({"alg": "RS256", "kid": "rsa-1", "typ": "JWT"}, claims, rs256(rsa_key)),
    "rs256_without_kid": token({"alg": "RS256"}, claims, rs256(rsa_key)),
    "es256": token({"alg": "ES256", "kid": "ec-1"}, claims, es256_raw(ec_key)),
    "es256_without_kid": token({"alg": "ES256"}, claims, es256_raw(ec_key)),
    # Validly signed, but with a critical extension Neuvo does not understand (RFC 7515 §4.1.11).
    "rs256_crit": token({"alg": "RS256", "kid": "rsa-1", "crit": ["exp"], "exp": 1}, claims, rs256(rsa_key)),
    # The classic confusion: HMAC with the provider's public key (PEM, and the JWK's n) as the secret.
    "hs256_public_pem": token({"alg": "HS256", "kid": "rsa-1"}, claims,
                              lambda data: hmac.new(rsa_public_pem, data, hashlib.sha256).digest()),
    "hs256_oct_key": token({"alg": "HS256", "kid": "hmac-1"}, claims,
                           lambda data: hmac.new(base64.urlsafe_b64decode(jwks["keys"][3]["k"] + "=="), data,
                                                 hashlib.sha256).digest()),
    "none": token({"alg": "none"}, claims, lambda data: b""),
    # A signature by a key the provider never published, which names itself in the header.
    "rs256_embedded_jwk": token({"alg": "RS256", "jwk": rsa_jwk(attacker_key, "attacker")}, claims,
                                rs256(attacker_key)),
    "rs256_wrong_kid": token({"alg": "RS256", "kid": "rsa-2"}, claims, rs256(rsa_key)),
    # RS256 naming the EC key: the algorithm does not fit the key type.
    "rs256_ec_kid": token({"alg": "RS256", "kid": "ec-1"}, claims, rs256(rsa_key)),
    # Signed by a 1024-bit key the set publishes: that key is not used at all.
    "rs256_weak_key": token({"alg": "RS256", "kid": "rsa-weak"}, claims, rs256(weak_key)),
    # ES256 with a DER signature instead of the 64-octet R || S of RFC 7518 §3.4.
    "es256_der_signature": token({"alg": "ES256", "kid": "ec-1"}, claims, es256_der(ec_key)),
    "ps256": token({"alg": "PS256", "kid": "rsa-1"}, claims,
                   lambda data: rsa_key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())),
}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "jws_fixtures.json"), "w") as output:
    json.dump({"jwks": jwks, "claims": claims, "tokens": tokens}, output, indent=1)
    output.write("\n")
