#!/usr/bin/env bash
# gen-certs.sh DIR: certificates for fake-apiserver tests, made with the openssl CLI.
#   ca.crt/ca.key              the cluster CA (signs the server and client certificates)
#   server.crt/server.key      serving certificate for 127.0.0.1 and localhost
#   client.crt/client.key      client certificate CN=cert-user, signed by ca.crt
#   wrong-ca.crt/wrong-ca.key  an unrelated CA, for "wrong CA" tests
#   wrong-client.crt/.key      a client certificate CN=wrong-user signed by wrong-ca.crt
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
mkdir -p "$dir"
cd "$dir"
command -v openssl >/dev/null || { echo "gen-certs.sh: openssl is not installed" >&2; exit 1; }

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }

ca() { # name CN
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -out "$1.crt" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

leaf() { # name CA subject extfile-content
    key "$1.key"
    openssl req -new -key "$1.key" -subj "$3" -out "$1.csr" 2>/dev/null
    printf '%s\n' "$4" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 3650 \
        -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

ca ca fake-apiserver-ca
ca wrong-ca unrelated-ca
leaf server ca "/CN=fake-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
leaf client ca "/O=graflow-testers/CN=cert-user" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
leaf wrong-client wrong-ca "/CN=wrong-user" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
rm -f ./*.srl
chmod 600 ./*.key
