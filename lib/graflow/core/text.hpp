#pragma once
// Small text helpers that several systems need the same way: percent-encoding, host:port
// with IPv6 brackets, and hiding credentials in text we did not write ourselves.
#include <string>
#include <string_view>

namespace graflow::text {

// RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - . _ ~),
// for query values and path segments. `also_keep` lists more characters left as they are
// (":" for Kubernetes path segments).
std::string url_encode(std::string_view s, std::string_view also_keep = {});

// "host:port", or "[host]:port" for an IPv6 address (a host with a ':'); a host already in
// brackets is left alone.
std::string join_host_port(std::string_view host, std::string_view port);
std::string join_host_port(std::string_view host, int port);

// `text` with anything that looks like a credential replaced by "[redacted]": the word
// after "Bearer"/"Basic", the value after "token", "password", "secret" and similar keys
// (`token: x`, `"token":"x"`, `token=x`), JWTs, and runs of 32 or more base64/hex
// characters. For output of other programs (exec plugins, helm) shown in error messages.
std::string redact_secrets(std::string_view text);

// A DNS-1123 label (Kubernetes namespaces and most object names): 1 to 63 lower-case
// letters, digits and '-', starting and ending with a letter or digit.
bool is_dns1123_label(std::string_view s);

// A Kubernetes object name (RFC 1123 subdomain): at most 253 characters, dot-separated
// labels of lower-case letters, digits and '-', each starting and ending alphanumeric. So
// never empty, "..", or holding '/', NUL or control characters.
bool is_dns1123_subdomain(std::string_view s);

// Levenshtein distance between `a` and `b` (letters compared case-insensitively when
// `ignore_case`), for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b, bool ignore_case = false);

// `text` without trailing whitespace and newlines, cut to its last `max` bytes ("…" first).
std::string tail(std::string_view text, std::size_t max);

} // namespace graflow::text
