"""Writes jws_fixtures.json: a JWK Set and JWS tokens signed by a real peer (the `cryptography` package), including
the attacks JWSTests.swift must refuse. Fresh keys each run, so the committed output is what the tests read.

    pip install cryptography && python3 Tests/NeuvoCryptoTests/Fixtures/generate_jws_fixtures.py
"""

import base64
import hashlib
import hmac
import json
import os
import secrets

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


def ps256(key, salt):
    return lambda data: key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), salt), hashes.SHA256())


def es256_raw(key):
    def sign(data):
        r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return sign


def es256_der(key):
    return lambda data: key.sign(data, ec.ECDSA(hashes.SHA256()))


def probable_prime(bits: int) -> int:
    """A random prime with its top two bits set (Miller-Rabin, 40 rounds) and p - 1 coprime to 65537."""
    while True:
        candidate = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if candidate % 65537 == 1:
            continue
        d, r = candidate - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(40):
            x = pow(secrets.randbelow(candidate - 3) + 2, d, candidate)
            if x in (1, candidate - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, candidate)
                if x == candidate - 1:
                    break
            else:
                break
        else:
            return candidate


def rsa_key_of_exactly(bits: int):
    """OpenSSL rounds odd sizes down to an even number of bits; two primes with their top two bits set make a
    modulus of exactly `bits`."""
    p, q = probable_prime(bits - bits // 2), probable_prime(bits // 2)
    e = 65537
    d = pow(e, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(e, p * q)
    assert public.n.bit_length() == bits
    return rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
                                 public).private_key()


rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ec_key = ec.generate_private_key(ec.SECP256R1())
weak_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
# 2049 bits: RSASSA-PSS's encoded message is then one octet shorter than the modulus (RFC 8017 §8.1.2 step 2c).
odd_key = rsa_key_of_exactly(2049)
attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

hmac_secret = os.urandom(32)
jwks = {"keys": [
    rsa_jwk(rsa_key, "rsa-1"),
    ec_jwk(ec_key, "ec-1"),
    rsa_jwk(weak_key, "rsa-weak"),
    dict(rsa_jwk(odd_key, "rsa-2049"), alg="PS256"),
    {"kty": "oct", "kid": "hmac-1", "k": b64(hmac_secret)},
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
                           lambda data: hmac.new(hmac_secret, data, hashlib.sha256).digest()),
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
    # A valid PSS signature by rsa-1, whose JWK declares alg RS256: that key verifies nothing else.
    "ps256": token({"alg": "PS256", "kid": "rsa-1"}, claims, ps256(rsa_key, 32)),
    "ps256_2049": token({"alg": "PS256", "kid": "rsa-2049"}, claims, ps256(odd_key, 32)),
    # RFC 7518 §3.5 fixes the salt at 32 octets: other lengths are refused.
    "ps256_salt_0": token({"alg": "PS256", "kid": "rsa-2049"}, claims, ps256(odd_key, 0)),
    "ps256_salt_64": token({"alg": "PS256", "kid": "rsa-2049"}, claims, ps256(odd_key, 64)),
    # The 2049-bit key is published for PS256 only.
    "rs256_2049": token({"alg": "RS256", "kid": "rsa-2049"}, claims, rs256(odd_key)),
}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "jws_fixtures.json"), "w") as output:
    json.dump({"jwks": jwks, "claims": claims, "tokens": tokens}, output, indent=1)
    output.write("\n")
