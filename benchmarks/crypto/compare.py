"""JWS verification speed: Neuvo's hand-written RS256/ES256 (benchmarks/crypto/jws-bench) against PyJWT on
`cryptography` (OpenSSL) in the same run, over the same tokens (a benchmark peer only). Both sides count their
thread's CPU time, not the wall clock, so that other load on a shared machine does not end up in the figures.

    python3 compare.py JWS_BENCH_BINARY [TOKENS_PER_ALGORITHM] [ROUNDS]
"""
import base64
import json
import subprocess
import sys
import tempfile
import time

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

binary = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 50
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ec_key = ec.generate_private_key(ec.SECP256R1())
rsa_numbers = rsa_key.public_key().public_numbers()
ec_numbers = ec_key.public_key().public_numbers()
jwks = {"keys": [
    {"kty": "RSA", "kid": "rsa", "n": b64(rsa_numbers.n.to_bytes(256, "big")), "e": "AQAB"},
    {"kty": "EC", "kid": "ec", "crv": "P-256", "x": b64(ec_numbers.x.to_bytes(32, "big")),
     "y": b64(ec_numbers.y.to_bytes(32, "big"))},
]}
claims = [{"iss": "https://id.example.test", "sub": f"resident-{i}", "aud": "neuvo", "exp": 1999999999,
           "nonce": b64(i.to_bytes(8, "big"))} for i in range(count)]
tokens = {
    "RS256": [jwt.encode(c, rsa_key, algorithm="RS256", headers={"kid": "rsa"}) for c in claims],
    "ES256": [jwt.encode(c, ec_key, algorithm="ES256", headers={"kid": "ec"}) for c in claims],
}
public = {"RS256": rsa_key.public_key(), "ES256": ec_key.public_key()}


def peer_jws(algorithm):
    jws = jwt.PyJWS()
    key = public[algorithm]
    start = time.thread_time()
    for _ in range(rounds):
        for token in tokens[algorithm]:
            jws.decode(token, key, algorithms=[algorithm])
    return 1e6 * (time.thread_time() - start) / (rounds * count)


def peer_primitive(algorithm):
    prepared = []
    for token in tokens[algorithm]:
        signing_input, signature = token.rsplit(".", 1)
        signature = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        if algorithm == "ES256":
            signature = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                                   int.from_bytes(signature[32:], "big"))
        prepared.append((signing_input.encode(), signature))
    key = public[algorithm]
    start = time.thread_time()
    for _ in range(rounds):
        for message, signature in prepared:
            if algorithm == "RS256":
                key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            else:
                key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    return 1e6 * (time.thread_time() - start) / (rounds * count)


with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
    json.dump({"jwks": jwks, "tokens": tokens}, handle)
    handle.flush()
    ours = json.loads(subprocess.run([binary, handle.name, str(rounds)], capture_output=True, check=True,
                                     text=True).stdout)

print(f"{count} tokens per algorithm, {rounds} rounds; µs of CPU time per verification (lower is better)")
print()
print("| algorithm | neuvo JWS.verify | PyJWT + cryptography | neuvo primitive | cryptography primitive |")
print("|---|---|---|---|---|")
for algorithm in ("RS256", "ES256"):
    print(f"| {algorithm} | {ours[algorithm + '_jws_us']:.1f} | {peer_jws(algorithm):.1f} "
          f"| {ours[algorithm + '_primitive_us']:.1f} | {peer_primitive(algorithm):.1f} |")
