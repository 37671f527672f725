"""A PyKCS11 program for the system test test/system/pykcs11.test.ts.

It loads p11-kit's client module (its path in P11_MODULE; P11_KIT_SERVER_ADDRESS names the
server), logs in with the PIN in P11_PIN and does one of:

  signatures   ECDSA (P-256, CKM_ECDSA over a SHA-256 digest) and RSA-PSS (SHA-256, MGF1-SHA256,
               32-byte salt) with keys it generates, each verified through PKCS #11 too; an RSA-OAEP
               (SHA-256) encrypt/decrypt round trip; a SHA-256 digest and an HMAC-SHA256.
  oaep-decrypt HEX
               decrypts HEX, made outside with the public key of the RSA pair "signatures" made,
               with RSA-OAEP SHA-256 and the label "py-label".
  aes          AES-GCM and AES-CBC-PAD round trips with an AES key it generates (needs a p11-kit
               client of 0.25 or newer, which forwards those mechanisms' parameters).

It prints one JSON object: the results in hex, for the test to check with node:crypto, or
{"error": ...} with exit status 1.
"""
import hashlib
import json
import os
import sys

import PyKCS11

MESSAGE = b"signed by a PyKCS11 program through p11-kit"
OAEP_LABEL = b"py-label"


def hexof(values):
    return bytes(values).hex()


def attribute(session, handle, kind):
    return hexof(session.getAttributeValue(handle, [kind])[0])


def generate_pair(session, mechanism, public, private):
    return session.generateKeyPair(public, private, mecha=mechanism)


def secret_key(session, key_type, mechanism, usages, label):
    """A 32-byte token secret key with the usage attributes `usages` set."""
    template = [
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
        (PyKCS11.CKA_KEY_TYPE, key_type),
        (PyKCS11.CKA_VALUE_LEN, 32),
        (PyKCS11.CKA_TOKEN, True),
        (PyKCS11.CKA_LABEL, label),
    ]
    return session.generateKey(template + [(usage, True) for usage in usages], mechanism)


def signatures(session):
    out = {}
    digest = hashlib.sha256(MESSAGE).digest()
    ec_public, ec_private = generate_pair(
        session,
        PyKCS11.MechanismECGENERATEKEYPAIR,
        [
            (PyKCS11.CKA_TOKEN, True),
            (PyKCS11.CKA_VERIFY, True),
            (PyKCS11.CKA_LABEL, "py-ec"),
            # The DER OID of P-256 (prime256v1).
            (PyKCS11.CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107")),
        ],
        [(PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_SIGN, True), (PyKCS11.CKA_LABEL, "py-ec")],
    )
    ecdsa = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA)
    signature = session.sign(ec_private, digest, ecdsa)
    out["ec"] = {
        "point": attribute(session, ec_public, PyKCS11.CKA_EC_POINT),
        "signature": hexof(signature),
        "verified": session.verify(ec_public, digest, signature, ecdsa),
    }

    rsa_public, rsa_private = generate_pair(
        session,
        PyKCS11.MechanismRSAGENERATEKEYPAIR,
        [
            (PyKCS11.CKA_TOKEN, True),
            (PyKCS11.CKA_VERIFY, True),
            (PyKCS11.CKA_ENCRYPT, True),
            (PyKCS11.CKA_MODULUS_BITS, 2048),
            (PyKCS11.CKA_PUBLIC_EXPONENT, (0x01, 0x00, 0x01)),
            (PyKCS11.CKA_LABEL, "py-rsa"),
        ],
        [
            (PyKCS11.CKA_TOKEN, True),
            (PyKCS11.CKA_SIGN, True),
            (PyKCS11.CKA_DECRYPT, True),
            (PyKCS11.CKA_LABEL, "py-rsa"),
        ],
    )
    pss = PyKCS11.RSA_PSS_Mechanism(PyKCS11.CKM_RSA_PKCS_PSS, PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256, 32)
    pss_signature = session.sign(rsa_private, digest, pss)
    out["rsa"] = {
        "modulus": attribute(session, rsa_public, PyKCS11.CKA_MODULUS),
        "exponent": attribute(session, rsa_public, PyKCS11.CKA_PUBLIC_EXPONENT),
        "pss": hexof(pss_signature),
        "verified": session.verify(rsa_public, digest, pss_signature, pss),
    }

    oaep = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256)
    secret = b"a secret for RSA-OAEP"
    ciphertext = session.encrypt(rsa_public, secret, oaep)
    out["oaep"] = {"ciphertext": hexof(ciphertext), "plaintext": hexof(session.decrypt(rsa_private, ciphertext, oaep))}

    out["digest"] = hexof(session.digest(MESSAGE, PyKCS11.Mechanism(PyKCS11.CKM_SHA256)))
    mac_key = secret_key(
        session,
        PyKCS11.CKK_GENERIC_SECRET,
        PyKCS11.Mechanism(PyKCS11.CKM_GENERIC_SECRET_KEY_GEN),
        [PyKCS11.CKA_SIGN, PyKCS11.CKA_VERIFY],
        "py-hmac",
    )
    hmac = PyKCS11.Mechanism(PyKCS11.CKM_SHA256_HMAC)
    mac = session.sign(mac_key, MESSAGE, hmac)
    out["hmac"] = {"mac": hexof(mac), "verified": session.verify(mac_key, MESSAGE, mac, hmac)}
    return out


def oaep_decrypt(session, ciphertext_hex):
    keys = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_LABEL, "py-rsa")])
    if len(keys) != 1:
        raise RuntimeError(f"found {len(keys)} private keys labelled py-rsa, not 1")
    oaep = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256, OAEP_LABEL)
    return {"plaintext": hexof(session.decrypt(keys[0], bytes.fromhex(ciphertext_hex), oaep))}


def aes(session):
    key = secret_key(session, PyKCS11.CKK_AES, PyKCS11.MechanismAESGENERATEKEY, [PyKCS11.CKA_ENCRYPT, PyKCS11.CKA_DECRYPT], "py-aes")
    iv = bytes(range(12))
    gcm = PyKCS11.AES_GCM_Mechanism(iv, b"py-aad", 128)
    sealed = session.encrypt(key, MESSAGE, gcm)
    cbc = PyKCS11.Mechanism(PyKCS11.CKM_AES_CBC_PAD, bytes(range(16)))
    cbc_sealed = session.encrypt(key, MESSAGE, cbc)
    return {
        "gcm": {"ciphertext": hexof(sealed), "plaintext": hexof(session.decrypt(key, sealed, gcm))},
        "cbc": {"ciphertext": hexof(cbc_sealed), "plaintext": hexof(session.decrypt(key, cbc_sealed, cbc))},
    }


def main():
    lib = PyKCS11.PyKCS11Lib()
    lib.load(os.environ["P11_MODULE"])
    slots = lib.getSlotList(tokenPresent=True)
    if not slots:
        raise RuntimeError("no slot with a token")
    session = lib.openSession(slots[0], PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(os.environ["P11_PIN"])
    try:
        command = sys.argv[1]
        if command == "signatures":
            result = signatures(session)
        elif command == "oaep-decrypt":
            result = oaep_decrypt(session, sys.argv[2])
        elif command == "aes":
            result = aes(session)
        else:
            raise RuntimeError(f"unknown command {command}")
    finally:
        session.logout()
        session.closeSession()
    print(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # the test reads the reason from the JSON
        print(json.dumps({"error": f"{type(err).__name__}: {err}"}))
        sys.exit(1)
