"""PKCS#11 signing throughput for bench/run.ts, driven in-process: SoftHSM's module (section 6),
and p11-kit's client module against `serve --pkcs11` and SoftHSM alike (section 10).

Usage: python3 softhsm.py MODULE TOKEN_LABEL PIN DATA_BYTES WINDOWS WINDOW_MS [ecdsa-digest]

Signs DATA_BYTES of data with the private keys labelled bench-ec (CKM_ECDSA_SHA256) and
bench-rsa (CKM_SHA256_RSA_PKCS) on the token TOKEN_LABEL, back to back for WINDOWS windows of
WINDOW_MS each, and prints {"bench-ec": [ops/s, ...], "bench-rsa": [ops/s, ...]} as JSON. With
ecdsa-digest, only bench-ec signs, always with CKM_ECDSA over a SHA-256 digest made here (the
one way both modules take: p11-kit 0.24's client forwards no CKM_ECDSA_SHA256).
Only the standard library is used (ctypes calls the module's exported C_* functions). Any
failure goes to stderr with a non-zero exit; the bench then prints that it skipped SoftHSM.
"""
import ctypes
import hashlib
import json
import os
import sys
import time

CK_ULONG = ctypes.c_ulong

CKF_RW_SESSION = 0x2
CKF_SERIAL_SESSION = 0x4
CKU_USER = 1
CKA_CLASS = 0x0
CKA_LABEL = 0x3
CKO_PRIVATE_KEY = 3
CKM_SHA256_RSA_PKCS = 0x40
CKM_ECDSA = 0x1041
CKM_ECDSA_SHA256 = 0x1044
CKR_OK = 0
CKR_MECHANISM_INVALID = 0x70
CKR_USER_ALREADY_LOGGED_IN = 0x100


class Attribute(ctypes.Structure):
    _fields_ = [("type", CK_ULONG), ("pValue", ctypes.c_void_p), ("ulValueLen", CK_ULONG)]


class Mechanism(ctypes.Structure):
    _fields_ = [("mechanism", CK_ULONG), ("pParameter", ctypes.c_void_p), ("ulParameterLen", CK_ULONG)]


# CK_FUNCTION_LIST up to C_Sign, in PKCS #11's order: modules export C_GetFunctionList, some
# (p11-kit's client) nothing else.
FUNCTIONS = (
    "C_Initialize", "C_Finalize", "C_GetInfo", "C_GetFunctionList", "C_GetSlotList", "C_GetSlotInfo", "C_GetTokenInfo",
    "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken", "C_InitPIN", "C_SetPIN", "C_OpenSession", "C_CloseSession",
    "C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState", "C_SetOperationState", "C_Login", "C_Logout",
    "C_CreateObject", "C_CopyObject", "C_DestroyObject", "C_GetObjectSize", "C_GetAttributeValue", "C_SetAttributeValue",
    "C_FindObjectsInit", "C_FindObjects", "C_FindObjectsFinal", "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate",
    "C_EncryptFinal", "C_DecryptInit", "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal", "C_DigestInit", "C_Digest",
    "C_DigestUpdate", "C_DigestKey", "C_DigestFinal", "C_SignInit", "C_Sign",
)


class FunctionList(ctypes.Structure):
    _fields_ = [("version", ctypes.c_ubyte * 2)] + [(name, ctypes.c_void_p) for name in FUNCTIONS]


class Functions:
    """The module's functions by name, each returning its CK_RV."""

    def __init__(self, table):
        for name in FUNCTIONS:
            setattr(self, name, ctypes.CFUNCTYPE(CK_ULONG)(getattr(table, name)))


def function_list(lib):
    get = lib.C_GetFunctionList
    get.restype = CK_ULONG
    table = ctypes.POINTER(FunctionList)()
    rv = get(ctypes.byref(table))
    if rv != CKR_OK:
        raise RuntimeError("C_GetFunctionList failed with CKR 0x%x" % rv)
    return Functions(table.contents)


def main():
    module, token_label, pin, data_bytes, windows, window_ms = sys.argv[1:7]
    digest_only = sys.argv[7:8] == ["ecdsa-digest"]
    data_bytes, windows, window_s = int(data_bytes), int(windows), int(window_ms) / 1000.0
    lib = function_list(ctypes.CDLL(module))

    def check(rv, what):
        if rv != CKR_OK:
            raise RuntimeError("%s failed with CKR 0x%x" % (what, rv))

    check(lib.C_Initialize(None), "C_Initialize")
    try:
        count = CK_ULONG(0)
        check(lib.C_GetSlotList(ctypes.c_ubyte(1), None, ctypes.byref(count)), "C_GetSlotList")
        slots = (CK_ULONG * max(count.value, 1))()
        check(lib.C_GetSlotList(ctypes.c_ubyte(1), slots, ctypes.byref(count)), "C_GetSlotList")
        slot = None
        for i in range(count.value):
            info = ctypes.create_string_buffer(1024)  # CK_TOKEN_INFO starts with the 32-byte padded label
            if lib.C_GetTokenInfo(slots[i], info) == CKR_OK and info.raw[:32].decode("utf-8", "replace").rstrip(" \0") == token_label:
                slot = slots[i]
                break
        if slot is None:
            raise RuntimeError("no token labelled %s" % token_label)
        session = CK_ULONG(0)
        check(lib.C_OpenSession(CK_ULONG(slot), CK_ULONG(CKF_SERIAL_SESSION | CKF_RW_SESSION), None, None, ctypes.byref(session)), "C_OpenSession")
        pin_bytes = pin.encode()
        rv = lib.C_Login(session, CK_ULONG(CKU_USER), ctypes.c_char_p(pin_bytes), CK_ULONG(len(pin_bytes)))
        if rv not in (CKR_OK, CKR_USER_ALREADY_LOGGED_IN):
            check(rv, "C_Login")

        def private_key(label):
            cls = CK_ULONG(CKO_PRIVATE_KEY)
            text = ctypes.create_string_buffer(label.encode(), len(label))
            template = (Attribute * 2)(
                Attribute(CKA_CLASS, ctypes.cast(ctypes.byref(cls), ctypes.c_void_p), ctypes.sizeof(cls)),
                Attribute(CKA_LABEL, ctypes.cast(text, ctypes.c_void_p), len(label)),
            )
            check(lib.C_FindObjectsInit(session, template, CK_ULONG(2)), "C_FindObjectsInit")
            handle, found = CK_ULONG(0), CK_ULONG(0)
            try:
                check(lib.C_FindObjects(session, ctypes.byref(handle), CK_ULONG(1), ctypes.byref(found)), "C_FindObjects")
            finally:
                lib.C_FindObjectsFinal(session)
            if found.value != 1:
                raise RuntimeError("private key %s not found" % label)
            return handle

        data = os.urandom(data_bytes)
        signature = ctypes.create_string_buffer(1024)
        length = CK_ULONG(0)

        def signer(key, mechanism, prehash):
            mech = Mechanism(mechanism, None, 0)

            def sign_once():
                message = hashlib.sha256(data).digest() if prehash else data
                rv = lib.C_SignInit(session, ctypes.byref(mech), key)
                if rv != CKR_OK:
                    return rv
                length.value = len(signature)
                return lib.C_Sign(session, message, CK_ULONG(len(message)), signature, ctypes.byref(length))

            return sign_once

        def rates(sign_once, what):
            check(sign_once(), what)
            end = time.perf_counter() + 0.15  # warm-up
            while time.perf_counter() < end:
                sign_once()
            out = []
            for _ in range(windows):
                start = time.perf_counter()
                end, n, now = start + window_s, 0, start
                while now < end:
                    rv = sign_once()
                    if rv != CKR_OK:
                        check(rv, what)
                    n += 1
                    now = time.perf_counter()
                out.append(n / (now - start))
            return out

        result = {}
        ec = private_key("bench-ec")
        ec_sign = signer(ec, CKM_ECDSA, True) if digest_only else signer(ec, CKM_ECDSA_SHA256, False)
        if not digest_only and ec_sign() == CKR_MECHANISM_INVALID:
            # Older SoftHSM builds lack CKM_ECDSA_SHA256: hash here and sign the digest.
            ec_sign = signer(ec, CKM_ECDSA, True)
        result["bench-ec"] = rates(ec_sign, "ECDSA sign")
        if not digest_only:
            result["bench-rsa"] = rates(signer(private_key("bench-rsa"), CKM_SHA256_RSA_PKCS, False), "RSA sign")
        lib.C_Logout(session)
        lib.C_CloseSession(session)
        print(json.dumps(result))
    finally:
        lib.C_Finalize(None)


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # reported by bench/run.ts as a skip
        print("softhsm.py: %s" % err, file=sys.stderr)
        sys.exit(1)
