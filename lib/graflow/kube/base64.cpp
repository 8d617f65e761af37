// base64 through yaml-cpp's EncodeBase64/DecodeBase64 (YAML's !!binary; yaml-cpp is linked
// anyway, and OpenSSL is not: only rediss:// loads it, in graflowctl-tls.so). This file only
// adds what kubeconfig files need on top: padding optional, and garbage refused rather than
// decoded to nothing.
#include "graflow/kube/base64.hpp"

#include <yaml-cpp/binary.h>

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
  const std::vector<unsigned char> bytes = YAML::DecodeBase64(clean);
  if (bytes.empty() && !clean.empty()) {
    return std::nullopt; // a character outside the alphabet (a valid group decodes to >= 1 byte)
  }
  return std::string(bytes.begin(), bytes.end());
}

std::string base64_encode(std::string_view data) {
  return YAML::EncodeBase64(reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

} // namespace graflow::kube
