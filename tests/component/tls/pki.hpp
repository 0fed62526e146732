// A throw-away PKI for TLS tests, made in-process with OpenSSL: a CA, certificates it signs (EC P-256, with the
// subjectAltNames asked for), PEM files in a temporary directory removed with the object.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/config.hpp"

namespace mmm::test {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

class Pki {
public:
    // A CA named `ca_name` in a fresh temporary directory.
    explicit Pki(const std::string& ca_name = "mmm test CA") : ca_key_(new_key()), ca_(nullptr, X509_free) {
        char pattern[] = "/tmp/mmm-pki-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        ca_ = sign(ca_name, "", ca_key_.get(), true);
        write_cert(ca_.get(), ca_file());
    }
    ~Pki() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    Pki(const Pki&) = delete;
    Pki& operator=(const Pki&) = delete;

    std::string ca_file() const { return (dir_ / "ca.pem").string(); }
    std::string cert_file(const std::string& name) const { return (dir_ / (name + ".pem")).string(); }
    std::string key_file(const std::string& name) const { return (dir_ / (name + ".key")).string(); }

    // <name>.pem and <name>.key, CN=name, subjectAltName `san` ("IP:192.0.2.11,DNS:db1"; empty: none).
    void issue(const std::string& name, const std::string& san) {
        KeyPtr key = new_key();
        CertPtr cert = sign(name, san, key.get(), false);
        write_cert(cert.get(), cert_file(name));
        write_key(key.get(), key_file(name));
    }

private:
    static KeyPtr new_key() {
        KeyPtr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
        if (!key) throw std::runtime_error("EC key generation failed");
        return key;
    }

    CertPtr sign(const std::string& cn, const std::string& san, EVP_PKEY* key, bool is_ca) {
        CertPtr cert(X509_new(), X509_free);
        X509_set_version(cert.get(), 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial_);
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
        X509_set_pubkey(cert.get(), key);
        X509_NAME* name = X509_get_subject_name(cert.get());
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                   -1, 0);
        X509* issuer = is_ca ? cert.get() : ca_.get();
        X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, issuer, cert.get(), nullptr, nullptr, 0);
        add_ext(cert.get(), &ctx, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
        add_ext(cert.get(), &ctx, NID_key_usage, is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
        if (!is_ca) add_ext(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
        if (!san.empty()) add_ext(cert.get(), &ctx, NID_subject_alt_name, san.c_str());
        if (X509_sign(cert.get(), is_ca ? key : ca_key_.get(), EVP_sha256()) == 0)
            throw std::runtime_error("X509_sign failed");
        return cert;
    }

    static void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
        if (ext == nullptr) throw std::runtime_error(std::string("bad extension ") + value);
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }

    static void write_cert(X509* cert, const std::string& path) {
        FILE* f = std::fopen(path.c_str(), "w");
        if (f == nullptr) throw std::runtime_error("cannot write " + path);
        PEM_write_X509(f, cert);
        std::fclose(f);
    }

    static void write_key(EVP_PKEY* key, const std::string& path) {
        FILE* f = std::fopen(path.c_str(), "w");
        if (f == nullptr) throw std::runtime_error("cannot write " + path);
        PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(f);
        ::chmod(path.c_str(), 0600);
    }

    std::filesystem::path dir_;
    KeyPtr ca_key_;
    CertPtr ca_;
    long serial_ = 0;
};

// socket.type tls with `name`'s certificate and key from `pki`, and its CA.
inline SocketConfig socket_of(const Pki& pki, const std::string& name) {
    SocketConfig s;
    s.type = SocketType::Tls;
    s.cert_file = pki.cert_file(name);
    s.key_file = pki.key_file(name);
    s.ca_file = pki.ca_file();
    return s;
}

}  // namespace mmm::test
