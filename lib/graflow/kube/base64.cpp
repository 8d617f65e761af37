#include "graflow/kube/base64.hpp"

#include <array>
#include <cstdint>

namespace graflow::kube {
namespace {

constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) {
    v = -1;
  }
  for (std::size_t i = 0; i < k_alphabet.size(); ++i) {
    table[static_cast<unsigned char>(k_alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}

constexpr auto k_table = make_table();

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

} // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  int padding = 0;
  std::size_t symbols = 0;
  for (const char c : text) {
    if (is_space(c)) {
      continue;
    }
    if (c == '=') {
      ++padding;
      ++symbols;
      continue;
    }
    const int v = k_table[static_cast<unsigned char>(c)];
    if (v < 0 || padding > 0) {
      return std::nullopt; // not base64, or data after padding
    }
    ++symbols;
    acc = (acc << 6U) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  if (padding > 2 || (padding > 0 && symbols % 4 != 0) || symbols % 4 == 1) {
    return std::nullopt;
  }
  return out;
}

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16U) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8U) |
                   static_cast<unsigned char>(data[i + 2]);
    out.push_back(k_alphabet[(n >> 18U) & 63U]);
    out.push_back(k_alphabet[(n >> 12U) & 63U]);
    out.push_back(k_alphabet[(n >> 6U) & 63U]);
    out.push_back(k_alphabet[n & 63U]);
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16U;
    if (rest == 2) {
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8U;
    }
    out.push_back(k_alphabet[(n >> 18U) & 63U]);
    out.push_back(k_alphabet[(n >> 12U) & 63U]);
    out.push_back(rest == 2 ? k_alphabet[(n >> 6U) & 63U] : '=');
    out.push_back('=');
  }
  return out;
}

} // namespace graflow::kube
