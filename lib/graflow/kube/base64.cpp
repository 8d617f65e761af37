// base64 through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock; this file only adds what
// kubeconfig files need on top: whitespace ignored and padding optional.
#include "graflow/kube/base64.hpp"

#include <openssl/evp.h>

namespace graflow::kube {

std::optional<std::string> base64_decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size() + 3);
  for (const char c : text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      clean.push_back(c);
    }
  }
  std::size_t padding = 0;
  if (const auto eq = clean.find('='); eq != std::string::npos) {
    if (clean.find_first_not_of('=', eq) != std::string::npos) {
      return std::nullopt; // data after padding
    }
    padding = clean.size() - eq;
  }
  if (padding > 2 || clean.size() % 4 == 1) {
    return std::nullopt;
  }
  if (padding == 0 && clean.size() % 4 != 0) {
    padding = 4 - clean.size() % 4; // unpadded, as some tools write it
    clean.append(padding, '=');
  }
  if (clean.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the bytes the padding stands for as zeros.
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string base64_encode(std::string_view data) {
  std::string out((data.size() + 2) / 3 * 4 + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

} // namespace graflow::kube
